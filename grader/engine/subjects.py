"""Subjects: who runs an exercise's code (the learner in the worker, or a module here),
and the `Context` a check talks to them through.

Both kinds of subject answer with the same plain data, so one check body serves
every side. The `Context` helpers (`compare`, `values`, `run`, `both`) call the
learner and raise `Wrong` or `Abort` (through `verdicts.failed`) when its code
fails; a check body never sees a `LearnerError`.
"""

from __future__ import annotations

import hashlib
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from grader.engine.compare import ATOL, RTOL, difference, show
from grader.engine.verdicts import Wrong, blamed, failed
from grader.worker import LearnerError, Worker
from grader.worker.protocol import decode, encode

Call = tuple[tuple[Any, ...], dict[str, Any]]
"""One call of a learner function: positional arguments and keyword arguments."""


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


def calls(function: str, *args: Any, **kwargs: Any) -> Callable[[Subject], Any]:
    """A probe that calls one function with fixed arguments."""
    return lambda subject: subject.call(function, *args, **kwargs)


def together(*probes: Callable[[Subject], Any]) -> Callable[[Subject], Any]:
    """A probe made of several, for a mistake that shows in more than one place:
    the tuple of their values."""
    return lambda subject: tuple(probe(subject) for probe in probes)


def describe_call(function: str, args: Sequence[Any], kwargs: dict[str, Any] | None = None) -> str:
    parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in (kwargs or {}).items()]
    return f"{function}({', '.join(parts)})"


def scenario_on(subject: Subject, what: str, function: Callable[..., Any], *args: Any) -> Any:
    """`subject.scenario(function, *args)`, where `what` names the learner code it exercises.

    Once `what` ran out of time, the worker runs nothing about it again in that
    grade (see `grader.worker.client`), so one endless loop costs one time-out
    rather than one per check and diagnosis probe.
    """
    return subject.scenario(function, *args, about=what)


def outcome_value(
    function: str, expected: Any, outcome: Any, rtol: float = RTOL, atol: float = ATOL
) -> None:
    """Raise `Wrong` (or `Abort`) unless the learner's outcome of one call is right.

    `outcome` is `(value, mutated)` or the LearnerError the call ended with.
    """
    if isinstance(outcome, LearnerError):
        raise failed(outcome, function)
    received, mutated = outcome
    found = difference(expected, received, rtol, atol)
    if found and " received " in found and "values differ" not in found:
        raise Wrong(found)
    if found:
        raise Wrong(f"{found}. Expected {show(expected)}, received {show(received)}")
    if mutated:
        raise Wrong(
            f"{function} modified its input ({', '.join(mutated)}); it must not change its arguments"
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

    def compare(
        self, function: str, calls: Sequence[Call], rtol: float = RTOL, atol: float = ATOL
    ) -> None:
        """Many calls in one round trip; raises `Wrong` on the first wrong one (that call
        is its counterexample)."""
        with blamed(function, whole=True):
            outcomes = self.learner.call_many(function, calls)
        for call, outcome in zip(calls, outcomes, strict=True):
            expected = self.reference.call(function, *call[0], **call[1])
            try:
                outcome_value(function, expected, outcome, rtol, atol)
            except Wrong as wrong:
                wrong.counterexample = describe_call(function, *call)
                raise

    def values(self, function: str, calls: Sequence[Call]) -> list[Any]:
        """The learner's return values for `calls`, in one round trip (raises on a failure)."""
        with blamed(function, whole=True):
            outcomes = self.learner.call_many(function, calls)
        for outcome in outcomes:
            if isinstance(outcome, LearnerError):
                raise failed(outcome, function)
        return [outcome[0] for outcome in outcomes]

    def run(self, what: str, scenario: Callable[..., Any], *args: Any) -> Any:
        """The learner's run of `scenario` (which exercises their `what`)."""
        with blamed(what):
            return scenario_on(self.learner, what, scenario, *args)

    def both(self, what: str, scenario: Callable[..., Any], *args: Any) -> tuple[Any, Any]:
        """(reference's run, learner's run) of one scenario; the learner's runs first."""
        received = self.run(what, scenario, *args)
        return self.reference.scenario(scenario, *args), received
