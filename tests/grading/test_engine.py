"""The engine's pieces, in the grader process (no worker): domains, rows, cases, verdicts."""

from __future__ import annotations

import types

import numpy as np
import pytest

from grader.engine import (
    Case,
    Context,
    Group,
    ModuleSubject,
    Observe,
    Pick,
    Row,
    ScenarioRow,
    Wrong,
    calls,
    domain,
    observations,
    together,
)
from grader.engine.scenarios import batched


def module(**functions: object) -> ModuleSubject:
    made = types.ModuleType("subject")
    made.__dict__.update(functions)
    return ModuleSubject(made)


RIGHT = module(double=lambda z, k=2.0: k * z)
WRONG = module(double=lambda z, k=2.0: np.where(z > 15, z, k * z))


def run(m: types.ModuleType, z: np.ndarray) -> np.ndarray:
    """A scenario: runs the subject's `double` inside."""
    return m.double(z) + 1.0


def context(learner: ModuleSubject) -> Context:
    return Context("toy", learner, RIGHT, "secret", max_examples=20)


@domain
def double_call(pick: Pick):
    return (pick.array(pick.shape(max_dims=2)),), {"k": pick.choice([1.0, 2.0])}


def test_one_domain_gives_a_shrinking_strategy_and_a_hidden_draw() -> None:
    from hypothesis import find

    drawn = double_call.draw(np.random.default_rng(0))
    assert isinstance(drawn[0][0], np.ndarray) and drawn[1]["k"] in (1.0, 2.0)
    assert double_call.draw(np.random.default_rng(0))[0][0].tobytes() == drawn[0][0].tobytes()
    smallest = find(double_call.strategy, lambda call: call[0][0].size >= 3)
    assert smallest[0][0].shape in ((3,), (1, 3), (3, 1))  # shrunk to the least that fails
    assert double_call.map(lambda call: call[1]).draw(np.random.default_rng(0)) == drawn[1]


def test_a_row_generates_todays_three_checks_and_judges_both_sides() -> None:
    special = [Case((np.array([100.0]),), advice="big inputs double too")]
    checks = Row("double", double_call, special=special).checks()
    assert [c.id for c in checks] == [
        "double-matches-reference",
        "double-special-values",
        "double-hidden",
    ]
    assert all(c.run(context(RIGHT)).passed for c in checks)
    found = {c.id: c.run(context(WRONG)) for c in checks}
    assert not found["double-special-values"].passed
    assert found["double-special-values"].message.endswith("big inputs double too")
    assert found["double-special-values"].counterexample == "double(array([100.]))"
    hidden = found["double-hidden"]
    assert not hidden.passed and "100" not in hidden.message and hidden.counterexample is None


def test_each_group_of_a_row_is_a_check_of_its_own_with_its_advice() -> None:
    small = Group("small", "small inputs too", ((np.array([1.0]),), {}))
    big = Group(
        "big",
        "big inputs double too",
        ((np.array([1.0]),), {}),
        ((np.array([100.0]),), {"k": 2.0}),
        title="double on big inputs",
    )
    checks = Row("double", double_call, groups=[small, big]).checks()
    assert [c.id for c in checks][-2:] == ["double-small", "double-big"]
    assert checks[-1].title == "double on big inputs"
    assert all(c.run(context(RIGHT)).passed for c in checks[-2:])
    assert checks[-2].run(context(WRONG)).passed
    failed = checks[-1].run(context(WRONG))
    assert not failed.passed and failed.message.endswith("big inputs double too")
    assert failed.counterexample == "double(array([100.]), k=2)"


@pytest.mark.parametrize("batch", [False, True])
def test_a_scenario_row_keeps_the_ids_it_is_given(batch: bool) -> None:
    inputs = domain(lambda pick: (pick.array((3,), 100.0),))
    many = batched({"run": run}, "toy") if batch else None
    row = ScenarioRow(
        "run",
        "double",
        run,
        inputs,
        ids={"hidden": "run-secret"},
        hidden_cases=2,
        many=many,
    )
    checks = row.checks()
    assert [c.id for c in checks] == ["run", "run-secret"]
    assert [c.run(context(RIGHT)).passed for c in checks] == [True, True]
    assert [c.run(context(WRONG)).passed for c in checks] == [False, False]


@pytest.mark.parametrize("batch", [False, True])
def test_a_scenario_row_judge_may_see_the_drawn_input(batch: bool) -> None:
    seen: list[tuple[float, ...]] = []

    def judge(args: tuple[np.ndarray], expected: np.ndarray, received: np.ndarray) -> None:
        seen.append(tuple(args[0]))
        np.testing.assert_allclose(expected, 2 * args[0] + 1)
        if not np.allclose(received, expected):
            raise Wrong(f"{received} for {args[0]}")

    inputs = domain(lambda pick: (pick.array((3,), 100.0),))
    many = batched({"run": run}, "toy") if batch else None
    row = ScenarioRow("run", "double", run, inputs, judge, many=many, sees_input=True)
    assert [c.run(context(RIGHT)).passed for c in row.checks()] == [True, True]
    assert seen and all(len(args) == 3 for args in seen)
    assert [c.run(context(WRONG)).passed for c in row.checks()] == [False, False]


def test_an_observation_rule_says_its_advice_with_what_was_seen() -> None:
    seen = module(watch=lambda m: {"eval_mode": 2, "input": 5})
    rule = Observe(
        "train-mode",
        "fit",
        seen.module.watch,
        expect=lambda observed: observed["eval_mode"] == 0,
        advice="{eval_mode} of {input} passes ran in eval mode",
    )
    (check,) = observations([rule])
    verdict = check.run(Context("toy", seen, seen, "s"))
    assert not verdict.passed and verdict.message == "2 of 5 passes ran in eval mode"


def test_a_probe_of_probes_gives_each_value_in_order() -> None:
    z = np.array([1.0, 20.0])
    probe = together(calls("double", z), calls("double", z, k=1.0))
    assert [v.tolist() for v in probe(RIGHT)] == [[2.0, 40.0], [1.0, 20.0]]
    assert [v.tolist() for v in probe(WRONG)] == [[2.0, 20.0], [1.0, 20.0]]


def test_wrong_carries_text_only() -> None:
    with pytest.raises(TypeError, match=r"Wrong\.message"):
        Wrong(None)  # type: ignore[arg-type]


def test_batched_scenarios_run_many_cases_in_one_call() -> None:
    many = batched({"run": lambda m, z: z + 1}, "somewhere")
    assert many.__module__ == "somewhere" and many(None, "run", [[1], [2]]) == [2, 3]


def test_a_scenario_module_imports_nothing_of_the_grader_but_batched() -> None:
    """The worker imports `grader.exercises.NAME.scenarios` by name: through the engine's
    package it must reach neither hypothesis nor the rest of the grader (nor torch)."""
    import subprocess
    import sys

    code = (
        "import sys, grader.exercises, grader.engine.scenarios; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('grader', 'hypothesis', 'torch')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [
        "['grader',",
        "'grader.engine',",
        "'grader.engine.scenarios',",
        "'grader.exercises']",
    ]
