"""What the HTML report shows of one exercise, in the order a learner needs it.

Summary first (score, failing functions, named mistakes), then the gates
(static and smoke checks: passed or not, no points), the failures with their
plots, and folded away the checks that did not run and those that passed.
Each distinct trajectory is plotted once, beside the first check (failures
first) that carries it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from markupsafe import Markup

from grader.render.plots import plot_svg
from grader.result import CheckResult, ExerciseResult, Series

GATES = ("static", "smoke")
LIKELY_CAUSE = "\nLikely cause: "


@dataclass
class Mistake:
    """A named misconception and what it means, with the checks it explains."""

    id: str
    cause: str
    checks: list[str]


@dataclass
class CheckView:
    """One check as the report shows it."""

    result: CheckResult
    what: str
    cause: str
    plots: list[Markup] = field(default_factory=list)
    plotted_with: list[str] = field(default_factory=list)


@dataclass
class ExerciseView:
    result: ExerciseResult
    gates: list[CheckResult]
    failed: list[CheckView]
    not_run: dict[str, list[CheckResult]]
    passed: list[CheckView]
    failing_functions: list[str]
    mistakes: list[Mistake]

    @property
    def plots(self) -> Iterator[Markup]:
        for view in (*self.failed, *self.passed):
            yield from view.plots


def exercise_view(result: ExerciseResult) -> ExerciseView:
    gates = [c for c in result.checks if c.kind in GATES]
    scored = [c for c in result.checks if c.kind not in GATES]
    failed = [_view(c) for c in scored if not c.passed and c.skipped is None]
    passed = [_view(c) for c in scored if c.passed]
    not_run: dict[str, list[CheckResult]] = {}
    for check in scored:
        if not check.passed and check.skipped is not None:
            not_run.setdefault(check.skipped, []).append(check)
    _place_plots(result.exercise, [*failed, *passed])
    functions = [f for c in scored if not c.passed for f in c.functions]
    return ExerciseView(
        result=result,
        gates=gates,
        failed=failed,
        not_run=not_run,
        passed=passed,
        failing_functions=list(dict.fromkeys(functions)),
        mistakes=[_mistake(m, failed) for m in result.misconceptions],
    )


def _view(check: CheckResult) -> CheckView:
    what, _, cause = check.message.partition(LIKELY_CAUSE)
    return CheckView(check, what, cause)


def _mistake(misconception: str, failed: list[CheckView]) -> Mistake:
    named = [v for v in failed if v.result.misconception == misconception]
    cause = next((v.cause for v in named if v.cause), "")
    return Mistake(misconception, cause, [v.result.id for v in named])


def _place_plots(exercise: str, views: list[CheckView]) -> None:
    first: dict[tuple[object, ...], str] = {}
    for view in views:
        for series in view.result.series or []:
            key = _identity(series)
            if key in first:
                view.plotted_with.append(first[key])
                continue
            first[key] = view.result.id
            svg = plot_svg(series, f"{exercise}-{len(first)}")
            if svg:
                view.plots.append(svg)


def _identity(series: Series) -> tuple[object, ...]:
    return (series.label, tuple(series.learner), tuple(series.reference))
