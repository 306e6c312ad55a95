"""Fixed configurations with their advice, and observation rules as tables.

A `Case` is one hand-picked call (an extreme, a kink, a configuration a
learner often gets wrong); when the learner fails it, the message ends with
its advice. An `Observe` row is one rule about how the learner's code runs,
seen from inside the worker by a scenario (train mode during fit, no
gradients in evaluate, the device every batch reached): `observations(table)`
turns a table of them into checks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from grader.engine.properties import scenario_check
from grader.engine.subjects import Call, Context, describe_call
from grader.engine.verdicts import Check, Wrong


@dataclass(frozen=True)
class Case:
    """One fixed call `(args, kwargs)`, with the advice a learner who fails it needs."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    advice: str = ""
    label: str = ""  # how the feedback names it, instead of the call's values

    @property
    def call(self) -> Call:
        return self.args, self.kwargs

    def describe(self, function: str) -> str:
        return self.label or describe_call(function, self.args, self.kwargs)


class Group:
    """Hand-picked calls that show one mistake, judged together as a check of their own
    (`{function}-{id}` in a `Row`, titled in hints.toml or by `title`), with the advice a
    learner who fails one of them needs."""

    def __init__(self, id: str, advice: str, *calls: Call, title: str = "") -> None:
        self.id, self.title = id, title
        self.cases = [Case(args, kwargs, advice) for args, kwargs in calls]


def advised(wrong: Wrong, function: str, cases: Sequence[Case]) -> Wrong:
    """`wrong`, named by the case it failed on and ending with that case's advice."""
    failed = next(
        (c for c in cases if describe_call(function, c.args, c.kwargs) == wrong.counterexample),
        None,
    )
    if failed is not None:
        wrong.counterexample = failed.describe(function)
        if failed.advice:
            wrong.message = f"{wrong.message}\n{failed.advice}"
    return wrong


@dataclass(frozen=True)
class Observe:
    """One observation rule: run `scenario(module, *args(ctx))` on the learner's `what`,
    then `expect(observed)`: True (or None) if the rule holds, False to say `advice`
    (formatted with the observation's keys), or a sentence saying what went wrong."""

    id: str
    what: str
    scenario: Callable[..., Any]
    expect: Callable[[Any], bool | str | None]
    advice: str = ""
    args: Callable[[Context], Sequence[Any]] = lambda ctx: ()
    points: float = 1.0
    title: str = ""


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "?"


def observations(table: Sequence[Observe]) -> list[Check]:
    """One check per rule of `table`."""

    def judge(rule: Observe) -> Callable[[Context], None]:
        def run(ctx: Context) -> None:
            seen = ctx.run(rule.what, rule.scenario, *rule.args(ctx))
            found = rule.expect(seen)
            if found is True or found is None:
                return
            values = _Blank(seen) if isinstance(seen, dict) else _Blank()
            advice = rule.advice.format_map(values)
            if isinstance(found, str):
                raise Wrong(f"{found}: {advice}" if advice else found)
            raise Wrong(advice or f"{rule.what} breaks this check's rule")

        return run

    return [
        scenario_check(rule.id, [rule.what], judge(rule), points=rule.points, title=rule.title)
        for rule in table
    ]
