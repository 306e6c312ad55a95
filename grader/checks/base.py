"""The pieces every exercise's checks are built from.

An exercise module declares a table of its functions (`Fn` rows, turned into
checks by `checks_for`) and builds the rest from the factories here:

- `property_check`: a hypothesis property run in the grader process
  (derandomized, no database); the learner's function is called in the worker
  for every example and the shrunk counterexample goes into the feedback;
- `hidden_check`: cases drawn from a generator seeded by the course's secret,
  compared with the reference; never reveals its inputs;
- `cases_check` and `scenario_check`: visible checks on fixed cases;
- `Mutant`: the reference with one classic mistake; the runner uses it to
  name the misconception a failing submission makes.

Calls go through `compare_calls` / `learner_values` (many calls, one round
trip) or, for objects that must be built in the worker, through scenarios
(`learner_scenario`, `both`, `scenario_on`).

A check talks to a `Subject`: the learner (through the worker) or a module in
the grader process (the reference, or a mutant of it). Both answer with the
same plain data, so one check body serves every side.
"""

from __future__ import annotations

import contextvars
import copy
import dataclasses
import hashlib
import importlib
import inspect
import textwrap
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, Literal, Protocol

import numpy as np

from grader.checks import replay
from grader.checks.compare import ATOL, RTOL, difference, show
from grader.release import cases
from grader.result import Series, TextFields
from grader.worker import LearnerError, Worker
from grader.worker.protocol import decode, encode

Call = tuple[tuple[Any, ...], dict[str, Any]]
"""One call of a learner function: positional arguments and keyword arguments."""


@dataclass
class Verdict(TextFields):
    """What one check found (`message` and `counterexample` are text, checked when set)."""

    TEXT: ClassVar[dict[str, bool]] = {"message": False, "counterexample": True}

    passed: bool
    message: str = ""
    counterexample: str | None = None
    series: list[Series] | None = None


PASS = Verdict(True)


@dataclass
class Failure(TextFields):
    """What a check body found wrong, and on which input (if not the whole example)."""

    TEXT: ClassVar[dict[str, bool]] = {"message": False, "counterexample": True}

    message: str
    counterexample: str | None = None


class Abort(BaseException):
    """Stops a property at once (time-out, crash): not worth shrinking.

    A BaseException, so that hypothesis lets it through instead of shrinking.
    """

    def __init__(self, error: LearnerError) -> None:
        super().__init__(error.message)
        self.error = error


class Subject(Protocol):
    """Something that runs an exercise's functions: the learner or a local module."""

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any: ...

    def call_checked(self, function: str, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]: ...

    def call_many(self, function: str, calls: Sequence[Call]) -> list[Any]: ...

    def scenario(self, function: Callable[..., Any], *args: Any, about: str = "") -> Any: ...


def roundtrip(value: Any, resolve_named: bool = False) -> Any:
    """The value as it would cross the wire: exactly the types the learner's side yields."""
    blobs: list[bytes] = []
    return decode(encode(value, blobs), blobs, resolve_named)


