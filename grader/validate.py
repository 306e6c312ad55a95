"""Is an assignment honest? Solutions score full marks, stubs zero, every mutant is caught and named.

Used by `neurograde assign validate` (on the built-in curriculum or a course) and by the
project's own contract tests. A course's stubs are generated from its solutions here, as
learners will get them; its quiz topics are loaded and checked as `neurograde quiz` would.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grader import catalog
from grader.course import CourseError
from grader.engine.mutants import Patch, apply
from grader.result import ExerciseResult
from grader.runner import Options, grade
from grader.stubgen import MarkerError


@dataclass(frozen=True)
class Finding:
    """One verdict on the assignment: which file, whether it behaves, and how."""

    exercise: str
    subject: str
    ok: bool
    detail: str


def check_solution(name: str, solutions: Path | None = None) -> Finding:
    path = solutions / f"{name}.py" if solutions else catalog.solution_file(name)
    result = grade(name, path, Options())
    failed = [c.id for c in result.checks if not c.passed]
    ok = not failed and result.score == result.max_score > 0 and not result.misconceptions
    detail = f"{result.score:g}/{result.max_score:g}" + (
        f", failed: {', '.join(failed)}" if failed else ""
    )
    return Finding(name, "solution", ok, detail)


def check_stub(name: str, exercises: Path | None = None) -> Finding:
    with tempfile.TemporaryDirectory(prefix="neurograde-stub-") as workdir:
        path = Path(workdir) / f"{name}.py"
        path.write_text(
            (exercises / path.name).read_text("utf-8") if exercises else catalog.stub_text(name),
            "utf-8",
        )
        result = grade(name, path, Options())
    return Finding(name, "stub", result.score == 0.0, f"{result.score:g}/{result.max_score:g}")


def grade_mutant(
    name: str, mutant: Patch, workdir: Path, solutions: Path | None = None
) -> ExerciseResult:
    """Grade the solution with one mutant in place (written to `workdir`)."""
    solution = solutions / f"{name}.py" if solutions else catalog.solution_file(name)
    path = workdir / f"{name}.py"
    path.write_text(apply(solution.read_text("utf-8"), mutant), "utf-8")
    return grade(name, path, Options())


def check_mutant(
    name: str, mutant: Patch, workdir: Path, solutions: Path | None = None
) -> Finding:
    result = grade_mutant(name, mutant, workdir, solutions)
    caught = result.score < result.max_score
    named = mutant.misconception in result.misconceptions
    detail = f"{result.score:g}/{result.max_score:g}" + (
        "" if caught else ", no scored check failed"
    )
    detail += "" if named else ", not diagnosed"
    return Finding(
        name, f"mutant {mutant.id}", caught and named, detail
    )


def check_quizzes() -> Iterator[Finding]:
    """Every quiz file of the course loads with consistent answer keys (bank.py's rules),
    and the topics course.toml lists all exist."""
    from grader.quiz.bank import BankError, load_topic

    served = catalog.course()
    for path in served.own_topics() if served else []:
        try:
            topic = load_topic(path)
        except BankError as error:
            yield Finding(f"quiz:{path.stem}", "answer keys", False, f"{path}: {error}")
            continue
        yield Finding(f"quiz:{topic.id}", "answer keys", True, f"{len(topic.questions)} questions")
    try:
        topics = list(catalog.bank().topics)
    except (BankError, CourseError) as error:
        yield Finding("quizzes", "topics", False, str(error))
        return
    yield Finding("quizzes", "topics", True, ", ".join(topics))


def validate(names: list[str], quizzes: bool = False) -> Iterator[Finding]:
    """Every finding for `names`, exercise by exercise (then the quiz topics, if asked)."""
    for name in names:
        try:
            mutants = catalog.load(name).mutants
        except CourseError as error:
            yield Finding(name, "declaration", False, str(error))
            continue
        try:
            catalog.stub_text(name)
        except MarkerError as error:
            yield Finding(name, "stub", False, f"cannot be generated: {error}")
            continue
        yield check_solution(name)
        yield check_stub(name)
        with tempfile.TemporaryDirectory(prefix="neurograde-validate-") as workdir:
            for mutant in mutants:
                yield check_mutant(name, mutant, Path(workdir))
    if quizzes:
        yield from check_quizzes()
