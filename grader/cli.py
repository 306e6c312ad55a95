"""`neurograde`: the command line (see `shared/spec/cli.md`).

A grade flows `cli -> catalog -> runner (worker + checks) -> result -> render`.
Exit status of `grade`: 0 every check passed, 1 some check failed, 2 usage
error, 3 the grader itself failed.
"""

from __future__ import annotations

import os
import shutil
import sys
import traceback
from pathlib import Path

import click

from grader import catalog
from grader.gradebook.cli import register
from grader.paths import EXERCISES
from grader.workspace import Workspace

USAGE_ERROR = 2
INTERNAL_ERROR = 3


def default_workspace() -> Path:
    """`./exercises` if it exists, else the current folder."""
    exercises = Path("exercises")
    return exercises if exercises.is_dir() else Path(".")


def use_color(stream: object) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return "NO_COLOR" not in os.environ and bool(getattr(stream, "isatty", lambda: False)())


class LazyQuiz(click.Group):
    """`quiz` is loaded only when used, so grading does not pay for the quiz bank's imports."""

    def _quiz(self) -> click.Command:
        from grader.quiz.cli import quiz

        return quiz

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), "quiz"]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._quiz() if name == "quiz" else super().get_command(ctx, name)


@click.group(cls=LazyQuiz, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="neurograde")
def main() -> None:
    """neurograde: auto-graded exercises and quizzes on how neural networks work.

    Start with `neurograde init my-work`, edit the files in my-work/, then
    `neurograde grade activations --workspace my-work`.
    """


@main.command("list")
@click.option(
    "--workspace",
    type=click.Path(path_type=Path),
    help="Your workspace (default: ./exercises or .).",
)
def list_command(workspace: Path | None) -> None:
    """Every exercise and quiz, with your status and best score so far."""
    ws = Workspace(workspace or default_workspace())
    progress = ws.progress()
    rows = []
    for name in catalog.available():
        entry = progress.get(name)
        present = ws.exercise_file(name).exists()
        if entry and "best_score" in entry:
            best = entry["best_score"]
            status = "done" if best >= entry["max_score"] else "in progress"
            score = f"{best:g} / {entry['max_score']:g}"
        else:
            status, score = ("not graded yet" if present else "no file"), "-"
        rows.append((name, "exercise", status, score))
    from grader.quiz.bank import load_bank

    for topic in load_bank().topics.values():
        entry = progress.get(f"quiz:{topic.id}", {})
        if "best_score" in entry:
            best = entry["best_score"]
            status = "done" if best >= entry["max_score"] else "in progress"
            rows.append((f"quiz:{topic.id}", "quiz", status, f"{best:g} / {entry['max_score']:g}"))
        else:
            rows.append((f"quiz:{topic.id}", "quiz", "not taken yet", "-"))
    width = max(len(r[0]) for r in rows)
    click.echo(f"{'name':<{width}}  {'kind':<8}  {'status':<15}  best")
    for name, kind, status, score in rows:
        click.echo(f"{name:<{width}}  {kind:<8}  {status:<15}  {score}")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
def init(directory: Path) -> None:
    """Copy the exercise stubs into a new workspace DIRECTORY."""
    stubs = sorted(EXERCISES.glob("*.py"))
    if not stubs:
        raise click.UsageError(f"no exercise stubs found in {EXERCISES}")
    clashes = [s.name for s in stubs if (directory / s.name).exists()]
    if clashes:
        raise click.UsageError(
            f"{directory} already has {', '.join(clashes)}; refusing to overwrite"
        )
    directory.mkdir(parents=True, exist_ok=True)
    for stub in stubs:
        shutil.copyfile(stub, directory / stub.name)
    click.echo(
        f"Created {len(stubs)} exercises in {directory}. Next: neurograde grade neuron --workspace {directory}"
    )


