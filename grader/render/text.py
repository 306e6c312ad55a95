"""The learner-sized text report: the score and what failed first, passes in one line.

A grade is regrouped per function of the exercise (a check belongs to the
function it is named after): functions that pass are summarised in one line,
functions not written yet in another, and each failing function gets one
block with its first failure in full (input, expected, received, likely
cause) and how many more of its checks failed. A file that cannot be run at
all (it does not parse, it cannot be imported, it is missing) is shown once.
The report ends with the next step. `verbose` lists every check instead.

Everything here is plain text for a terminal: anything that came from the
learner's code has its control characters escaped, and long values are cut to
the terminal's width rather than wrapped.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from grader.names import owner
from grader.result import AT_SUBMISSION, CheckResult, ExerciseResult, RunResult

NOT_WRITTEN = "is not written yet"
NOT_RUN = "not run:"
CAUSE = "\nLikely cause: "
FILE_CHECKS = ("syntax", "imports-cleanly")
MAX_VALUE_LINES = 4
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_EXPECTED = re.compile(
    r"^(?P<what>.*?)\.? Expected (?P<expected>.+), received (?P<received>.+)$", re.S
)
_VALUE = re.compile(r"^(?:(?P<what>[^:\n]+): )?expected (?P<expected>[^\n]+), received (?P<received>[^\n]+)$")


def clean(text: str) -> str:
    """`text` with control characters (ANSI escapes, carriage returns...) made visible."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def terminal_width() -> int:
    """The terminal's width (COLUMNS wins), kept between 40 and 200 columns."""
    return max(40, min(200, shutil.get_terminal_size((100, 24)).columns))


def not_run(check: CheckResult) -> bool:
    """A check that did not run (its function is missing, the file does not load...)."""
    return bool(getattr(check, "skipped", False)) or check.message.startswith(NOT_RUN)


@dataclass
class Value:
    label: str
    text: str


@dataclass
class FunctionReport:
    """One failing function: its first failure in full, and how many more failed."""

    name: str
    failed: list[CheckResult]
    total: int
    first: CheckResult
    summary: str = ""
    values: list[Value] = field(default_factory=list)
    cause: str = ""

    @property
    def others(self) -> list[CheckResult]:
        return [c for c in self.failed if c is not self.first]


@dataclass
class ExerciseReport:
    """An exercise's result regrouped for a learner's screen."""

    result: ExerciseResult
    problem: str = ""
    failing: list[FunctionReport] = field(default_factory=list)
    unwritten: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # failing or unwritten, in order
    passed_functions: list[str] = field(default_factory=list)
    passed_checks: int = 0
    scored_checks: int = 0
    partial: bool = False  # graded with --only: some functions were not graded
    at_submission: list[str] = field(default_factory=list)  # checks a release cannot run


def declared(exercise: str) -> tuple[list[str], dict[str, str]]:
    """The exercise's functions in order, and the function each of its checks is about."""
    from grader import catalog

    try:
        declaration = catalog.load(exercise)
    except (KeyError, ImportError):
        return [], {}
    return list(declaration.functions), {c.id: owner(c.id, c.uses) for c in declaration.checks}


def regroup(result: ExerciseResult) -> ExerciseReport:
    """The view of one exercise's result that the compact report shows."""
    report = ExerciseReport(result)
    functions, owners = declared(result.exercise)
    broken = [c for c in result.checks if c.id in FILE_CHECKS and not c.passed]
    report.at_submission = [c.id for c in result.checks if c.skipped == AT_SUBMISSION]
    scored = [
        c
        for c in result.checks
        if (c.max_points > 0 or c.id in owners) and c.skipped != AT_SUBMISSION
    ]
    report.scored_checks = len(scored)
    if broken:
        report.problem = broken[0].message
    elif result.errors and all(not_run(c) for c in scored):
        report.problem = "; ".join(result.errors)
    if report.problem:
        return report
    by_function: dict[str, list[CheckResult]] = {name: [] for name in functions}
    for check in scored:
        by_function.setdefault(owners.get(check.id, check.id), []).append(check)
    for name, checks in by_function.items():
        if not checks:
            report.partial = True
            continue
        failed = [c for c in checks if not c.passed]
        report.passed_checks += len(checks) - len(failed)
        if not failed:
            report.passed_functions.append(name)
        elif len(failed) == len(checks) and all(NOT_WRITTEN in c.message for c in failed):
            report.unwritten.append(name)
            report.pending.append(name)
        else:
            report.failing.append(_function_report(name, failed, len(checks)))
            report.pending.append(name)
    return report


