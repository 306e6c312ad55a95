"""`neurograde quiz`: knowledge-check quizzes, in a terminal or from an answers file.

- `neurograde quiz` lists the topics, their question counts and your best scores;
- `neurograde quiz TOPIC` asks a topic's questions (see `take` for the options);
- `neurograde quiz export --format gift|markdown|json` writes the bank out.

`TOPIC` and `export` share the first position, so `quiz` is a click group whose
`resolve_command` treats any name that is not a subcommand as a topic.
Exit status: 0 every answer right, 1 some wrong (or the quiz was abandoned),
2 usage error (unknown topic, bad answers file, no terminal), 3 broken bank.
"""

from __future__ import annotations

import functools
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click

from grader import names
from grader.cli import course_option
from grader.quiz.bank import Bank, BankError, Topic, load_bank
from grader.quiz.export import FORMATS, export_bank
from grader.quiz.render import render, use_color
from grader.quiz.session import (
    AnswersFileError,
    Instance,
    InvalidAnswer,
    Outcome,
    Response,
    answer,
    build_result,
    format_number,
    instantiate_topic,
    read_answers_file,
)
from grader.result import ExerciseResult
from grader.workspace import Workspace, default_workspace

__all__ = ["default_workspace", "quiz"]

BROKEN_BANK_EXIT = 3
_WORKSPACE_HELP = (
    "Where your progress is kept (default: as every neurograde command finds it: "
    "$NEUROGRADE_WORKSPACE, ./exercises, the nearest folder made by `neurograde init`, else .)."
)


@functools.lru_cache(maxsize=1)
def _bank() -> Bank:
    from grader import catalog

    try:
        return catalog.bank() if catalog.course() else load_bank()
    except BankError as exc:
        click.echo(f"Error: the quiz bank is broken: {exc}", err=True)
        sys.exit(BROKEN_BANK_EXIT)


class QuizGroup(click.Group):
    """A group whose first argument is a subcommand (`export`) or else a topic."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands:
            return names.topic(args[0], _bank().topics), take, args[1:]
        return super().resolve_command(ctx, args)


@click.group(
    "quiz",
    cls=QuizGroup,
    invoke_without_command=True,
    subcommand_metavar="[TOPIC | export] [OPTIONS]",
)
@click.option(
    "--workspace",
    type=click.Path(path_type=Path),
    help=_WORKSPACE_HELP,
)
@course_option
@click.pass_context
def quiz(ctx: click.Context, workspace: Path | None) -> None:
    """Knowledge-check quizzes: why mini-batches, what an epoch is, when classical
    ML beats a network...

    With no TOPIC, list the topics with their question counts and your best
    scores. `neurograde quiz TOPIC --help` explains the options of a quiz,
    among them `--answers FILE` to answer from a file (for CI).

    \b
    Examples:
      neurograde quiz
      neurograde quiz activations
      neurograde quiz activations --seed 7 --review
      neurograde quiz activations --answers answers.toml --format json
      neurograde quiz export --format gift --output neurograde.gift
    """
    if ctx.invoked_subcommand is not None:
        return
    bank = _bank()
    progress = Workspace.find(workspace).progress()
    best = {}
    for topic_id in bank.topics:
        entry = progress.get(f"quiz:{topic_id}")
        if isinstance(entry, dict) and "best_score" in entry and "max_score" in entry:
            best[topic_id] = (
                f"{format_number(entry['best_score'])}/{format_number(entry['max_score'])}"
            )
    listing = render(
        "topics.j2",
        color=use_color(sys.stdout),
        topics=list(bank.topics.values()),
        total=len(bank.questions),
        best=best,
    )
    click.echo(listing, nl=False)


@click.command(
    epilog="""\b
Answers file: TOML (JSON if its name ends in .json) mapping question ids to
answers, plus an optional seed, the one its letters and numbers were written for:
  seed = 7
  "activations/sigmoid-range" = "b"
  "activations/sigmoid-at-zero" = 0.5
  "activations/fixes-dying-relu" = ["a", "c"]
  "activations/relu-grad-at-zero" = true

