"""`neurograde`: the command line (see `shared/spec/cli.md`).

A grade flows `cli -> catalog -> runner (worker + checks) -> result -> render`.
Exit status of `grade`: 0 every check passed, 1 some check failed, 2 usage
error, 3 the grader itself failed; every command exits 130 on Ctrl-C.
Names go through `grader.names`, the workspace through `Workspace.find`, so
every command reads them the same way.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from grader import catalog, names
from grader.gradebook.cli import register
from grader.paths import EXERCISES
from grader.workspace import HYPOTHESIS_HOME, Workspace

USAGE_ERROR = 2
INTERNAL_ERROR = 3
NOT_DONE = 1
INTERRUPTED = 130

WORKSPACE_HELP = (
    "Your workspace (default: $NEUROGRADE_WORKSPACE, ./exercises, the nearest folder "
    "made by `neurograde init`, else .)."
)


def _choose_course(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    """Serve the course in `value` (from --course or $NEUROGRADE_COURSE) to the command."""
    if value is None:
        return
    from grader.course import CourseError

    try:
        catalog.use(value)
    except CourseError as error:
        raise click.BadParameter(str(error), ctx, param) from None


def course_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--course DIR` (else $NEUROGRADE_COURSE): grade a course's exercises, not the built-in ones."""
    return click.option(
        "--course",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="NEUROGRADE_COURSE",
        callback=_choose_course,
        expose_value=False,
        is_eager=True,
        help="A course folder (course.toml); default: $NEUROGRADE_COURSE, else the built-in "
        "exercises.",
    )(command)


def declarations(chosen: list[str]) -> list[str]:
    """`chosen`, with each exercise's declaration loaded: a broken course exercise is a usage error."""
    from grader.course import CourseError

    for name in chosen:
        try:
            catalog.load(name)
        except CourseError as error:
            raise click.UsageError(str(error)) from None
    return chosen


def workspace_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--workspace", type=click.Path(path_type=Path), help=WORKSPACE_HELP)(
        command
    )


def use_color(stream: object) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return "NO_COLOR" not in os.environ and bool(getattr(stream, "isatty", lambda: False)())


def exercise_names(given: Iterable[str]) -> list[str]:
    """Exercise names as typed (`gradient-descent`, `neuron.py`), resolved."""
    return names.exercises(given, catalog.available())


class LazyQuiz(click.Group):
    """`quiz` is loaded only when used, so grading does not pay for the quiz bank's imports."""

    def _quiz(self) -> click.Command:
        from grader.quiz.cli import quiz

        return quiz

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), "quiz", "playground"]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "playground":  # loaded only when used, like `quiz`
            from grader.playground.cli import playground

            return playground
        return self._quiz() if name == "quiz" else super().get_command(ctx, name)


@click.group(cls=LazyQuiz, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="neurograde")
@course_option
def main() -> None:
    """neurograde: auto-graded exercises and quizzes on how neural networks work.

    Start with `neurograde init my-work && cd my-work`, then `neurograde watch`:
    it grades the exercise you are on every time you save it.
    """


@main.command("list")
@workspace_option
@course_option
def list_command(workspace: Path | None) -> None:
    """Every exercise and quiz, with your status and best score so far."""
    ws = Workspace.find(workspace)
    progress = ws.progress()
    rows = []
    for name in catalog.available():
        entry = progress.get(name)
        present = ws.exercise_file(name).exists()
        if entry and "best_score" in entry:
            best = entry["best_score"]
            status = "done" if ws.full_marks(name) else "in progress"
            score = f"{best:g} / {entry['max_score']:g}"
        else:
            status, score = ("not graded yet" if present else "no file"), "-"
        rows.append((name, "exercise", status, score))
    for topic in catalog.bank().topics.values():
        entry = progress.get(f"quiz:{topic.id}", {})
        if "best_score" in entry:
            status = "all right" if ws.full_marks(f"quiz:{topic.id}") else "taken"
            score = f"{entry['best_score']:g} / {entry['max_score']:g}"
            rows.append((f"quiz:{topic.id}", "quiz", status, score))
        else:
            rows.append((f"quiz:{topic.id}", "quiz", "not taken yet", "-"))
    width = max(len(r[0]) for r in rows)
    click.echo(f"workspace: {ws.root}")
    click.echo(f"{'name':<{width}}  {'kind':<8}  {'status':<15}  best")
    for name, kind, status, score in rows:
        click.echo(f"{name:<{width}}  {kind:<8}  {status:<15}  {score}")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@course_option