class ModuleSubject:
    """The reference, or a mutant of it, run in the grader process."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        return self.call_checked(function, *args, **kwargs)[0]

    def call_checked(self, function: str, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
        args, kwargs = roundtrip((args, kwargs), resolve_named=True)
        with np.errstate(all="ignore"):
            return roundtrip(getattr(self.module, function)(*args, **kwargs)), []

    def call_many(self, function: str, calls: Sequence[Call]) -> list[Any]:
        return [self.call_checked(function, *args, **kwargs) for args, kwargs in calls]

    def scenario(self, function: Callable[..., Any], *args: Any, about: str = "") -> Any:
        with np.errstate(all="ignore"):
            return roundtrip(function(self.module, *roundtrip(args, resolve_named=True)))


class WorkerSubject:
    """The learner's file, run in the worker process."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        return self.worker.call(function, *args, **kwargs)

    def call_checked(self, function: str, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
        return self.worker.call_checked(function, *args, **kwargs)

    def call_many(self, function: str, calls: Sequence[Call]) -> list[Any]:
        return self.worker.call_many(function, list(calls))

    def scenario(self, function: Callable[..., Any], *args: Any, about: str = "") -> Any:
        """`about` names the learner code the scenario exercises (held responsible if it
        runs out of time); by default, the scenario itself."""
        return self.worker.scenario(
            function.__module__, function.__name__, *args, about=about or function.__name__
        )


@dataclass
class Context:
    """Everything a check needs: both subjects, the secret, the settings."""

    exercise: str
    learner: Subject
    reference: Subject
    secret: str
    device: str = "cpu"
    max_examples: int = 30

    def rng(self, check_id: str) -> np.random.Generator:
        """The hidden cases' generator: a function of the secret (with the course and
        learner ids, see `Options.hidden_seed`), the exercise and the check."""
        digest = hashlib.sha256(f"{self.secret}:{self.exercise}:{check_id}".encode()).digest()
        return np.random.default_rng(int.from_bytes(digest[:8], "big"))


@dataclass(frozen=True)
class Check:
    """One scored check: a stable id, the learner names it uses, and its body."""

    id: str
    kind: Literal["property", "hidden"]
    title: str
    uses: tuple[str, ...]
    run: Callable[[Context], Verdict]
    points: float = 1.0


# -- comparing one call -------------------------------------------------------------


_WITHHELD: contextvars.ContextVar[bool] = contextvars.ContextVar("withheld", default=False)
"""True while a hidden check runs: feedback then carries nothing the learner's code produced."""


def learner_failure(error: LearnerError, function: str) -> str:
    """What went wrong when the learner's `function` ran, in one sentence.

    In a hidden check, without what the learner's code said (an exception's
    message may spell out the hidden input); the exception's type and the line
    of the learner's file remain.
    """
    if error.kind == "exception" and error.message == "NotImplementedError":
        return f"{function} is not written yet (it still raises NotImplementedError)"
    if error.kind == "exception":
        return f"{function} raised {error.describe(_WITHHELD.get())}"
    return error.describe(_WITHHELD.get())


def judge(
    function: str, expected: Any, outcome: Any, rtol: float = RTOL, atol: float = ATOL
) -> str | None:
    """None if the learner's outcome of one call is right, else what is wrong.

    `outcome` is `(value, mutated)` or the LearnerError the call ended with;
    a time-out or a crash aborts the whole check.
    """
    if isinstance(outcome, LearnerError):
        if outcome.kind != "exception":
            raise Abort(outcome)
        return learner_failure(outcome, function)
    received, mutated = outcome
    found = difference(expected, received, rtol, atol)
    if found and " received " in found and "values differ" not in found:
        return found
    if found:
        return f"{found}. Expected {show(expected)}, received {show(received)}"
    if mutated:
        return f"{function} modified its input ({', '.join(mutated)}); it must not change its arguments"
    return None


def compare_calls(
    ctx: Context, function: str, calls: Sequence[Call], rtol: float = RTOL, atol: float = ATOL
) -> Failure | None:
    """Many calls in one round trip; the first wrong one, described, or None."""
    try:
        outcomes = ctx.learner.call_many(function, calls)
    except LearnerError as error:
        raise Abort(error) from None
    for call, outcome in zip(calls, outcomes, strict=True):
        problem = judge(
            function, ctx.reference.call(function, *call[0], **call[1]), outcome, rtol, atol
        )
        if problem:
            return Failure(problem, describe_call(function, *call))
    return None


# -- scenarios: learner code that needs objects built in the worker -----------------


def scenario_on(subject: Subject, what: str, function: Callable[..., Any], *args: Any) -> Any:
    """`subject.scenario(function, *args)`, where `what` names the learner code it exercises.

    Once `what` ran out of time, the worker runs nothing about it again in that
    grade (see `grader.worker.client`), so one endless loop costs one time-out
    rather than one per check and diagnosis probe.
    """
    return subject.scenario(function, *args, about=what)


def learner_scenario(ctx: Context, what: str, scenario: Callable[..., Any], *args: Any) -> Any:
    """The learner's run of `scenario`, or a Failure naming what their `what` raised.

    A time-out or crash aborts the check (and later scenarios of `what` fail at once).
    """
    try:
        return scenario_on(ctx.learner, what, scenario, *args)
    except LearnerError as error:
        if error.kind != "exception":
            raise Abort(error) from None
        return Failure(learner_failure(error, what))


def both(
    ctx: Context, what: str, scenario: Callable[..., Any], *args: Any
) -> tuple[Any, Any] | Failure:
    """(reference's run, learner's run) of one scenario, or the learner's failure."""
    received = learner_scenario(ctx, what, scenario, *args)
    if isinstance(received, Failure):
        return received
    return ctx.reference.scenario(scenario, *args), received


def first_batched_problem(
    ctx: Context,
    what: str,
    many: Callable[..., Any],
    name: str,
    cases: Sequence[Any],
    judge: Callable[[Any, Any], str | None],
) -> str | Failure | None:
    """Run scenario `name` on every case, one round trip per side (`many`); the first
    problem `judge(expected, received)` finds, or what the learner's code raised."""
    runs = both(ctx, what, many, name, cases)
    if isinstance(runs, Failure):
        return runs
    return next((problem for problem in map(judge, *runs) if problem), None)


def scenario_check(
    id: str,
    title: str,
    uses: Sequence[str],
    judge: Callable[[Context], Verdict | str | None],
    counterexample: str | None = None,
    points: float = 1.0,
) -> Check:
    """A visible check on one fixed scenario: `judge(ctx)` says what is wrong (or gives a Verdict)."""

    def run(ctx: Context) -> Verdict:
        try:
            found = judge(ctx)
        except Abort as abort:
            return Verdict(False, abort.error.describe(), counterexample)
        if isinstance(found, Verdict):
            return found
        return Verdict(found is None, found or "", None if found is None else counterexample)

    return Check(id, "property", title, tuple(uses), run, points)


def learner_values(ctx: Context, function: str, calls: Sequence[Call]) -> list[Any] | Failure:
    """The learner's return values for `calls`, in one round trip, or what the first one raised.

    A time-out or crash aborts the check.
    """
    try:
        outcomes = ctx.learner.call_many(function, calls)
    except LearnerError as error:
        raise Abort(error) from None
    values = []
    for outcome in outcomes:
        if isinstance(outcome, LearnerError):
            if outcome.kind != "exception":
                raise Abort(outcome)
            return Failure(learner_failure(outcome, function))
        values.append(outcome[0])
    return values


def describe_call(function: str, args: Sequence[Any], kwargs: dict[str, Any] | None = None) -> str:
    parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in (kwargs or {}).items()]
    return f"{function}({', '.join(parts)})"


