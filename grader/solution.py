"""`neurograde solution`: after full marks, the reference beside the learner's own code.

Function by function (the exercise's declared functions), side by side when
the terminal is wide enough, one after the other otherwise, to compare styles.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from pathlib import Path

from grader import catalog
from grader.render.text import clean, cut, terminal_width

GUTTER = " │ "


def definitions(source: str) -> dict[str, str]:
    """Top-level function and class definitions of a file: name -> source (with decorators)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    lines = source.splitlines()
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found[node.name] = "\n".join(lines[start - 1 : node.end_lineno])
    return found


def side_by_side(exercise: str, learner_file: Path, width: int | None = None) -> str:
    """The learner's definitions and the reference's, for every function of the exercise."""
    width = width or terminal_width()
    declaration = catalog.load(exercise)
    reference = importlib.import_module(declaration.reference)
    try:
        mine = definitions(learner_file.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        mine = {}
    column = (width - len(GUTTER)) // 2
    wide = column >= 60
    out = [
        f"{exercise}: your code{' (left)' if wide else ''} and the reference{' (right)' if wide else ''}"
    ]
    for name in declaration.functions:
        ours = clean(mine.get(name, f"# {name} is not in {learner_file.name}"))
        theirs = textwrap.dedent(inspect.getsource(getattr(reference, name))).rstrip()
        out.append("")
        out.append(f"── {name} ".ljust(width, "─"))
        if wide:
            left, right = ours.splitlines(), theirs.splitlines()
            for number in range(max(len(left), len(right))):
                a = left[number] if number < len(left) else ""
                b = right[number] if number < len(right) else ""
                out.append(cut(a, column).ljust(column) + GUTTER + cut(b, column))
        else:
            out += ["yours:", *(cut(line, width) for line in ours.splitlines())]
            out += ["reference:", *(cut(line, width) for line in theirs.splitlines())]
    return "\n".join(out) + "\n"
