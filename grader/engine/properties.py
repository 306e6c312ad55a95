"""The check factories: hypothesis properties, fixed cases, hidden cases, one scenario.

A body takes the context (and the example, case or drawn cases), returns None
and raises `Wrong` when the learner's code is wrong; each factory turns that
into its `Verdict` through `verdicts.judged` / `verdict_of`. Rows (`rows.py`)
generate their checks with these; use them directly only where no row fits.
A check's `title` may be left out here and given under `[titles]` in hints.toml.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from grader.engine import replay
from grader.engine.subjects import Context, ModuleSubject
from grader.engine.verdicts import PASS, Abort, Check, Verdict, Wrong, judged, verdict_of
from grader.release import cases

Body = Callable[[Context, Any], None]

BATCH = 4
"""Calls per hypothesis example: one round trip to the worker tests this many inputs."""


def _returning(body: Body) -> Callable[[Context, Any], Wrong | None]:
    """`body` returning its `Wrong` instead of raising it (how `prop` and replay read it)."""

    def run(ctx: Context, example: Any) -> Wrong | None:
        try:
            body(ctx, example)
        except Wrong as wrong:
            return wrong
        return None

    return run


def property_check(
    id: str,
    uses: Sequence[str],
    strategy: Any,
    body: Body,
    points: float = 1.0,
    describe: Callable[[Any], str] = repr,
    *,
    title: str = "",
) -> Check:
    """A hypothesis property: `body(ctx, example)` raises `Wrong` when the learner is wrong.

    Runs derandomized without an example database, so the same file always
    meets the same examples; the last failing example hypothesis replays is
    its shrunk one, and that is what the learner sees.
    """
    import hypothesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Flaky

    recorded = replay.store()
    judge_body = _returning(body)

    def key(ctx: Context) -> tuple[Any, ...] | None:
        """What the examples and the reference's answers depend on; None: no replay."""
        if (
            not (replay.enabled() and replay.available())
            or type(ctx.reference) is not ModuleSubject
        ):
            return None
        module = ctx.reference.module
        return (ctx.exercise, ctx.max_examples, ctx.device, hypothesis.__version__, module)

    def run(ctx: Context) -> Verdict:
        examples = cases.replayed(ctx)  # in a release: exactly the public cases' examples
        if examples is not None:
            replayed = cases_check(id, uses, lambda: examples, cases.seeded(body), 1, describe)
            return replayed.run(ctx)
        at = key(ctx)
        recording = recorded.get(at) if at is not None else None
        if recording is None:
            return explore(ctx, at, None)
        learner = replay.Logging(ctx.learner, [])
        if replays(ctx, recording, learner):
            return PASS
        return explore(ctx, None, learner.log if learner.sound else None)

    def replays(ctx: Context, recording: replay.Recording, learner: replay.Logging) -> bool:
        """Whether every recorded example passes again (the learner's answers go to its log)."""
        again = dataclasses.replace(
            ctx, learner=learner, reference=replay.Serving(ctx.reference, recording.reference)
        )
        for example in recording.examples:
            try:
                with replay.seeded():
                    if judge_body(again, copy.deepcopy(example)) is not None:
                        return False
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:
                return False
        return True

    def explore(ctx: Context, at: tuple[Any, ...] | None, answered: list[Any] | None) -> Verdict:
        """Hypothesis's run; recorded under `at` if it passes, the learner's calls in
        `answered` answered from there."""
        failures: list[tuple[Any, Wrong]] = []
        recording = replay.Recording() if at is not None else None
        if answered is not None:
            ctx = dataclasses.replace(ctx, learner=replay.Serving(ctx.learner, answered))
        # `prop` reads as it did before replay: hypothesis derives its derandomized seed from
        # its source, so the examples (and verdicts) stay those of earlier versions.
        body = cases.observed(ctx, judge_body)  # at release time: the public cases' examples
        if recording is not None:
            reference = replay.Logging(ctx.reference, recording.reference)
            ctx = dataclasses.replace(ctx, reference=reference)
            body = recording.judging(judge_body)

        @settings(
            max_examples=ctx.max_examples,
            derandomize=True,
            database=None,
            deadline=None,
            print_blob=False,
            phases=(Phase.explicit, Phase.generate, Phase.shrink),
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        )
        @given(strategy)
        def prop(example: Any) -> None:
            problem = body(ctx, example)
            if problem is not None:
                failures.append((example, problem))
                raise AssertionError(str(problem))

        try:
            prop()
        except AssertionError:
            example, problem = failures[-1]
            return verdict_of(problem, describe(example))
        except Abort as abort:
            return verdict_of(abort, describe(failures[-1][0]) if failures else None)
        except Flaky:
            example, problem = failures[0]
            verdict = verdict_of(problem, describe(example))
            verdict.message += (
                "\nThe same input gave a different result on another call: the code is not "
                "deterministic (does it keep state between calls, or draw random numbers?)"
            )
            return verdict
        if at is not None and recording is not None and recording.sound and reference.sound:
            recorded[at] = recording
        return PASS

    return Check(id, "property", title, tuple(uses), run, points)


def cases_check(
    id: str,
    uses: Sequence[str],
    cases: Callable[[], Sequence[Any]],
    body: Body,
    points: float = 1.0,
    describe: Callable[[Any], str] = repr,
    *,
    title: str = "",
) -> Check:
    """A visible property on fixed, hand-picked cases (special values, extremes)."""

    def run(ctx: Context) -> Verdict:
        for case in cases():
            found = judged(lambda case=case: body(ctx, case), describe(case))
            if not found.passed:
                return found
        return PASS

    return Check(id, "property", title, tuple(uses), run, points)


def hidden_check(
    id: str,
    uses: Sequence[str],
    cases: Callable[[np.random.Generator], Sequence[Any]],
    body: Body,
    points: float = 1.0,
    *,
    title: str = "",
) -> Check:
    """Cases drawn from the secret's generator; the feedback never shows them.

    `body(ctx, cases)` judges all the drawn cases at once (one round trip
    where it can) and raises `Wrong`, whose input is withheld, as is any text
    the learner's code produced while it ran.
    """

    def run(ctx: Context) -> Verdict:
        drawn = cases(ctx.rng(id))
        return judged(lambda: body(ctx, drawn), hidden=True)

    return Check(id, "hidden", title, tuple(uses), run, points)


def scenario_check(
    id: str,
    uses: Sequence[str],
    judge: Callable[[Context], Verdict | None],
    counterexample: str | None = None,
    points: float = 1.0,
    *,
    title: str = "",
) -> Check:
    """A visible check on one fixed scenario: `judge(ctx)` raises `Wrong` (or gives a Verdict,
    to carry a plot's series)."""
    return Check(
        id,
        "property",
        title,
        tuple(uses),
        lambda ctx: judged(lambda: judge(ctx), counterexample),
        points,
    )