# -- factories -----------------------------------------------------------------------

Body = Callable[["Context", Any], "str | Failure | None"]


def _failure(problem: str | Failure, counterexample: str | None) -> Verdict:
    if isinstance(problem, Failure):
        return Verdict(False, problem.message, problem.counterexample or counterexample)
    return Verdict(False, problem, counterexample)


def property_check(
    id: str,
    title: str,
    uses: Sequence[str],
    strategy: Any,
    body: Body,
    points: float = 1.0,
    describe: Callable[[Any], str] = repr,
) -> Check:
    """A hypothesis property: `body(ctx, example)` returns None or what went wrong.

    Runs derandomized without an example database, so the same file always
    meets the same examples; the last failing example hypothesis replays is
    its shrunk one, and that is what the learner sees.
    """
    import hypothesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Flaky

    recorded = replay.store()
    judge_body = body

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
            replayed = cases_check(
                id, title, uses, lambda: examples, cases.seeded(body), points, describe
            )
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
                    if body(again, copy.deepcopy(example)) is not None:
                        return False
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:
                return False
        return True

    def explore(ctx: Context, at: tuple[Any, ...] | None, answered: list[Any] | None) -> Verdict:
        """Hypothesis's run; recorded under `at` if it passes, the learner's calls in
        `answered` answered from there."""
        failures: list[tuple[Any, str | Failure]] = []
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
            return _failure(problem, describe(example))
        except Abort as abort:
            return Verdict(
                False, abort.error.describe(), describe(failures[-1][0]) if failures else None
            )
        except Flaky:
            example, problem = failures[0]
            verdict = _failure(problem, describe(example))
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
    title: str,
    uses: Sequence[str],
    cases: Callable[[], Sequence[Any]],
    body: Body,
    points: float = 1.0,
    describe: Callable[[Any], str] = repr,
) -> Check:
    """A visible property on fixed, hand-picked cases (special values, extremes)."""

    def run(ctx: Context) -> Verdict:
        for case in cases():
            try:
                problem = body(ctx, case)
            except Abort as abort:
                return Verdict(False, abort.error.describe(), describe(case))
            if problem is not None:
                return _failure(problem, describe(case))
        return PASS

    return Check(id, "property", title, tuple(uses), run, points)


def hidden_check(
    id: str,
    title: str,
    uses: Sequence[str],
    cases: Callable[[np.random.Generator], Sequence[Any]],
    body: Body,
    points: float = 1.0,
) -> Check:
    """Cases drawn from the secret's generator; the feedback never shows them.

    `body(ctx, cases)` judges all the drawn cases at once (one round trip
    where it can) and returns None or a failure, whose input is withheld, as
    is any text the learner's code produced while it ran.
    """

    def run(ctx: Context) -> Verdict:
        drawn = cases(ctx.rng(id))
        withheld = _WITHHELD.set(True)
        try:
            problem = body(ctx, drawn)
        except (Abort, LearnerError) as stop:
            error = stop.error if isinstance(stop, Abort) else stop
            where = "" if error.kind == "skipped" else "on a hidden input: "
            return Verdict(False, f"{where}{error.describe(withhold=True)}")
        finally:
            _WITHHELD.reset(withheld)
        if problem is None:
            return PASS
        message = problem.message if isinstance(problem, Failure) else problem
        return Verdict(False, f"wrong on a hidden input: {withhold(message)}")

    return Check(id, "hidden", title, tuple(uses), run, points)


