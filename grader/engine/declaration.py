"""The exercise: a declaration read by the engine (`checks.py`: `EXERCISE = exercise(...)`).

The declaration lists its checks (rows and hand-written checks), the probe of
each family of mistakes, its limits and general hints; everything else is
found from its folder: the exercise's name (the folder's), its reference,
the functions a learner writes (those of the solution with solution markers),
its mistakes (`mutants.toml`) and its per-function hints (`hints.toml`).
A built-in exercise lives in `grader/exercises/NAME/` with its reference in
`reference/NAME.py` and its solution in `solutions/NAME.py`; a course's in
`exercises/NAME/` beside its `solution.py`, which is also its reference.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from grader.engine import mutants
from grader.engine.rows import Row, ScenarioRow, checks_of
from grader.engine.subjects import Subject
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
    probes: Mapping[str, Callable[[Subject], Any]] = field(
        default_factory=dict, hash=False, compare=False
    )
    folder: Path | None = None

    @cached_property
    def reference_module(self) -> types.ModuleType:
        return importlib.import_module(self.reference)

    @property
    def hints_file(self) -> Path | None:
        """Per-function hints (`hints.toml` beside the declaration), if any."""
        path = self.folder / "hints.toml" if self.folder else None
        return path if path is not None and path.is_file() else None


def solution_of(folder: Path) -> Path:
    """The complete learner file of the exercise declared in `folder`."""
    own = folder / "solution.py"
    return own if own.is_file() else SOLUTIONS / f"{folder.name}.py"


def learner_names(folder: Path) -> tuple[str, ...]:
    """The top-level functions and classes a learner writes: those of the solution with
    solution markers (of the stub, where no solution ships), in file order."""
    path = solution_of(folder)
    marked = path.is_file()
    text = (path if marked else STUBS / f"{folder.name}.py").read_text("utf-8")
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
    probes: Mapping[str, Callable[[Subject], Any]] | None = None,
    limits: Limits = Limits(),
    hints: Sequence[str] = (),
    functions: Sequence[str] | None = None,
    folder: Path | str | None = None,
) -> Exercise:
    """What a `checks.py` declares as `EXERCISE`; its folder is the caller's (or `folder`).

    `checks` mixes rows (each becomes its property, special-value and hidden
    checks) and checks built with the factories. `probes` maps each family of
    mistakes (mutants.toml) to the value where it shows. The functions the
    learner defines are, unless given, those of the solution with markers.
    A course's loader sets the reference (its solution.py, imported).
    """
    where = Path(folder) if folder else Path(sys._getframe(1).f_globals["__file__"]).parent
    where = where.resolve()
    built = tuple(check for item in checks for check in checks_of(item))
    course = (where / "solution.py").is_file()
    solution = solution_of(where)
    return Exercise(
        name=where.name,
        title=title,
        reference="" if course else f"reference.{where.name}",
        functions=tuple(functions) if functions else learner_names(where),
        checks=built,
        # a grader installed without the solutions still grades, but names no mistake
        mutants=mutants.load(where, solution, probes) if solution.is_file() else (),
        hints=tuple(hints),
        limits=limits,
        probes=dict(probes or {}),
        folder=where,
    )
