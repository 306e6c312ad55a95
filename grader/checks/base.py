"""transition: the old check-module API, on the engine, for exercises not yet ported.

`Check`, `Context`, `Verdict`, `Abort` and the subjects ARE the engine's, so old
check modules and new declarations run under one runner. Old bodies return
`str | Failure | None`; the factories here adapt them to the engine's, which
raise `Wrong` (`Failure` is `Wrong`). `Mutant`, `mutant_source` and
`mutant_module` stay for the old modules' whole-function mutants. This module
goes with the last port (grader/exercises/NAME/ replaces grader/checks/NAME.py).
"""

from __future__ import annotations

import importlib
import inspect
import textwrap
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.engine import properties
from grader.engine.compare import ATOL, RTOL
from grader.engine.declaration import Exercise
from grader.engine.mutants import Patch, apply
from grader.engine.properties import BATCH
from grader.engine.rows import Row
from grader.engine.subjects import (
    Call,
    Context,
    ModuleSubject,
    Subject,
    WorkerSubject,
    calls,
    describe_call,
    outcome_value,
    roundtrip,
    scenario_on,
)
from grader.engine.verdicts import (
    _WITHHELD,
    PASS,
    Abort,
    Check,
    Verdict,
    learner_failure,
    withhold,
)
from grader.engine.verdicts import Wrong as Failure

__all__ = [
    "ATOL", "BATCH", "PASS", "RTOL", "_WITHHELD", "Abort", "Call", "Check", "Context", "Exercise",
    "Failure", "Fn", "ModuleSubject", "Mutant", "Subject", "Verdict", "WorkerSubject", "both",
    "calls", "cases_check", "checks_for", "compare_calls", "describe_call",
    "first_batched_problem", "hidden_check", "judge", "learner_failure", "learner_scenario",
    "learner_values", "mutant_module", "mutant_source", "property_check", "roundtrip",
    "scenario_check", "scenario_on", "withhold",
]  # fmt: skip

Body = Callable[[Context, Any], "str | Failure | None"]


def _raising(found: Any) -> Any:
    """An old body's answer as the engine's: a problem is raised, a Verdict kept."""
    if isinstance(found, Failure):
        raise found
    if isinstance(found, str):
        raise Failure(found)
    return found


def _caught(run: Callable[[], Any]) -> Any:
    try:
        return run()
    except Failure as wrong:
        return wrong


def judge(
    function: str, expected: Any, outcome: Any, rtol: float = RTOL, atol: float = ATOL
) -> str | None:
    wrong = _caught(lambda: outcome_value(function, expected, outcome, rtol, atol))
    return wrong.message if wrong is not None else None


def compare_calls(
    ctx: Context, function: str, calls: Sequence[Call], rtol: float = RTOL, atol: float = ATOL
) -> Failure | None:
    return _caught(lambda: ctx.compare(function, calls, rtol, atol))


def learner_values(ctx: Context, function: str, calls: Sequence[Call]) -> list[Any] | Failure:
    return _caught(lambda: ctx.values(function, calls))


def learner_scenario(ctx: Context, what: str, scenario: Callable[..., Any], *args: Any) -> Any:
    return _caught(lambda: ctx.run(what, scenario, *args))


def both(
    ctx: Context, what: str, scenario: Callable[..., Any], *args: Any
) -> tuple[Any, Any] | Failure:
    return _caught(lambda: ctx.both(what, scenario, *args))


def first_batched_problem(
    ctx: Context,
    what: str,
    many: Callable[..., Any],
    name: str,
    cases: Sequence[Any],
    judge: Callable[[Any, Any], str | None],
) -> str | Failure | None:
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
    return properties.scenario_check(
        id, title, uses, lambda ctx: _raising(judge(ctx)), counterexample, points
    )


def property_check(
    id: str,
    title: str,
    uses: Sequence[str],
    strategy: Any,
    body: Body,
    points: float = 1.0,
    describe: Callable[[Any], str] = repr,
) -> Check:
    return properties.property_check(
        id, title, uses, strategy, lambda ctx, x: _raising(body(ctx, x)), points, describe
    )


def cases_check(
    id: str,
    title: str,
    uses: Sequence[str],
    cases: Callable[[], Sequence[Any]],
    body: Body,
    points: float = 1.0,
    describe: Callable[[Any], str] = repr,
) -> Check:
    return properties.cases_check(
        id, title, uses, cases, lambda ctx, x: _raising(body(ctx, x)), points, describe
    )


def hidden_check(
    id: str,
    title: str,
    uses: Sequence[str],
    cases: Callable[[np.random.Generator], Sequence[Any]],
    body: Body,
    points: float = 1.0,
) -> Check:
    return properties.hidden_check(
        id, title, uses, cases, lambda ctx, x: _raising(body(ctx, x)), points
    )


@dataclass(frozen=True)
class Fn:
    """One learner function: a hypothesis strategy of calls and a hidden draw."""

    name: str
    inputs: Any
    hidden: Callable[[np.random.Generator], Call]
    special: tuple[Call, ...] = ()
    special_title: str = "special values"
    rtol: float = RTOL
    atol: float = ATOL
    hidden_cases: int = 8
    points: float = 1.0


class _Strategy:
    """An old row's inputs where the engine expects a domain."""

    def __init__(self, row: Fn) -> None:
        self.strategy, self.draw = row.inputs, row.hidden


def checks_for(row: Fn) -> list[Check]:
    from grader.engine.cases import Case

    special = tuple(Case(args, kwargs) for args, kwargs in row.special)
    return Row(
        row.name,
        _Strategy(row),
        special,
        row.special_title,
        row.rtol,
        row.atol,  # type: ignore[arg-type]
        row.hidden_cases,
        row.points,
    ).checks()


@dataclass(frozen=True)
class Mutant:
    """The reference with one classic mistake (a whole function), and how to recognise it."""

    misconception: str
    replaces: str
    implementation: Callable[..., Any]
    probe: Callable[[Subject], Any]
    explanation: str
    rtol: float = RTOL
    atol: float = ATOL


def mutant_source(base_source: str, mutant: Mutant | Patch) -> str:
    """`base_source` with the mutant's definition appended and bound to the replaced name
    (a patch of the solution: applied to it)."""
    if isinstance(mutant, Patch):
        return apply(base_source, mutant)
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