Letters and numbers refer to the choices as `--seed 7` shows them; `neurograde
quiz export --format markdown --topic activations --seed 7` prints that quiz.
Exit status: 0 every answer right, 1 some wrong, 2 usage error.""",
)
@click.option(
    "--seed",
    type=int,
    help="Seed of the choice order and of the numbers in parameterised questions "
    "(question Q draws from random.Random(f'{seed}:{Q}')). Default: a fresh one, shown; "
    "with --answers, the file's seed, else 0.",
)
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Answer from FILE instead of asking (for CI and tests); see below.",
)
@click.option(
    "--review", is_flag=True, help="End with the missed questions, the right answers and why."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Result format, as `neurograde grade` writes it.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the result to FILE instead of stdout.",
)
@click.option(
    "--workspace",
    type=click.Path(path_type=Path),
    help=_WORKSPACE_HELP,
)
@click.pass_context
def take(
    ctx: click.Context,
    seed: int | None,
    answers_file: Path | None,
    review: bool,
    fmt: str,
    output: Path | None,
    workspace: Path | None,
) -> None:
    """Take a topic's quiz: answer by letter or number, see the explanation after each
    question, and get a score saved to your progress (`neurograde list`)."""
    bank = _bank()
    chosen = bank.topics[ctx.info_name]
    workspace = workspace or (ctx.parent.params.get("workspace") if ctx.parent else None)
    ws = Workspace.find(workspace)
    started = time.perf_counter()
    if answers_file is not None:
        try:
            sheet = read_answers_file(answers_file, bank)
        except AnswersFileError as exc:
            raise click.BadParameter(str(exc), ctx, param_hint="--answers") from exc
        seed = seed if seed is not None else (sheet.seed if sheet.seed is not None else 0)
        outcomes = [
            answer(i, sheet.answers.get(i.question.id)) for i in instantiate_topic(chosen, seed)
        ]
    else:
        if not sys.stdin.isatty():
            click.echo(
                "Error: a quiz asks its questions on a terminal and stdin is not one; "
                "to answer from a file (CI), pass --answers FILE.",
                err=True,
            )
            ctx.exit(2)
        seed = seed if seed is not None else random.SystemRandom().randrange(10_000)
        # A machine-readable result on stdout keeps the dialogue out of its way, on stderr.
        outcomes = _ask(
            chosen, instantiate_topic(chosen, seed), seed, err=fmt != "text" and not output
        )
    result = build_result(chosen, outcomes, time.perf_counter() - started)
    ws.record(result.exercise, "quiz", result.score, result.max_score)
    color = output is None and use_color(sys.stdout)
    report = _report(
        fmt, result, outcomes, seed, review=review, interactive=answers_file is None, color=color
    )
    if output is not None:
        output.write_text(report, encoding="utf-8")
    else:
        click.echo(report, nl=False)
    ctx.exit(0 if result.passed else 1)


def _report(
    fmt: str,
    result: ExerciseResult,
    outcomes: list[Outcome],
    seed: int,
    *,
    review: bool,
    interactive: bool,
    color: bool,
) -> str:
    if fmt == "json":
        return json.dumps(result.to_json(), indent=2) + "\n"
    return render(
        "report.j2",
        color=color,
        result=result,
        outcomes=outcomes,
        seed=seed,
        review=review,
        interactive=interactive,
    )


def _ask(topic: Topic, instances: list[Instance], seed: int, *, err: bool) -> list[Outcome]:
    """Ask every question on the terminal, with feedback after each."""
    color = use_color(sys.stderr if err else sys.stdout)
    click.echo(
        render("intro.j2", color=color, topic=topic, total=len(instances), seed=seed),
        nl=False,
        err=err,
    )
    outcomes = []
    for number, instance in enumerate(instances, start=1):
        page = render(
            "question.j2", color=color, instance=instance, number=number, total=len(instances)
        )
        click.echo("\n" + page, nl=False, err=err)
        given, response = click.prompt("Your answer", value_proc=_reader(instance), err=err)
        outcome = Outcome(instance, given, response)
        outcomes.append(outcome)
        click.echo(render("feedback.j2", color=color, outcome=outcome), nl=False, err=err)
    click.echo(err=err)
    return outcomes


def _reader(instance: Instance) -> Callable[[str], tuple[str, Response]]:
    """A `click.prompt` value_proc: a typo raises `UsageError`, so click says why and asks again."""

    def read(text: str) -> tuple[str, Response]:
        try:
            return text, instance.parse(text)
        except InvalidAnswer as exc:
            raise click.UsageError(str(exc)) from None

    return read


@quiz.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="gift",
    show_default=True,
    help="gift: Moodle's GIFT import format; markdown: for print, with an answer key; "
    "json: for other tools.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to FILE instead of stdout.",
)
@click.option(
    "--topic",
    "topics",
    multiple=True,
    metavar="TOPIC",
    help="Export only this topic (repeatable; default: all).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Export the quiz as `neurograde quiz TOPIC --seed SEED` asks it: its choice order, "
    "and one instance of each parameterised question with the numbers it draws.",
)
def export(fmt: str, output: Path | None, topics: tuple[str, ...], seed: int) -> None:
    """Write the question bank for a learning-management system (GIFT for Moodle) or for print."""
    bank = _bank()
    topics = tuple(names.topic(t, bank.topics) for t in topics)
    text = export_bank(bank, fmt, seed=seed, topics=topics)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
