"""The exercise: a declaration read by the engine (`checks.py`: `EXERCISE = exercise(...)`).

The declaration lists its checks (rows and hand-written checks), the probe of
each family of mistakes and its limits; everything else is found from its
folder: the exercise's name (the folder's), its reference, the functions a
learner writes (those of the solution with solution markers), its mistakes
(`mutants.toml`) and its texts (`hints.toml`: hints and check titles).
A built-in exercise lives in `grader/exercises/NAME/` with its reference in
`reference/NAME.py` and its solution in `solutions/NAME.py`; a course's in
`exercises/NAME/` beside its `solution.py`, which is also its reference.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.util
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from grader.engine import mutants, texts
from grader.engine.rows import Row, ScenarioRow, checks_of
from grader.engine.verdicts import Check
from grader.paths import EXERCISES as STUBS
from grader.paths import SOLUTIONS

MARKER = "# BEGIN SOLUTION"


@dataclass(frozen=True)
class Limits:
    """How the learner's code may run: torch or numpy only, time per call, memory,
    the modules it may import besides numpy and pure standard-library ones, and whether
    it takes a device (CPU or GPU). None: the catalog's default."""

    torch: bool = False
    time_s: float | None = None
    memory_mb: int | None = None
    imports: tuple[str, ...] = ()
    device: bool = False


@dataclass(frozen=True)
class Exercise:
    """One exercise: its reference, the names a learner must define, its checks, its
    mistakes (with each family's probe), hints and limits."""

    name: str
    title: str
    reference: str
    functions: tuple[str, ...]
    checks: tuple[Check, ...]
    mutants: tuple[Any, ...] = ()
    hints: tuple[str, ...] = ()
    limits: Limits = Limits()
    probes: mutants.Probes = field(default_factory=dict, hash=False, compare=False)
    folder: Path | None = None
    function_hints: dict[str, list[str]] = field(default_factory=dict, hash=False, compare=False)
    """Function -> its hints, from a nudge to a recipe (hints.toml)."""

    @cached_property
    def reference_module(self) -> types.ModuleType:
        return importlib.import_module(self.reference)


def solution_of(folder: Path) -> Path:
    """The complete learner file of the exercise declared in `folder`."""
    own = folder / "solution.py"
    return own if own.is_file() else SOLUTIONS / f"{folder.name}.py"


def learner_names(folder: Path) -> tuple[str, ...]:
    """The top-level functions and classes a learner writes: those of the solution with
    solution markers (of the stub, where no solution ships), in file order."""
    path = solution_of(folder)
    marked = path.is_file()
    stub = folder / "stub.py"  # a course's release keeps its stub, not its solution
    stub = stub if stub.is_file() else STUBS / f"{folder.name}.py"
    text = (path if marked else stub).read_text("utf-8")
    lines = text.splitlines()
    return tuple(
        node.name
        for node in ast.parse(text).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
        and not node.name.startswith("_")
        and (not marked or any(MARKER in line for line in lines[node.lineno - 1 : node.end_lineno]))
    )


def exercise(
    title: str,
    checks: Sequence[Check | Row | ScenarioRow | Sequence[Check]],
    probes: mutants.Probes | None = None,
    limits: Limits = Limits(),
    functions: Sequence[str] | None = None,
    folder: Path | str | None = None,
) -> Exercise:
    """What a `checks.py` declares as `EXERCISE`; its folder is the caller's (or `folder`).

    `checks` mixes rows (each becomes its property, special-value and hidden
    checks) and checks built with the factories. `probes` maps each family of
    mistakes (mutants.toml) to the value where it shows. The functions the
    learner defines are, unless given, those of the solution with markers.
    Titles under `[titles]` in hints.toml replace the checks' own, and general
    hints come from its `[general]`. A course's loader sets the reference (its
    solution.py, imported).
    """
    where = Path(folder) if folder else Path(sys._getframe(1).f_globals["__file__"]).parent
    where = where.resolve()
    given = texts.read(where / "hints.toml")
    built = titled(tuple(check for item in checks for check in checks_of(item)), where, given)
    course = (where / "solution.py").is_file()
    solution = solution_of(where)
    return Exercise(
        name=where.name,
        title=title,
        reference="" if course else f"reference.{where.name}",
        functions=tuple(functions) if functions else learner_names(where),
        checks=built,
        # a learners' release holds no solution: its mistakes are named from its cases
        mutants=mutants.load(where, solution, probes) if solution.is_file() else (),
        hints=given.general,
        function_hints=given.functions,
        limits=limits,
        probes=dict(probes or {}),
        folder=where,
    )


def titled(checks: tuple[Check, ...], folder: Path, given: texts.Texts) -> tuple[Check, ...]:
    """`checks` with the titles of hints.toml; each must name a check, and each check have one."""
    path = folder / "hints.toml"
    ids = {check.id for check in checks}
    stray = next((id for id in given.titles if id not in ids), None)
    if stray is not None:
        raise texts.TextsError(path, f"titles.{stray}", "names no check of checks.py")
    checks = tuple(
        dataclasses.replace(check, title=given.titles.get(check.id, check.title))
        for check in checks
    )
    untitled = next((check.id for check in checks if not check.title), None)
    if untitled is not None:
        raise texts.TextsError(path, f"titles.{untitled}", "missing: this check needs a title")
    return checks
