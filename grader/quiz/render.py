"""Rendering with the jinja2 templates of `grader/quiz/templates/`.

Terminal templates get a `style` function that is `click.style` when colour is
on and the identity otherwise, a `width` to wrap to, and the `wrap` filter.
"""

from __future__ import annotations

import functools
import os
import shutil
import textwrap
from typing import IO, Any

import click
import jinja2

from grader.quiz.session import LETTERS, format_number
from grader.render import templates

MAX_WIDTH = 88
_GIFT_SPECIAL = "~=#{}:"
_MARKDOWN_SPECIAL = "\\`*_[]<>|"


def use_color(stream: IO[str]) -> bool:
    """Colour only on a terminal, and never when `NO_COLOR` is set (https://no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def terminal_width() -> int:
    return min(shutil.get_terminal_size((MAX_WIDTH, 24)).columns, MAX_WIDTH)


def wrap(text: str, width: int = MAX_WIDTH, prefix: str = "", indent: str | None = None) -> str:
    """Wrap each line of `text` to `width`; the first line starts with `prefix`,
    the others with `indent` (default: spaces as wide as the prefix)."""
    rest = " " * len(prefix) if indent is None else indent
    lines = []
    for i, line in enumerate(text.splitlines() or [""]):
        first = prefix if i == 0 else rest
        lines.append(
            textwrap.fill(line, width, initial_indent=first, subsequent_indent=rest)
            if line.strip()
            else first.rstrip()
        )
    return "\n".join(lines)


def gift_escape(text: str) -> str:
    """Text for a GIFT file: `~ = # { } :` escaped with a backslash, newlines as `\\n`."""
    for char in _GIFT_SPECIAL:
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def markdown_escape(text: str) -> str:
    """Text for Markdown: inline markup characters backslash-escaped (`__len__` stays literal)."""
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in text)


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = templates("grader.quiz")
    env.filters.update(wrap=wrap, gift=gift_escape, md=markdown_escape, number=format_number)
    env.globals.update(letters=LETTERS)
    return env


def render(template: str, *, color: bool = False, **context: Any) -> str:
    """Render `templates/<template>` with `context`, styled when `color` is on."""

    def style(text: str, **styles: Any) -> str:
        return click.style(text, **styles) if color else text

    context.setdefault("width", terminal_width())
    return environment().get_template(template).render(style=style, **context)
