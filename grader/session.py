"""One `neurograde grade` run: grade each exercise, record progress, render, exit code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader import catalog
from grader.render import render
from grader.result import CheckResult, ExerciseResult, RunResult
from grader.runner import Options, grade
from grader.workspace import Workspace


@dataclass(frozen=True)
class GradeRequest:
    names: list[str]
    workspace: Path
    device: str = "auto"
    fmt: str = "text"
    output: Path | None = None
    timeout_s: float | None = None
    only: str | None = None
    verbose: bool = False


def resolve_device(name: str, requested: str) -> str:
    """numpy exercises run on the CPU; torch ones on CUDA when asked or when `auto` finds it."""
    if name not in catalog.TORCH_EXERCISES or requested == "cpu":
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def options_for(name: str, request: GradeRequest) -> Options:
    """How `name` is graded for this request."""
    return Options.from_environment(
        device=resolve_device(name, request.device), timeout_s=request.timeout_s, only=request.only
    )


def grade_all(request: GradeRequest, record: bool = True) -> RunResult:
    """Grade every exercise of the request; `record` keeps the scores in the workspace's progress."""
    workspace = Workspace(request.workspace)
    results = []
    for name in request.names:
        path = workspace.exercise_file(name)
        if not path.is_file():
            results.append(_missing(name, path))
            continue
        result = grade(name, path, options_for(name, request))
        if record and request.only is None:
            workspace.record_grade(result, path)
        results.append(result)
    return RunResult(results)


def _missing(name: str, path: Path) -> ExerciseResult:
    exercise = catalog.load(name)
    result = ExerciseResult(exercise=name, device="cpu", title=exercise.title)
    result.errors.append(f"no file {path}")
    for check in exercise.checks:
        result.checks.append(
            CheckResult(check.id, check.kind, False, 0.0, check.points, f"not run: no file {path}")
        )
    return result


def run_grades(request: GradeRequest, color: bool) -> int:
    """Grade, write the report, and return the exit status (0 all passed, 1 otherwise)."""
    run = grade_all(request)
    report = render(
        run, request.fmt, color=color and request.fmt == "text", verbose=request.verbose
    )
    if request.output is None:
        import click

        click.echo(report, nl=False)
    else:
        request.output.write_text(report, encoding="utf-8")
    return 0 if run.passed else 1
