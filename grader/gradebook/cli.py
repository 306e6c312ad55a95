"""The instructor's commands for a whole course: `autograde`, `report`, `assign ci`.

Registered on the `neurograde` group by `grader.cli`; heavy imports wait until
a command runs.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from grader import catalog
from grader.gradebook import ci, export

REPORT_FORMATS = ("html", "markdown", "json")

FORMAT_BY_SUFFIX = {".csv": "csv", ".json": "json"}


def _format(fmt: str | None, output: Path | None) -> str:
    if fmt is not None:
        return fmt
    return FORMAT_BY_SUFFIX.get(output.suffix.lower(), "csv") if output is not None else "csv"


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def _default_store(shard: str) -> Path:
    label = shard.replace("/", "of")
    return Path("gradebook.sqlite" if label == "1of1" else f"gradebook-shard{label}.sqlite")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--exercise", "exercises", multiple=True, help="Grade only these exercises (default: all)."
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Exercises graded at once (one warm grader process each).",
)
@click.option(
    "--shard",
    default="1/1",
    show_default=True,
    help="Grade only shard I of N (2/4), or `auto` / `auto/N` from a job array's variables.",
)
@click.option(
    "--store",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The result store (SQLite). Default: gradebook.sqlite, or gradebook-shardIofN.sqlite.",
)
@click.option("--merge", is_flag=True, help="PATHS are stores or JSON gradebooks to join.")
@click.option("--regrade", is_flag=True, help="Grade everything again; report whose score changed.")
@click.option(
    "--changes",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --regrade: write each learner's score before and after here (CSV; default regrade.csv).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(export.FORMATS),
    help="Gradebook format (default: from --output's suffix, else csv).",
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the gradebook here."
)
@click.option("--timeout", type=click.FloatRange(min=0.1), help="Per-call time limit in seconds.")
@click.option(
    "--limit",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    help="Seconds one exercise of one submission may take before it counts as a grader error.",
)
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
def autograde(
    paths: tuple[Path, ...],
    exercises: tuple[str, ...],
    jobs: int,
    shard: str,
    store: Path | None,
    merge: bool,
    regrade: bool,
    changes: Path | None,
    fmt: str | None,
    output: Path | None,
    timeout: float | None,
    limit: float,
    quiet: bool,
) -> None:
    """Grade every learner folder of SUBMISSIONS_DIR into a result store and a gradebook.

    \b
      neurograde autograde SUBMISSIONS_DIR --jobs 2 --output grades.csv
      neurograde autograde SUBMISSIONS_DIR --shard auto --store shard-$SLURM_ARRAY_TASK_ID.sqlite
      neurograde autograde --merge shard-*.sqlite --output grades.csv --format canvas

    Each sub-folder of SUBMISSIONS_DIR is one learner's workspace; its name is
    the learner id. Every grade is written to the store as it completes, so a
    rerun grades only what is missing, changed (file, grader or secret) or
    failed before. NEUROGRADE_SECRET seeds the hidden checks.
    """
    fmt = _format(fmt, output)
    if merge:
        gradebook = _merged(list(paths), store)
    else:
        if len(paths) != 1 or not paths[0].is_dir():
            raise click.UsageError("give one folder of submissions (one sub-folder per learner)")
        gradebook = _graded(
            paths[0], exercises, jobs, shard, store, regrade, changes, timeout, limit, quiet
        )
    _write(export.dump(gradebook, fmt), output)


def _merged(paths: list[Path], store: Path | None) -> dict:
    from grader.gradebook import books
    from grader.gradebook.store import Store, is_store

    try:
        if all(is_store(p) for p in paths):
            with Store(store or Path(":memory:")) as target:
                return books.merge_stores(paths, target).gradebook
        if store is not None:
            raise ValueError("--store: only stores merge into a store; JSON gradebooks cannot")
        return books.merge([books.load(p).gradebook for p in paths])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise click.UsageError(f"cannot merge: {error}") from None


def _graded(
    directory: Path,
    exercises: tuple[str, ...],
    jobs: int,
    shard_text: str,
    store_path: Path | None,
    regrade: bool,
    changes: Path | None,
    timeout: float | None,
    limit: float,
    quiet: bool,
) -> dict:
    from grader.gradebook import books
    from grader.gradebook.autograde import autograde as grade_course
    from grader.gradebook.pool import Pool
    from grader.gradebook.progress import Progress
    from grader.gradebook.shards import Shard
    from grader.gradebook.store import Store

    known = catalog.available()
    unknown = [n for n in exercises if n not in known]
    if unknown:
        raise click.UsageError(f"unknown exercise {unknown[0]!r}; choose from: {', '.join(known)}")
    try:
        shard = Shard.parse(shard_text, os.environ)
        store = Store(store_path or _default_store(str(shard)))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    with store:
        pool = Pool(jobs=jobs, timeout_s=timeout, limit_s=limit)
        names = list(dict.fromkeys(exercises)) or known
        outcome = grade_course(directory, names, shard, store, pool, Progress(quiet=quiet), regrade)
        if regrade:
            _report_changes(store.history(outcome.run), changes or Path("regrade.csv"), quiet)
        return books.from_store(store).gradebook


def _report_changes(history: list, target: Path, quiet: bool) -> None:
    """Write every regraded score before and after; say whose changed."""
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["submission", "exercise", "before", "after", "change"])
        for c in history:
            writer.writerow(
                [c.submission, c.exercise, c.before, c.after, round(c.after - c.before, 6)]
            )
    if quiet:
        return
    changed = [c for c in history if c.before != c.after]
    click.echo(
        f"regraded {len(history)} grades: {len(changed)} changed (all in {target})", err=True
    )
    for c in changed:
        click.echo(f"  {c.submission} {c.exercise}: {c.before:g} -> {c.after:g}", err=True)


@click.command()
@click.argument("gradebook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(REPORT_FORMATS),
    default="markdown",
    show_default=True,
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here."
)
@click.option(
    "--similarity",
    type=click.FloatRange(0, 1),
    help="Flag pairs at least this similar (default 0.8).",
)
def report(gradebook: Path, fmt: str, output: Path | None, similarity: float | None) -> None:
    """What the class got wrong, from GRADEBOOK (a store, or a JSON gradebook).

    Per exercise the score distribution and who has not submitted; each named
    mistake with how many learners made it and where; the checks failed most;
    near copies (from a store only). Flags never change a score.
    """
    from grader.gradebook import books
    from grader.gradebook import report as reporting

    try:
        loaded = books.load(gradebook)
    except (OSError, ValueError, KeyError) as error:
        raise click.UsageError(f"cannot read {gradebook}: {error}") from None
    _write(reporting.render(reporting.build(loaded, similarity), fmt), output)


@click.command("ci")
@click.option("--engine", type=click.Choice(ci.ENGINES), required=True)
@click.option("--shards", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Per shard.")
@click.option(
    "--submissions",
    default="submissions",
    show_default=True,
    help="The folder of learner folders (relative to the job's folder, or k8s's --data).",
)
@click.option("--exercise", "exercises", multiple=True, help="Grade only these exercises.")
@click.option(
    "--install",
    help="The shell command that installs neurograde in the job (default: pip, CPU PyTorch).",
)
@click.option("--image", default="python:3.12-slim", show_default=True, help="k8s: the image.")
@click.option(
    "--data", default="/data", show_default=True, help="k8s: where the shared volume is mounted."
)
@click.option(
    "--output",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Write the files under this folder.",
)
def assign_ci(
    engine: str,
    shards: int,
    jobs: int,
    submissions: str,
    exercises: tuple[str, ...],
    install: str | None,
    image: str,
    data: str,
    target: Path,
) -> None:
    """Write the files that grade a whole class on ENGINE: a job array of shards, then a merge.

    \b
      github: .github/workflows/neurograde-autograde.yml (a matrix job, then a merge job)
      slurm:  neurograde-grade.slurm (an array), neurograde-merge.slurm, submit.sh
      k8s:    neurograde-autograde.yaml (an Indexed Job, then a merge Job)
    """
    known = catalog.available()
    unknown = [n for n in exercises if n not in known]
    if unknown:
        raise click.UsageError(f"unknown exercise {unknown[0]!r}; choose from: {', '.join(known)}")
    plan = ci.Plan(shards, jobs, submissions, exercises, install or ci.DEFAULT_INSTALL, image, data)
    for path in ci.write(engine, plan, target):
        click.echo(f"Wrote {path}")


def register(
    main: click.Group, assign: click.Group, course_option: Callable[[click.Command], Any]
) -> None:
    """Put the course commands on the `neurograde` group and `neurograde assign`;
    each takes `--course` (`course_option`) like every other command."""
    for command in (autograde, report, assign_ci):
        course_option(command)
    main.add_command(autograde)
    main.add_command(report)
    assign.add_command(assign_ci)