def withhold(message: str) -> str:
    """A failure message with no input or output values left in it (for hidden checks)."""
    head = message.split(". Expected")[0].split("; first")[0]
    if "expected" in head and "shape" not in head and "values differ" not in head:
        return "the result differs from the reference"
    return head


# -- the table: one row per learner function -----------------------------------------


@dataclass(frozen=True)
class Fn:
    """One learner function and its input domain: the checks are generated from it.

    `inputs` is a hypothesis strategy of one `(args, kwargs)` call, `hidden`
    draws one such call from the secret's generator, `special` lists
    hand-picked calls (extremes, kinks) that must be right too.
    """

    name: str
    inputs: Any
    hidden: Callable[[np.random.Generator], Call]
    special: tuple[Call, ...] = ()
    special_title: str = "special values"
    rtol: float = RTOL
    atol: float = ATOL
    hidden_cases: int = 8
    points: float = 1.0


BATCH = 4
"""Calls per hypothesis example: one round trip to the worker tests this many inputs."""


def checks_for(row: Fn) -> list[Check]:
    """Property, special-value and hidden checks for one table row."""
    from hypothesis import strategies as st

    name = row.name

    def body(ctx: Context, calls: Sequence[Call]) -> Failure | None:
        return compare_calls(ctx, name, calls, row.rtol, row.atol)

    def describe(calls: Sequence[Call]) -> str:
        return describe_call(name, *calls[0])

    checks = [
        property_check(
            f"{name}-matches-reference",
            f"{name} agrees with the reference on random inputs",
            [name],
            st.lists(row.inputs, min_size=1, max_size=BATCH),
            body,
            row.points,
            describe,
        )
    ]
    if row.special:
        checks.append(
            cases_check(
                f"{name}-special-values",
                f"{name} is right on {row.special_title}",
                [name],
                lambda: [row.special],
                body,
                row.points,
                describe,
            )
        )
    checks.append(
        hidden_check(
            f"{name}-hidden",
            f"{name} agrees with the reference on hidden inputs",
            [name],
            lambda rng: [row.hidden(rng) for _ in range(row.hidden_cases)],
            body,
            row.points,
        )
    )
    return checks


# -- mutants -------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """The reference with one classic mistake, and how to recognise it.

    `implementation` is written as a learner would write the wrong function;
    its source replaces `replaces` in a copy of a module's source (the
    reference's in the grader, the solution's in the project's tests).
    `probe` computes, on any subject, a value where the mistake shows.
    """

    misconception: str
    replaces: str
    implementation: Callable[..., Any]
    probe: Callable[[Subject], Any]
    explanation: str
    rtol: float = RTOL
    atol: float = ATOL


def mutant_source(base_source: str, mutant: Mutant) -> str:
    """`base_source` with the mutant's definition appended and bound to the replaced name."""
    code = textwrap.dedent(inspect.getsource(mutant.implementation))
    name = mutant.implementation.__name__
    return (
        f"{base_source}\n\n# mutant: {mutant.misconception}\n{code}\n{mutant.replaces} = {name}\n"
    )


def mutant_module(reference: str, mutant: Mutant) -> types.ModuleType:
    """The reference module rebuilt with the mutant in place, in the grader process."""
    base = inspect.getsource(importlib.import_module(reference))
    module = types.ModuleType(f"mutant_{mutant.misconception.replace('-', '_')}")
    exec(
        compile(mutant_source(base, mutant), f"<mutant {mutant.misconception}>", "exec"),
        module.__dict__,
    )
    return module


def calls(function: str, *args: Any, **kwargs: Any) -> Callable[[Subject], Any]:
    """A probe that calls one function with fixed arguments."""
    return lambda subject: subject.call(function, *args, **kwargs)


# -- the exercise --------------------------------------------------------------------


@dataclass(frozen=True)
class Exercise:
    """One exercise: its reference, the names a learner must define, and its checks."""

    name: str
    title: str
    reference: str
    functions: tuple[str, ...]
    checks: tuple[Check, ...]
    mutants: tuple[Mutant, ...] = ()
    hints: tuple[str, ...] = ()

    @cached_property
    def reference_module(self) -> types.ModuleType:
        return importlib.import_module(self.reference)
