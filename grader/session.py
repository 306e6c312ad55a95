"""One `neurograde grade` run: grade each exercise, record progress, render, exit code.

A failure of the grader itself on one exercise (a bug, never the learner's
doing) is caught here, once: it becomes that exercise's reported error, the
other exercises are still graded and the report is complete; the exit
status is then 3.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, replace
from pathlib import Path

from grader import catalog
from grader.render import render
from grader.result import CheckResult, ExerciseResult, RunResult, short_reason
from grader.runner import Options, grade
from grader.workspace import Workspace

GRADER_FAILED = 3


@dataclass(frozen=True)
class GradeRequest:
    names: list[str]
    workspace: Path
    device: str = "auto"
    fmt: str = "text"
    output: Path | None = None
    timeout_s: float | None = None
    budget_s: float | None = None
    only: str | None = None
    verbose: bool = False


def resolve_device(name: str, requested: str) -> str:
    """numpy exercises run on the CPU; torch ones on CUDA when asked or when `auto` finds it."""
    forced = catalog.settings(name).device  # a course may force one
    requested = requested if forced in (None, "auto") else forced
    if not catalog.uses_torch(name) or requested == "cpu":
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def options_for(name: str, request: GradeRequest) -> Options:
    """How `name` is graded for this request (a course's hidden cases are seeded by its id too)."""
    options = Options.from_environment(
        device=resolve_device(name, request.device),
        timeout_s=request.timeout_s,
        budget_s=request.budget_s,
        only=request.only,
    )
    served = catalog.course()
    return replace(options, course=served.id) if served else options


def grade_all(request: GradeRequest, record: bool = True) -> RunResult:
    """Grade every exercise of the request; `record` keeps the scores in the workspace's progress."""
    workspace = Workspace(request.workspace)
    results = []
    for name in request.names:
        path = workspace.exercise_file(name)
        if not path.is_file():
            results.append(not_graded(name, f"no file {path}"))
            continue
        try:
            result = grade(name, path, options_for(name, request))
        except Exception as error:
            results.append(not_graded(name, grader_failure(error), grader_error=True))
            continue
        if record and request.only is None:
            workspace.record_grade(result, path)
        results.append(result)
    return RunResult(results)


def grader_failure(error: Exception) -> str:
    """One line for the report: the grader's exception and where in the grader it was raised."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "grader" in f.filename]
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return (
        f"the grader failed on this exercise ({type(error).__name__}{where}: "
        f"{short_reason(str(error) or '-')}); please report it"
    )


def not_graded(name: str, reason: str, grader_error: bool = False) -> ExerciseResult:
    """An exercise whose checks could not run: each one says why, once."""
    result = ExerciseResult(
        exercise=name, device="cpu", errors=[reason], grader_error=reason if grader_error else None
    )
    try:
        exercise = catalog.load(name)
    except Exception:  # the checks themselves are what failed: the error says so, alone
        return result
    result.title = exercise.title
    for check in exercise.checks:
        result.checks.append(
            CheckResult(
                check.id,
                check.kind,
                False,
                0.0,
                check.points,
                f"not run: {reason}",
                visibility="hidden" if check.kind == "hidden" else "visible",
                skipped=short_reason(reason),
                functions=check.uses,
            )
        )
    return result


def exit_status(run: RunResult) -> int:
    """0 every check passed, 1 some failed, 3 the grader itself failed on some exercise."""
    if run.grader_failed:
        return GRADER_FAILED
    return 0 if run.passed else 1


def run_grades(request: GradeRequest, color: bool) -> int:
    """Grade, write the report, and return the exit status."""
    run = grade_all(request)
    report = render(
        run, request.fmt, color=color and request.fmt == "text", verbose=request.verbose
    )
    if request.output is None:
        import click

        click.echo(report, nl=False)
    else:
        request.output.write_text(report, encoding="utf-8")
    return exit_status(run)
