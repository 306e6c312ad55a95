"""Rows: one per target function or scenario, each generating its checks
(minitorch's `testing.py`, MyGrad's `uber.py`).

`Row(name, calls)` gives `{name}-matches-reference` (hypothesis, over lists of
up to BATCH calls, one round trip each), `{name}-special-values` (if it has
special cases), `{name}-hidden` (cases drawn from the secret's generator) and
one `{name}-{id}` check per `Group` of hand-picked calls.
`ScenarioRow` does the same for a scenario that builds objects in the worker:
it runs `scenario(module, *inputs)` on both sides and `judge`s the pair.
The generated titles say what the checks compare; `[titles]` in hints.toml
replaces them (and titles each `Group`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from grader.engine.cases import Case, Group, advised
from grader.engine.compare import ATOL, RTOL, agree
from grader.engine.domains import Domain
from grader.engine.properties import BATCH, cases_check, hidden_check, property_check
from grader.engine.subjects import Call, Context, describe_call
from grader.engine.verdicts import Check, Wrong


@dataclass(frozen=True)
class Row:
    """One learner function, its input domain (of `(args, kwargs)` calls), special cases
    and groups of hand-picked calls."""

    name: str
    calls: Domain[Call]
    special: Sequence[Case] = ()
    rtol: float = RTOL
    atol: float = ATOL
    hidden_cases: int = 8
    points: float = 1.0
    groups: Sequence[Group] = ()

    def checks(self) -> list[Check]:
        from hypothesis import strategies as st

        name = self.name

        def body(ctx: Context, calls: Sequence[Call]) -> None:
            ctx.compare(name, calls, self.rtol, self.atol)

        def describe(calls: Sequence[Call]) -> str:
            return describe_call(name, *calls[0])

        def special(ctx: Context, cases: Sequence[Case]) -> None:
            try:
                body(ctx, [case.call for case in cases])
            except Wrong as wrong:
                raise advised(wrong, name, cases) from None

        def fixed(id: str, cases: Sequence[Case], title: str) -> Check:
            """One visible check of all `cases` at once, named by the first."""
            return cases_check(
                id,
                [name],
                lambda: [cases],
                special,
                self.points,
                lambda cases: cases[0].describe(name),
                title=title,
            )

        checks = [
            property_check(
                f"{name}-matches-reference",
                [name],
                st.lists(self.calls.strategy, min_size=1, max_size=BATCH),
                body,
                self.points,
                describe,
                title=f"{name} agrees with the reference on random inputs",
            )
        ]
        if self.special:
            special_title = f"{name} is right on special values"
            checks.append(fixed(f"{name}-special-values", tuple(self.special), special_title))
        checks.append(
            hidden_check(
                f"{name}-hidden",
                [name],
                lambda rng: [self.calls.draw(rng) for _ in range(self.hidden_cases)],
                body,
                self.points,
                title=f"{name} agrees with the reference on hidden inputs",
            )
        )
        checks += [fixed(f"{name}-{g.id}", g.cases, g.title) for g in self.groups]
        return checks


@dataclass(frozen=True)
class ScenarioRow:
    """A scenario of `scenarios.py` run on both sides for inputs drawn from `inputs`
    (tuples of the scenario's arguments), judged by `judge(expected, received)`, which
    raises `Wrong` (default: the values agree within tolerance).

    `ids` override the generated ones, by kind: "property", "special", "hidden".
    `many`: the `batched(...)` function of scenarios.py that holds `scenario` under its name:
    the hidden cases then take one round trip per side instead of one each.
    `sees_input`: the judge is `judge(inputs, expected, received)`, for verdicts (and
    messages) that depend on what was drawn.
    """

    id: str
    what: str
    scenario: Callable[..., Any]
    inputs: Domain[tuple[Any, ...]]
    judge: Callable[..., None] | None = None
    special: Sequence[Case] = ()
    hidden_cases: int = 4
    points: float = 1.0
    describe: Callable[[Any], str] = repr
    ids: dict[str, str] = field(default_factory=dict)
    uses: Sequence[str] = ()
    many: Callable[..., Any] | None = None
    sees_input: bool = False

    def checks(self) -> list[Check]:
        given = self.judge or agree

        def judge(args: Sequence[Any], expected: Any, received: Any) -> None:
            if self.sees_input:
                given(args, expected, received)
            else:
                given(expected, received)

        uses = list(self.uses or [self.what])
        title = f"{self.what} behaves as the reference's"

        def one(ctx: Context, args: Sequence[Any]) -> None:
            judge(args, *ctx.both(self.what, self.scenario, *args))

        def every(ctx: Context, drawn: Sequence[Sequence[Any]]) -> None:
            if self.many is None:
                for args in drawn:
                    one(ctx, args)
                return
            cases = [list(args) for args in drawn]
            expected, received = ctx.both(self.what, self.many, self.scenario.__name__, cases)
            for args, *pair in zip(drawn, expected, received, strict=True):
                judge(args, *pair)

        def special(ctx: Context, case: Case) -> None:
            try:
                one(ctx, case.args)
            except Wrong as wrong:
                if case.advice:
                    wrong.message = f"{wrong.message}\n{case.advice}"
                raise

        checks = [
            property_check(
                self.ids.get("property", self.id),
                uses,
                self.inputs.strategy,
                one,
                self.points,
                self.describe,
                title=title,
            )
        ]
        if self.special:
            checks.append(
                cases_check(
                    self.ids.get("special", f"{self.id}-special-values"),
                    uses,
                    lambda: list(self.special),
                    special,
                    self.points,
                    lambda case: case.label or self.describe(case.args),
                    title=f"{title}, on special values",
                )
            )
        if self.hidden_cases:
            checks.append(
                hidden_check(
                    self.ids.get("hidden", f"{self.id}-hidden"),
                    uses,
                    lambda rng: [self.inputs.draw(rng) for _ in range(self.hidden_cases)],
                    every,
                    self.points,
                    title=f"{title}, on hidden inputs",
                )
            )
        return checks


def checks_of(item: Check | Row | ScenarioRow | Sequence[Check]) -> list[Check]:
    """The checks one entry of a declaration stands for."""
    if isinstance(item, Check):
        return [item]
    if isinstance(item, Row | ScenarioRow):
        return item.checks()
    return list(item)
