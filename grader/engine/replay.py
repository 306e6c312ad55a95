"""Replaying a property's examples in a warm grader, instead of generating them again.

A property check runs hypothesis derandomized and without a database: until
the learner's code fails, the examples it tries are a function of the check
alone (and of `max_examples`, the device and hypothesis's version). So a
process that grades many files records, per check, the examples of its
first run that passed, with the reference's answers on them, and on later
grades runs the body on those examples again, in the same order, each under
hypothesis's own seeding of the global random generators. Every example
passes: the verdict is PASS, as hypothesis would have found. The first one
that fails (or any error): the full hypothesis run takes over, and the
learner's answers given so far are served to it from a log instead of asking
the learner again, so the learner's code meets exactly the calls it meets
without replay (a nondeterministic or stateful file gets today's verdict).

A check is recorded only from a run in which every example was judged
(nothing rejected, no error) and every example could be copied; examples
drawn interactively (`st.data()`) are never replayed. `NEUROGRADE_REPLAY=0`
turns replay off. Hypothesis seeds a derandomized run from the source of the
test function, so `property_check`'s `prop` must keep its source: a changed
one changes every example, replay or not.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

VARIABLE = "NEUROGRADE_REPLAY"


def enabled() -> bool:
    return os.environ.get(VARIABLE, "1") != "0"


def available() -> bool:
    """Whether this hypothesis still has the seeding replay needs (else replay stays off)."""
    try:
        from hypothesis.internal.entropy import deterministic_PRNG  # noqa: F401
    except ImportError:  # pragma: no cover
        return False
    return True


def seeded() -> AbstractContextManager[None]:
    """The seeding hypothesis gives every test case (`random`, numpy's global generator)."""
    from hypothesis.internal.entropy import deterministic_PRNG

    return deterministic_PRNG()


class Uncopyable(Exception):
    """An example or answer that cannot be copied faithfully: that check is not replayed."""


def duplicate(value: Any) -> Any:
    """A deep copy that nothing the grader does to one can change in the other."""
    if _interactive(value):
        raise Uncopyable("drawn interactively")
    try:
        return copy.deepcopy(value)
    except Exception as error:
        raise Uncopyable(str(error)) from None


def _interactive(value: Any) -> bool:
    if type(value).__name__ == "DataObject" and type(value).__module__.startswith("hypothesis"):
        return True
    if isinstance(value, (tuple, list)):
        return any(map(_interactive, value))
    if isinstance(value, dict):
        return any(map(_interactive, value.values()))
    return False


def same(a: Any, b: Any) -> bool:
    """Whether two call arguments are certainly equal (False when unsure)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape or a.dtype.kind not in "biufc":
            return False
        return a.tobytes() == b.tobytes()
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return a.hex() == b.hex() if a == a else b != b
    if isinstance(a, (bool, int, str, bytes, type(None), np.generic)):
        return bool(a == b) and repr(a) == repr(b)
    return False


@dataclass
class Entry:
    """One call a subject answered: which method, its arguments, and the answer or the error."""

    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    answer: Any = None
    error: BaseException | None = None

    def matches(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        return self.method == method and same(self.args, args) and same(self.kwargs, kwargs)


METHODS = ("call", "call_checked", "call_many", "scenario")


class Logging:
    """A subject that keeps a copy of every call and its answer (or error) in `log`."""

    def __init__(self, inner: Any, log: list[Entry]) -> None:
        self.inner = inner
        self.log = log
        self.sound = True

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method not in METHODS:
            raise AttributeError(method)
        inner = getattr(self.inner, method)

        def logged(*args: Any, **kwargs: Any) -> Any:
            try:
                entry = Entry(method, duplicate(args), duplicate(kwargs))
            except Uncopyable:
                self.sound = False
                entry = None
            try:
                answer = inner(*args, **kwargs)
            except BaseException as error:
                if entry is not None:
                    entry.error = error
                    self.log.append(entry)
                raise
            if entry is not None:
                try:
                    entry.answer = duplicate(answer)
                    self.log.append(entry)
                except Uncopyable:
                    self.sound = False
            return answer

        return logged


class Serving:
    """A subject that answers from `log`, call by call, while the calls match it; then
    (and from the first call that does not match) the inner subject answers."""

    def __init__(self, inner: Any, log: Sequence[Entry]) -> None:
        self.inner = inner
        self.entries: Iterator[Entry] | None = iter(log)

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method not in METHODS:
            raise AttributeError(method)

        def served(*args: Any, **kwargs: Any) -> Any:
            entry = next(self.entries, None) if self.entries is not None else None
            if entry is None or not entry.matches(method, args, kwargs):
                self.entries = None
                return getattr(self.inner, method)(*args, **kwargs)
            if entry.error is not None:
                raise entry.error
            return copy.deepcopy(entry.answer)

        return served


_STORES: list[dict[tuple[Any, ...], Recording]] = []


def store() -> dict[tuple[Any, ...], Recording]:
    """A check's recordings (one per key), forgotten with the others by `forget`."""
    recordings: dict[tuple[Any, ...], Recording] = {}
    _STORES.append(recordings)
    return recordings


def forget() -> None:
    """Drop every recording: the next grade of each check runs hypothesis in full."""
    for recordings in _STORES:
        recordings.clear()


@dataclass
class Recording:
    """A passing run's examples, in order, and the reference's calls on them."""

    examples: list[Any] = field(default_factory=list)
    reference: list[Entry] = field(default_factory=list)
    sound: bool = True

    def judging(self, body: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        """`body`, keeping a copy of every example it judges; an example it does not judge
        (an error, a rejection) or cannot copy leaves the recording unsound."""

        def judged(ctx: Any, example: Any) -> Any:
            try:
                self.examples.append(duplicate(example))
            except Uncopyable:
                self.sound = False
            try:
                return body(ctx, example)
            except BaseException:
                self.sound = False
                raise

        return judged
