"""`neurograde docs`: the curriculum contract, read from the installed package.

`grader/data/curriculum.md` is a copy of the project's curriculum contract
(a test keeps the two equal); this prints the section of one exercise.
"""

from __future__ import annotations

import re
import textwrap
from importlib.resources import files

_HEADING = re.compile(r"^## (?:\d+\. )?`?(?P<name>[\w ()]+?)`?(?: — .*)?$", re.MULTILINE)


def curriculum() -> str:
    return files("grader").joinpath("data", "curriculum.md").read_text(encoding="utf-8")


def sections() -> dict[str, str]:
    """Heading name ("neuron", "Conventions (all exercises)", ...) -> its section's text."""
    text = curriculum()
    found = list(_HEADING.finditer(text))
    return {
        match["name"]: text[match.start() : ends.start() if ends else len(text)].strip()
        for match, ends in zip(found, [*found[1:], None], strict=True)
    }


def section(exercise: str | None, width: int = 100) -> str:
    """One exercise's contract, or (None) the conventions every exercise follows."""
    parts = sections()
    if exercise is None:
        conventions = next(text for name, text in parts.items() if name.startswith("Conventions"))
        listing = ", ".join(name for name in parts if not name.startswith("Conventions"))
        return f"{for_terminal(conventions, width)}\n\nExercises: {listing}. Run: neurograde docs EXERCISE"
    if exercise not in parts:  # a course's own exercise: its solution's docstrings
        return from_docstrings(exercise)
    return for_terminal(parts[exercise], width)


def from_docstrings(exercise: str) -> str:
    """The contract of a course's exercise: its solution's docstrings and signatures."""
    import inspect

    from grader import catalog

    declared = catalog.load(exercise)
    module = declared.reference_module
    out = [f"{exercise} — {declared.title}", "", inspect.getdoc(module) or ""]
    for name in declared.functions:
        function = getattr(module, name)
        doc = textwrap.indent(inspect.getdoc(function) or "", "      ")
        out += ["", f"  {name}{inspect.signature(function)}", doc]
    return "\n".join(out).strip()


def for_terminal(markdown: str, width: int) -> str:
    """Markdown tables as `name` lines with their semantics indented below, wrapped."""
    out: list[str] = []
    lines = markdown.splitlines()
    for number, line in enumerate(lines):
        following = lines[number + 1] if number + 1 < len(lines) else ""
        cells = (
            [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        )
        if not cells:
            out.append(line.removeprefix("## "))
        elif set(cells[0]) <= set("-: ") or following.startswith("|---"):
            continue  # a table's header and its separator
        else:
            out.append("")
            out.append("  " + cells[0].replace("`", ""))
            semantics = " | ".join(cells[1:]).replace("`", "")
            out += textwrap.wrap(
                semantics, width - 1, initial_indent="      ", subsequent_indent="      "
            )
    return "\n".join(out).strip()
