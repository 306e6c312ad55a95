"""Is an assignment honest? Solutions score full marks, stubs zero, every mutant is caught and named.

Used by `neurograde assign validate` and by the project's own contract tests.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grader import catalog
from grader.checks.base import Mutant, mutant_source
from grader.paths import EXERCISES, SOLUTIONS
from grader.result import ExerciseResult
from grader.runner import Options, grade


@dataclass(frozen=True)
class Finding:
    """One verdict on the assignment: which file, whether it behaves, and how."""

    exercise: str
    subject: str
    ok: bool
    detail: str


def check_solution(name: str, solutions: Path = SOLUTIONS) -> Finding:
    result = grade(name, solutions / f"{name}.py", Options())
    failed = [c.id for c in result.checks if not c.passed]
    ok = not failed and result.score == result.max_score > 0 and not result.misconceptions
    detail = f"{result.score:g}/{result.max_score:g}" + (
        f", failed: {', '.join(failed)}" if failed else ""
    )
    return Finding(name, "solution", ok, detail)


def check_stub(name: str, exercises: Path = EXERCISES) -> Finding:
    result = grade(name, exercises / f"{name}.py", Options())
    return Finding(name, "stub", result.score == 0.0, f"{result.score:g}/{result.max_score:g}")


def grade_mutant(
    name: str, mutant: Mutant, workdir: Path, solutions: Path = SOLUTIONS
) -> ExerciseResult:
    """Grade the solution with one mutant in place (written to `workdir`)."""
    path = workdir / f"{name}.py"
    path.write_text(mutant_source((solutions / f"{name}.py").read_text("utf-8"), mutant), "utf-8")
    return grade(name, path, Options())


def check_mutant(name: str, mutant: Mutant, workdir: Path, solutions: Path = SOLUTIONS) -> Finding:
    result = grade_mutant(name, mutant, workdir, solutions)
    caught = result.score < result.max_score
    named = mutant.misconception in result.misconceptions
    detail = f"{result.score:g}/{result.max_score:g}" + (
        "" if caught else ", no scored check failed"
    )
    detail += "" if named else ", not diagnosed"
    return Finding(name, f"mutant {mutant.misconception}", caught and named, detail)


def validate(names: list[str]) -> Iterator[Finding]:
    """Every finding for `names`, exercise by exercise."""
    for name in names:
        yield check_solution(name)
        yield check_stub(name)
        with tempfile.TemporaryDirectory(prefix="neurograde-validate-") as workdir:
            for mutant in catalog.load(name).mutants:
                yield check_mutant(name, mutant, Path(workdir))