def _function_report(name: str, failed: list[CheckResult], total: int) -> FunctionReport:
    shown = [c for c in failed if not not_run(c) and c.visibility == "visible"]
    first = (shown or failed)[0]
    message = clean(first.message)
    what, _, cause = message.partition(CAUSE)
    values = []
    if first.counterexample:
        values.append(Value("input", clean(first.counterexample)))
    match = _EXPECTED.match(what) or _VALUE.match(what.strip())
    if match and "\n" not in (match["what"] or ""):
        what = match["what"] or "wrong value"
        values += [Value("expected", match["expected"]), Value("received", match["received"])]
    if not_run(first):
        what = what[len(NOT_RUN) :].strip()
    return FunctionReport(name, failed, total, first, what.strip(), values, cause.strip())


def next_step(report: ExerciseReport, following: str | None) -> str:
    """The one thing to do next, as a short sentence with the command to run."""
    name = report.result.exercise
    if report.result.zeroed_by:
        return f"next: remove what zeroed the score from {name}.py, then grade it again"
    if report.problem:
        return f"next: fix {name}.py so that it runs, then grade it again"
    if report.failing:
        return f"next: fix {report.failing[0].name} first (stuck? neurograde hint {name})"
    if report.unwritten:
        return f"next: write {report.unwritten[0]} — neurograde docs {name}"
    if report.partial:
        return f"next: grade all of it — neurograde grade {name}"
    if following:
        return f"next: {following} — neurograde grade {following}"
    return "next: every exercise is done — try the quizzes: neurograde quiz"


def following_exercise(name: str) -> str | None:
    """The exercise after `name` in the curriculum, if any."""
    from grader import catalog

    order = catalog.available()
    if name not in order:
        return None
    position = order.index(name) + 1
    return order[position] if position < len(order) else None


# -- layout helpers used by the template ---------------------------------------------


def cut(line: str, width: int) -> str:
    """One line, cut to `width` columns with an ellipsis."""
    return line if len(line) <= width else line[: max(width - 1, 1)] + "…"


def labelled(value: Value, indent: int, width: int) -> list[str]:
    """`label: text` with the value's own lines aligned under its first, each cut to width."""
    head = " " * indent + f"{value.label}: ".ljust(10)
    lines = value.text.splitlines() or [""]
    out = [cut(head + lines[0], width)]
    for line in lines[1:MAX_VALUE_LINES]:
        out.append(cut(" " * len(head) + line.strip("\n"), width))
    if len(lines) > MAX_VALUE_LINES:
        out.append(" " * len(head) + f"… ({len(lines) - MAX_VALUE_LINES} more lines)")
    return out


def wrapped(text: str, indent: int, width: int, first: str = "") -> list[str]:
    """Prose wrapped to the terminal, `first` leading its first line."""
    lines: list[str] = []
    lead = " " * indent + first
    rest = " " * (indent + len(first))
    for number, paragraph in enumerate(text.splitlines() or [""]):
        lines += textwrap.wrap(
            paragraph,
            width=max(width - 1, 20),
            initial_indent=lead if number == 0 else rest,
            subsequent_indent=rest,
            break_on_hyphens=False,
        ) or [lead.rstrip()]
    return lines


def listing(names: Sequence[str], indent: int, width: int, first: str) -> list[str]:
    return wrapped(", ".join(names), indent, width, first)


def render_text(run: RunResult, style: Any, verbose: bool = False, width: int | None = None) -> str:
    """The text report of a run (compact unless `verbose`)."""
    from grader.render import environment

    env = environment()
    if verbose:
        return env.get_template("result.verbose.txt.j2").render(run=run, style=style, clean=clean)
    width = width or terminal_width()
    reports = [regroup(result) for result in run.exercises]
    pending = next((r for r in reports if not _complete(r)), None)
    if pending is not None:
        closing = next_step(pending, None)
    else:
        closing = next_step(reports[-1], following_exercise(reports[-1].result.exercise))
    return env.get_template("result.txt.j2").render(
        run=run,
        reports=reports,
        closing=closing,
        width=width,
        style=style,
        labelled=labelled,
        wrapped=wrapped,
        listing=listing,
        cut=cut,
        clean=clean,
    )


def _complete(report: ExerciseReport) -> bool:
    return report.result.passed and not report.problem and not report.partial