@main.command()
@click.argument("exercises", nargs=-1)
@click.option("--all", "grade_all", is_flag=True, help="Grade every exercise.")
@click.option(
    "--workspace",
    type=click.Path(path_type=Path),
    help="Folder with your files (default: ./exercises or .).",
)
@click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "junit", "gradescope", "markdown", "html"]),
    default="text",
    show_default=True,
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report here instead of stdout.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    help="Time limit in seconds for each call of your code.",
)
def grade(
    exercises: tuple[str, ...],
    grade_all: bool,
    workspace: Path | None,
    device: str,
    fmt: str,
    output: Path | None,
    timeout: float | None,
) -> None:
    """Grade EXERCISE... (your WORKSPACE/EXERCISE.py files), or --all of them."""
    from grader.session import GradeRequest, run_grades

    known = catalog.available()
    if grade_all == bool(exercises):
        raise click.UsageError("name the exercises to grade, or pass --all")
    names = known if grade_all else list(dict.fromkeys(exercises))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise click.UsageError(f"unknown exercise {unknown[0]!r}; choose from: {', '.join(known)}")
    ws = workspace or default_workspace()
    if not ws.is_dir():
        raise click.UsageError(
            f"workspace {ws} does not exist (create one with: neurograde init {ws})"
        )
    if not grade_all:
        missing = [n for n in names if not Workspace(ws).exercise_file(n).is_file()]
        if missing:
            raise click.UsageError(f"no file {Workspace(ws).exercise_file(missing[0])}")
    if device == "cuda" and not _cuda_available(names):
        raise click.UsageError("--device cuda: no CUDA device is available here")
    request = GradeRequest(
        names=names, workspace=ws, device=device, fmt=fmt, output=output, timeout_s=timeout
    )
    sys.exit(run_grades(request, color=output is None and use_color(sys.stdout)))


@main.command()
@click.argument("exercise")
@click.option(
    "--workspace",
    type=click.Path(path_type=Path),
    help="Your workspace (default: ./exercises or .).",
)
def hint(exercise: str, workspace: Path | None) -> None:
    """Show the next hint for EXERCISE (one more each time you ask)."""
    try:
        hints = catalog.load(exercise).hints
    except KeyError:
        raise click.UsageError(
            f"unknown exercise {exercise!r}; choose from: {', '.join(catalog.available())}"
        ) from None
    ws = Workspace(workspace or default_workspace())
    shown = ws.hints_shown(exercise)
    if shown >= len(hints):
        click.echo(f"No more hints for {exercise}: you have seen all {len(hints)}.")
        for number, text in enumerate(hints, start=1):
            click.echo(f"\nHint {number}/{len(hints)}: {text}")
        return
    click.echo(f"Hint {shown + 1}/{len(hints)} for {exercise}: {hints[shown]}")
    ws.set_hints_shown(exercise, shown + 1)


@main.group()
def assign() -> None:
    """Instructor tools: stubs, validation, the learners' release, the autograder bundle."""


@assign.command("stubs")
@click.option("--check", is_flag=True, help="Only report stubs that are out of date (exit 1).")
def assign_stubs(check: bool) -> None:
    """Generate exercises/ from the solution markers of solutions/."""
    from grader import stubgen

    sys.exit(stubgen.main(["--check"] if check else []))


@assign.command("validate")
@click.argument("exercises", nargs=-1)
def assign_validate(exercises: tuple[str, ...]) -> None:
    """Check that solutions score full marks, stubs zero, and every mutant is caught and named."""
    from grader.validate import validate

    known = catalog.available()
    unknown = [n for n in exercises if n not in known]
    if unknown:
        raise click.UsageError(f"unknown exercise {unknown[0]!r}; choose from: {', '.join(known)}")
    bad = 0
    for finding in validate(list(exercises) or known):
        bad += not finding.ok
        mark = (
            click.style("ok  ", fg="green")
            if finding.ok
            else click.style("FAIL", fg="red", bold=True)
        )
        click.echo(
            f"{mark} {finding.exercise}: {finding.subject} ({finding.detail})",
            color=use_color(sys.stdout),
        )
    sys.exit(1 if bad else 0)


@assign.command("release")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def assign_release(directory: Path) -> None:
    """Write what learners get (the stubs and a README) into DIRECTORY."""
    from grader.assign import release

    click.echo(f"Wrote {len(release(directory))} files to {directory}")


@assign.command("bundle")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--torch",
    default="torch",
    show_default=True,
    help="The pip requirement for PyTorch in the image.",
)
def assign_bundle(target: Path, torch: str) -> None:
    """Write a Gradescope autograder zip to TARGET (solutions are not included)."""
    from grader.assign import bundle

    click.echo(f"Wrote {bundle(target, torch)}: upload it as the assignment's autograder")


register(main, assign)


def _cuda_available(names: list[str]) -> bool:
    if not any(n in catalog.TORCH_EXERCISES for n in names):
        return True
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def run() -> None:
    """The console script: usage errors exit 2, grader bugs exit 3, never a raw traceback."""
    from grader.worker.confine import hide_this_process

    hide_this_process()
    try:
        main.main(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(USAGE_ERROR if isinstance(error, click.UsageError) else error.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BaseException:
        click.echo("neurograde: internal error (please report it):", err=True)
        click.echo(traceback.format_exc(limit=-5), err=True)
        sys.exit(INTERNAL_ERROR)
