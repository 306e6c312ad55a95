"""Verdicts: a check finishes by exception (PrairieLearn's `code_feedback`).

A check body returns None when the learner's code is right and raises `Wrong`
when it is not; a time-out or a crash of the worker raises `Abort`, which stops
a property at once instead of being shrunk. `failed` is the one place a
`LearnerError` (the worker's report of the learner's code failing) becomes one
of them, and `verdict_of` the one place either becomes a `Verdict`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from grader.result import Series, TextFields
from grader.worker import LearnerError

if TYPE_CHECKING:
    from grader.engine.subjects import Context


@dataclass
class Verdict(TextFields):
    """What one check found (`message` and `counterexample` are text, checked when set)."""

    TEXT: ClassVar[dict[str, bool]] = {"message": False, "counterexample": True}

    passed: bool
    message: str = ""
    counterexample: str | None = None
    series: list[Series] | None = None


PASS = Verdict(True)


class Wrong(TextFields, Exception):
    """The learner's code failed this check: a wrong answer, or their code raised.

    `counterexample` is the input it failed on, when that is not the whole
    example the check drew; `series` a trajectory worth plotting.
    """

    TEXT: ClassVar[dict[str, bool]] = {"message": False, "counterexample": True}

    def __init__(
        self, message: str, counterexample: str | None = None, series: list[Series] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.counterexample = counterexample
        self.series = series


class Abort(BaseException):
    """Stops a property at once (time-out, crash): not worth shrinking.

    A BaseException, so that hypothesis lets it through instead of shrinking.
    """

    def __init__(self, error: LearnerError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True)
class Check:
    """One scored check: a stable id, the learner names it uses, and its body."""

    id: str
    kind: Literal["property", "hidden"]
    title: str
    uses: tuple[str, ...]
    run: Callable[[Context], Verdict]
    points: float = 1.0


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


def failed(error: LearnerError, function: str, whole: bool = False) -> Wrong | Abort:
    """THE conversion of a learner error: an exception in `function` is `Wrong`; a time-out,
    a crash, or a failure of a `whole` batch of calls is `Abort`."""
    if whole or error.kind != "exception":
        return Abort(error)
    return Wrong(learner_failure(error, function))


@contextmanager
def blamed(function: str, whole: bool = False) -> Iterator[None]:
    """Learner errors raised inside, converted by `failed` (`function` ran, or was asked to)."""
    try:
        yield
    except LearnerError as error:
        raise failed(error, function, whole) from None


def expect(problem: str | None, counterexample: str | None = None) -> None:
    """Raise `Wrong(problem)` if there is a problem (a check helper's `str | None`)."""
    if problem:
        raise Wrong(problem, counterexample)


def withhold(message: str) -> str:
    """A failure message with no input or output values left in it (for hidden checks)."""
    head = message.split(". Expected")[0].split("; first")[0]
    if "expected" in head and "shape" not in head and "values differ" not in head:
        return "the result differs from the reference"
    return head


def verdict_of(
    stop: Wrong | Abort | LearnerError, counterexample: str | None = None, hidden: bool = False
) -> Verdict:
    """THE place a check's failure becomes its Verdict; a hidden check's withholds the input
    and anything the learner's code produced."""
    if isinstance(stop, Wrong):
        if hidden:
            return Verdict(False, f"wrong on a hidden input: {withhold(stop.message)}")
        return Verdict(False, stop.message, stop.counterexample or counterexample, stop.series)
    error = stop.error if isinstance(stop, Abort) else stop
    if hidden:
        where = "" if error.kind == "skipped" else "on a hidden input: "
        return Verdict(False, f"{where}{error.describe(withhold=True)}")
    return Verdict(False, error.describe(), counterexample)


def judged(
    run: Callable[[], Verdict | None], counterexample: str | None = None, hidden: bool = False
) -> Verdict:
    """`run()`'s Verdict (PASS when it returns None), or the Verdict of what it raised."""
    withheld = _WITHHELD.set(True) if hidden else None
    try:
        found = run()
    except (Wrong, Abort) as stop:
        return verdict_of(stop, counterexample, hidden)
    except LearnerError as error:
        if not hidden:
            raise
        return verdict_of(error, counterexample, hidden)
    finally:
        if withheld is not None:
            _WITHHELD.reset(withheld)
    return PASS if found is None else found