def init(directory: Path) -> None:
    """Copy the exercise stubs into a new workspace DIRECTORY."""
    served = catalog.available()
    if catalog.course() is None:
        served = [name for name in served if (EXERCISES / f"{name}.py").is_file()]
        if not served:
            raise click.UsageError(f"no exercise stubs found in {EXERCISES}")
    clashes = [f"{n}.py" for n in served if (directory / f"{n}.py").exists()]
    if clashes:
        raise click.UsageError(
            f"{directory} already has {', '.join(clashes)}; refusing to overwrite"
        )
    directory.mkdir(parents=True, exist_ok=True)
    for name in served:
        (directory / f"{name}.py").write_text(catalog.stub_text(name), "utf-8")
    Workspace(directory).state_dir.mkdir(exist_ok=True)
    first = served[0]
    click.echo(
        f"Created {len(served)} exercises in {directory}.\n"
        f"Next: cd {directory} && neurograde watch {first}   (or: neurograde grade {first})"
    )


def grading_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options `grade` and `watch` share."""
    for option in reversed(
        [
            click.option(
                "--only",
                metavar="FUNCTION",
                help="Grade just the checks about this function.",
            ),
            workspace_option,
            click.option(
                "--device",
                type=click.Choice(["auto", "cpu", "cuda"]),
                default="auto",
                show_default=True,
            ),
            click.option(
                "--timeout",
                type=click.FloatRange(min=0.1),
                help="Time limit in seconds for each call of your code.",
            ),
            click.option("--verbose", "-v", is_flag=True, help="List every check (text format)."),
            course_option,
        ]
    ):
        command = option(command)
    return command


def only_function(only: str | None, exercises: list[str]) -> str | None:
    if only is None:
        return None
    if len(exercises) != 1:
        raise click.UsageError("--only FUNCTION needs exactly one exercise")
    return names.function(only, catalog.load(exercises[0]).functions)


@main.command()
@click.argument("exercises", nargs=-1)
@click.option("--all", "grade_all", is_flag=True, help="Grade every exercise.")
@grading_options
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
    "--budget",
    type=click.FloatRange(min=0.1),
    help="Time budget in seconds for each exercise (default 30, 120 with torch); "
    "checks left when it is spent are reported as not run.",
)
def grade(
    exercises: tuple[str, ...],
    grade_all: bool,
    only: str | None,
    workspace: Path | None,
    device: str,
    timeout: float | None,
    verbose: bool,
    fmt: str,
    output: Path | None,
    budget: float | None,
) -> None:
    """Grade EXERCISE... (your WORKSPACE/EXERCISE.py files), or --all of them."""
    from grader.session import GradeRequest, run_grades

    if grade_all == bool(exercises):
        raise click.UsageError("name the exercises to grade, or pass --all")
    chosen = declarations(catalog.available() if grade_all else exercise_names(exercises))
    function = only_function(only, chosen)
    ws = Workspace.find(workspace)
    if not grade_all:
        missing = [n for n in chosen if not ws.exercise_file(n).is_file()]
        if missing:
            raise click.UsageError(f"no file {ws.exercise_file(missing[0])}")
    if device == "cuda" and not _cuda_available(chosen):
        raise click.UsageError("--device cuda: no CUDA device is available here")
    ws.keep_hypothesis_here()
    request = GradeRequest(
        names=chosen,
        workspace=ws.root,
        device=device,
        fmt=fmt,
        output=output,
        timeout_s=timeout,
        budget_s=budget,
        only=function,
        verbose=verbose,
    )
    sys.exit(run_grades(request, color=output is None and use_color(sys.stdout)))


@main.command()
@click.argument("exercise", required=False)
@grading_options
def watch(
    exercise: str | None,
    only: str | None,
    workspace: Path | None,
    device: str,
    timeout: float | None,
    verbose: bool,
) -> None:
    """Grade EXERCISE every time you save it; after full marks, move on to the next.

    Without EXERCISE, start at the first exercise without full marks.
    Ctrl-C stops.
    """
    from grader.session import GradeRequest
    from grader.watch import watch as watch_loop

    ws = Workspace.find(workspace)
    if exercise is None:
        pending = [n for n in catalog.available() if not ws.full_marks(n)]
        exercise = (pending or catalog.available())[0]
    name = declarations([names.exercise(exercise, catalog.available())])[0]
    function = only_function(only, [name])
    ws.keep_hypothesis_here()
    request = GradeRequest(
        names=[name],
        workspace=ws.root,
        device=device,
        timeout_s=timeout,
        only=function,
        verbose=verbose,
    )
    watch_loop(request, color=use_color(sys.stdout))


@main.command()
@click.argument("exercise")
@workspace_option
@course_option
def hint(exercise: str, workspace: Path | None) -> None:
    """The next hint for EXERCISE: about the first function that fails, one more each time."""
    from grader.hint import next_hint

    name = names.exercise(exercise, catalog.available())
    ws = Workspace.find(workspace)
    ws.keep_hypothesis_here()
    click.echo(next_hint(name, ws), nl=False)


@main.command()
@click.argument("exercise")
@workspace_option
@course_option
def solution(exercise: str, workspace: Path | None) -> None:
    """After full marks on EXERCISE: the reference beside your own code, function by function."""
    from grader.solution import side_by_side

    name = names.exercise(exercise, catalog.available())
    ws = Workspace.find(workspace)
    served = catalog.course()
    if served is not None and not served.solutions_after_full_marks:
        raise NotYet(f"the course {served.name!r} does not show its solutions")
    if not ws.full_marks(name):
        best = ws.entry(name).get("best_score")
        so_far = (
            f" (your best so far: {best:g} / {ws.entry(name)['max_score']:g})"
            if best is not None
            else ""
        )
        raise NotYet(
            f"the reference solution of {name} is shown once you have full marks{so_far}. "
            f"Keep going: neurograde grade {name}, or neurograde hint {name}"
        )
    click.echo(side_by_side(name, ws.exercise_file(name)), nl=False)


@main.command()
@click.argument("exercise", required=False)
@course_option
def docs(exercise: str | None) -> None:
    """The contract of EXERCISE: its functions and what each must do (no EXERCISE: the conventions)."""
    from grader.docs import section

    name = names.exercise(exercise, catalog.available()) if exercise else None
    click.echo(section(name))


class NotYet(click.ClickException):
    """A request that is refused for now (exit 1): e.g. a solution before full marks."""

    exit_code = NOT_DONE


@main.group()
@course_option
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
@course_option
def assign_validate(exercises: tuple[str, ...]) -> None:
    """Check that solutions score full marks, stubs zero, every mutant is caught and named,
    and (with a course) that its quiz topics load with consistent answer keys."""
    from grader.validate import validate

    bad = 0
    chosen = exercise_names(exercises) or catalog.available()
    quizzes = catalog.course() is not None and not exercises
    for finding in validate(chosen, quizzes):
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


@assign.command("new")
@click.argument("name")
@click.option(
    "--course",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="NEUROGRADE_COURSE",
    required=True,
    help="The course folder to add the exercise to (made, with a course.toml, if missing).",
)
def assign_new(name: str, directory: Path) -> None:
    """Scaffold exercises/NAME/ in a course: a tiny working exercise that validates at once."""
    from grader.course import CourseError
    from grader.scaffold import scaffold

    try:
        written = scaffold(directory, name, catalog.builtin())
    except CourseError as error:
        raise click.UsageError(str(error)) from None
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(
        f"Next: edit {directory / 'exercises' / name}/solution.py and checks.py, then\n"
        f"      neurograde assign validate --course {directory}"
    )


@assign.command("release")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@course_option
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
    help="The pip requirement for PyTorch in the image (from PyTorch's CPU-only index).",
)
@click.option("--exercise", "exercises", multiple=True, help="Grade only these (default: all).")
@course_option
def assign_bundle(target: Path, torch: str, exercises: tuple[str, ...]) -> None:
    """Write a Gradescope autograder zip to TARGET: neurograde without its solutions, and
    with --course the course's folder, its solutions included (keep the zip private)."""
    from grader.assign import bundle

    unknown = [n for n in exercises if n not in catalog.available()]
    if unknown:
        raise click.UsageError(f"unknown exercise {unknown[0]!r}")
    click.echo(f"Wrote {bundle(target, torch, list(exercises))}: upload it as the autograder")


