"""Turn a `RunResult` into each output format of `shared/spec/cli.md`.

text, markdown, html and junit are jinja2 templates in `grader/templates`;
json and gradescope are JSON documents built from `to_json()`. Each template
format has its own environment: HTML and JUnit autoescape every value (and
drop the characters XML 1.0 forbids), markdown escapes every value for GFM
(`grader.render.escape`), so learner text is escaped by construction.
"""

from __future__ import annotations

import json
from typing import Any

from grader.render.escape import markdown_code, markdown_text, xml_text
from grader.result import ExerciseResult, RunResult

FORMATS = ("text", "json", "junit", "gradescope", "markdown", "html")

TEMPLATES = {
    "text": "result.txt.j2",
    "markdown": "result.md.j2",
    "html": "result.html.j2",
    "junit": "result.junit.j2",
}
"""The template of each template format."""

FINALIZE = {"html": xml_text, "junit": xml_text, "markdown": markdown_text}
"""What every `{{ value }}` of a format's template goes through (then autoescape for html, junit)."""


def number(value: float) -> str:
    """2.0 -> "2", 2.5 -> "2.5"."""
    return f"{value:g}"


def templates(package: str, autoescape: bool = False, finalize: Any = None) -> Any:
    """A jinja2 environment for `package`'s `templates/` folder, set up as every neurograde
    template expects: blocks trimmed, trailing newline kept, an unknown name an error."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=autoescape,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def environment(fmt: str = "text") -> Any:
    """The jinja2 environment for format `fmt`'s template."""
    env = templates("grader", autoescape=fmt in ("html", "junit"), finalize=FINALIZE.get(fmt))
    env.filters["number"] = number
    env.filters["code"] = markdown_code
    return env


def render(run: RunResult, fmt: str, color: bool = False, verbose: bool = False) -> str:
    """The whole run in format `fmt` (text: learner-sized unless `verbose`)."""
    if fmt == "text":
        from grader.render.text import render_text

        return render_text(run, _styler(color), verbose)
    if fmt == "json":
        return json.dumps(run.to_json(), indent=2) + "\n"
    if fmt == "gradescope":
        from grader.render.gradescope import gradescope

        return json.dumps(gradescope(run), indent=2) + "\n"
    template = environment(fmt).get_template(TEMPLATES[fmt])
    if fmt == "html":
        from grader.render.report import exercise_view

        return template.render(run=run, views=[exercise_view(e) for e in run.exercises])
    return template.render(run=run, style=_styler(color))


def _styler(color: bool) -> Any:
    def style(text: str, fg: str | None = None, bold: bool = False) -> str:
        if not color:
            return text
        import click

        return click.style(text, fg=fg, bold=bold)

    return style


__all__ = ["FORMATS", "ExerciseResult", "render"]