register(main, assign, course_option)


def _cuda_available(names: list[str]) -> bool:
    if not any(catalog.uses_torch(n) for n in names):
        return True
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def run(command: click.Command | None = None, **extra: Any) -> None:
    """The console script: usage errors exit 2, grader bugs exit 3, Ctrl-C 130, no raw traceback."""
    from grader.worker.confine import hide_this_process

    hide_this_process()
    with tempfile.TemporaryDirectory(prefix="neurograde-") as scratch:
        # Hypothesis caches into ./.hypothesis unless told: learner commands point it into
        # their workspace's .neurograde/ (Workspace.keep_hypothesis_here), others here.
        os.environ.setdefault(HYPOTHESIS_HOME, scratch)
        _run(command or main, {"prog_name": "neurograde", **extra})


def _run(command: click.Command, extra: dict[str, Any]) -> None:
    try:
        # Without standalone mode click returns ctx.exit(N)'s N instead of exiting.
        status = command.main(standalone_mode=False, **extra)
        sys.exit(status if isinstance(status, int) else 0)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(USAGE_ERROR if isinstance(error, click.UsageError) else error.exit_code)
    except click.exceptions.Abort as abort:
        interrupted = isinstance(abort.__cause__ or abort.__context__, KeyboardInterrupt)
        click.echo("Interrupted." if interrupted else "Aborted.", err=True)
        sys.exit(INTERRUPTED if interrupted else NOT_DONE)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("\nInterrupted.", err=True)
        sys.exit(INTERRUPTED)
    except BaseException:
        click.echo("neurograde: internal error (please report it):", err=True)
        click.echo(traceback.format_exc(limit=-5), err=True)
        sys.exit(INTERNAL_ERROR)
