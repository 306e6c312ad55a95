"""`gradient_descent`: updates per epoch, mini-batches, the MSE gradient, the fit.

`minibatches` and `fit_linear_regression` take a generator, which cannot
cross to the worker: the scenarios (`scenarios.py`) build
``np.random.default_rng(seed)`` on each side, so learner and reference draw
the same numbers exactly when they consume the generator the same way (one
``rng.permutation(n)`` per epoch).

- ``minibatches-partition``: every epoch is a partition of ``range(n)`` into
  consecutive batches of ``batch_size``, the last one kept even if shorter;
- ``minibatches-reshuffles-each-epoch``: with one generator over several
  epochs the order changes every epoch, exactly as ``rng.permutation`` does;
- ``fit-loss-history``: a visible mini-batch fit whose loss per epoch is
  plotted against the reference's; then random and hidden fits;
- a row for each pure function.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.engine import (
    Call,
    Case,
    Context,
    Pick,
    Row,
    ScenarioRow,
    Subject,
    Verdict,
    Wrong,
    calls,
    describe_type,
    difference,
    domain,
    exercise,
    finite_floats,
    scenario_check,
    show,
    together,
)
from grader.exercises.gradient_descent.scenarios import epochs_of_batches, fit, many
from grader.result import Series

FIT_RTOL, FIT_ATOL = 1e-6, 1e-9


# -- domains: one declaration each, for the random and the hidden inputs ----------------


@domain
def updates_call(pick: Pick) -> Call:
    return (pick.integers(1, 100), None if pick.boolean() else pick.integers(1, 120)), {}


@domain
def linreg_call(pick: Pick) -> Call:
    n, d, scale = pick.integers(1, 6), pick.integers(1, 4), pick.choice([1.0, 10.0])
    w, b = pick.array((d,), scale), pick.choice([0.0, -1.5, 3.0])
    return (w, b, pick.array((n, d), scale), pick.array((n,), scale)), {}


def design(n: int, d: int, seed: int, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A full-rank ``X (n, d)`` (shifted, so the bias matters) and a noisy linear ``y``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0.5, scale, size=(n, d))
    y = X @ rng.normal(size=d) + rng.normal() + 0.1 * rng.normal(size=n)
    return X, y


@domain
def normal_equation_call(pick: Pick) -> Call:
    d = pick.integers(1, 4)
    return design(d + pick.integers(1, 6), d, pick.seed(), pick.choice([1.0, 10.0])), {}


@domain
def partition_run(pick: Pick) -> tuple[Any, ...]:
    """minibatches(n, batch_size, rng or None), one epoch."""
    return pick.integers(1, 40), pick.integers(1, 45), None if pick.boolean() else pick.seed(), 1


@domain
def epochs_run(pick: Pick) -> tuple[Any, ...]:
    """minibatches(n, batch_size, rng) three times with one generator: three epochs."""
    return pick.integers(8, 30), pick.integers(1, 12), pick.seed(), 3


@domain
def fit_run(pick: Pick) -> tuple[Any, ...]:
    """fit_linear_regression(X, y, lr, epochs, batch_size, seed) on a random design; mostly
    mini-batches and a generator, where the classic mistakes show."""
    n, d = pick.integers(2, 12), pick.integers(1, 3)
    X, y = design(n, d, pick.seed())
    lr, epochs = pick.choice([0.01, 0.05, 0.1]), pick.integers(1, 5)
    batch_size = None if pick.integers(0, 3) == 0 else pick.integers(1, n)
    return X, y, lr, epochs, batch_size, None if pick.integers(0, 2) == 0 else pick.seed()


# -- minibatches ----------------------------------------------------------------------------


def describe_epochs(run: tuple[Any, ...]) -> str:
    n, batch_size, seed, epochs = run
    rng = "None" if seed is None else f"np.random.default_rng({seed})"
    if epochs == 1:
        return f"minibatches({n}, {batch_size}, {rng})"
    return (
        f"rng = {rng}; minibatches({n}, {batch_size}, rng) called {epochs} times ({epochs} epochs)"
    )


def partition_problem(batches: Any, n: int, batch_size: int, call: str) -> None:
    """Raise Wrong with what is wrong with one epoch of batches as a partition of range(n)."""
    if not isinstance(batches, (list, tuple)):
        raise Wrong(
            f"{call} should return a list of index arrays, received {describe_type(batches)}"
        )
    for i, batch in enumerate(batches):
        if not isinstance(batch, np.ndarray) or batch.ndim != 1:
            raise Wrong(
                f"{call}: batch {i} should be a 1-d array of indices, received {describe_type(batch)}"
            )
        if batch.dtype.kind not in "iu":
            raise Wrong(
                f"{call}: batch {i} has dtype {batch.dtype}; indices must be integers "
                "(X[batch] needs an integer array)"
            )
    wanted, sizes = math.ceil(n / batch_size), [len(b) for b in batches]
    if len(batches) != wanted:
        lost = " (the last, shorter batch is missing?)" if len(batches) == n // batch_size else ""
        raise Wrong(
            f"{call} returned {len(batches)} batches; expected ceil({n} / {batch_size}) = "
            f"{wanted}{lost}. Batch sizes received: {sizes}"
        )
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes != expected:
        raise Wrong(
            f"{call}: batch sizes {sizes}, expected {expected}: consecutive slices of "
            "batch_size, only the last one shorter"
        )
    order = np.concatenate(batches) if batches else np.array([], dtype=int)
    if sorted(order.tolist()) != list(range(n)):
        raise Wrong(
            f"{call}: the batches do not contain every index 0..{n - 1} exactly once "
            f"(received order {show(order)})"
        )


def judge_partition(run: tuple[Any, ...], expected: Any, received: Any) -> None:
    n, batch_size, seed, _ = run
    call = f"minibatches({n}, {batch_size}{', rng' if seed is not None else ''})"
    partition_problem(received[0], n, batch_size, call)
    if seed is None and np.concatenate(received[0]).tolist() != list(range(n)):
        raise Wrong(f"{call}: without a generator the order must be arange({n}), unshuffled")


def judge_reshuffle(run: tuple[Any, ...], expected: Any, received: Any) -> None:
    n, batch_size, _, _ = run
    call = f"minibatches({n}, {batch_size}, rng)"
    for batches in received:
        partition_problem(batches, n, batch_size, call)
    orders = [np.concatenate(batches).tolist() for batches in received]
    if orders[0] == list(range(n)):
        raise Wrong(f"{call} did not shuffle: with a generator, take order = rng.permutation({n})")
    if orders[0] == orders[1] or orders[1] == orders[2]:
        raise Wrong(
            f"{call} gave the same order in two consecutive epochs (one generator, called once "
            f"per epoch): draw a new rng.permutation({n}) on every call, not once for all epochs"
        )
    for e, (want, got) in enumerate(zip(expected, orders, strict=True)):
        if np.concatenate(want).tolist() != got:
            raise Wrong(
                f"{call}: in epoch {e + 1} the order is not the one rng.permutation({n}) gives "
                f"(expected {show(np.concatenate(want))}, received {show(np.array(got))}). Call "
                "rng.permutation(n_samples) exactly once per call and nothing else on rng"
            )


MINIBATCHES = [
    ScenarioRow(
        "minibatches-partition",
        "minibatches",
        epochs_of_batches,
        partition_run,
        judge_partition,
        hidden_cases=0,
        describe=describe_epochs,
        sees_input=True,
    ),
    ScenarioRow(
        "minibatches-reshuffles-each-epoch",
        "minibatches",
        epochs_of_batches,
        epochs_run,
        judge_reshuffle,
        hidden_cases=6,
        describe=describe_epochs,
        ids={"hidden": "minibatches-hidden"},
        many=many,
        sees_input=True,
    ),
]


# -- fit_linear_regression ------------------------------------------------------------------


def judge_fit(expected: dict[str, Any], received: Any) -> None:
    """What differs between two `fit` scenario results; the loss history first, since its
    first wrong epoch says when the learner's descent leaves the reference's."""
    value = received["value"]
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise Wrong(
            f"fit_linear_regression should return (w, b, history), received {describe_type(value)}"
        )
    (w, b, history), got = expected["value"], list(value)
    if isinstance(got[2], np.ndarray) and got[2].ndim == 1:
        got[2] = list(got[2])  # an array of losses is as good as a list
    if isinstance(got[2], (list, tuple)) and len(got[2]) == len(history):
        for e, (want, loss) in enumerate(zip(history, got[2], strict=True)):
            found = difference(want, loss, FIT_RTOL, FIT_ATOL)
            if found:
                raise Wrong(f"history[{e}], the full-data MSE after epoch {e + 1}: {found}")
    for label, want, have in (("history", history, got[2]), ("w", w, got[0]), ("b", b, got[1])):
        found = difference(want, have, FIT_RTOL, FIT_ATOL)
        if found:
            raise Wrong(f"{label}: {found}")
    if received["mutated"]:
        raise Wrong(f"fit_linear_regression modified its input {', '.join(received['mutated'])}")


def history_of(result: Any) -> list[float]:
    """The loss history of a `fit` scenario result, for a plot ([] if there is none)."""
    value = result.get("value") if isinstance(result, dict) else None
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        return []
    return finite_floats(value[2]) if isinstance(value[2], (list, tuple, np.ndarray)) else []


def describe_fit(run: tuple[Any, ...]) -> str:
    X, _, lr, epochs, batch_size, seed = run
    rng = "None" if seed is None else f"np.random.default_rng({seed})"
    return (
        f"fit_linear_regression(X, y, lr={lr}, epochs={epochs}, batch_size={batch_size}, "
        f"rng={rng}) with X of shape {X.shape}"
    )


FIT_USES = ("fit_linear_regression", "minibatches")
"""The fit iterates the learner's own minibatches, so a shuffling mistake there shows in it too."""
VISIBLE_FIT = (*design(24, 3, 11), 0.05, 12, 5, 3)
"""X (24, 3), y, lr 0.05, 12 epochs, batch_size 5 (the last batch has 4), rng seed 3."""


def fit_visible(ctx: Context) -> Verdict:
    """The visible fit, its loss per epoch plotted against the reference's."""
    expected = ctx.reference.scenario(fit, *VISIBLE_FIT)
    received: Any = None
    try:
        received = ctx.run("fit_linear_regression", fit, *VISIBLE_FIT)
        judge_fit(expected, received)
    except Wrong as wrong:
        wrong.series = [Series(PLOT, history_of(received), history_of(expected))]
        raise
    return Verdict(True, series=[Series(PLOT, history_of(received), history_of(expected))])


PLOT = "MSE on the full data after each epoch"
FIT = [
    scenario_check(
        "fit-loss-history",
        FIT_USES,
        fit_visible,
        counterexample=describe_fit(VISIBLE_FIT) + ": 5 batches per epoch, the last of 4",
    ),
    ScenarioRow(
        "fit-matches-reference",
        "fit_linear_regression",
        fit,
        fit_run,
        judge=judge_fit,
        hidden_cases=8,
        ids={"hidden": "fit-hidden"},
        uses=FIT_USES,
        describe=describe_fit,
        many=many,
    ),
]


# -- probes: where each family's mistakes show --------------------------------------------

PROBE_X, PROBE_Y = design(9, 2, 5)


def fit_probe(batch_size: int | None, seed: int | None) -> Any:
    def probe(subject: Subject) -> Any:
        run = subject.scenario(
            fit, PROBE_X, PROBE_Y, 0.05, 3, batch_size, seed, about="fit_linear_regression"
        )
        return run["value"]

    return probe


def epochs_probe(n: int, batch_size: int, seed: int | None, epochs: int) -> Any:
    return lambda subject: subject.scenario(
        epochs_of_batches, n, batch_size, seed, epochs, about="minibatches"
    )


LINREG = calls("linreg_grad", np.array([0.5, -1.0]), 1.5, PROBE_X[:3], PROBE_Y[:3])

EXERCISE = exercise(
    title="Batch, stochastic and mini-batch gradient descent",
    checks=[
        Row(
            "updates_per_epoch",
            updates_call,
            special=[
                Case((10, 3), advice="The last batch of 1 is an update too: ceil(10 / 3) = 4."),
                Case((9, 3)),
                Case((1, 1)),
                Case((5, None), advice="None means full batch: one update."),
                Case((7, 8), advice="A batch larger than the data is one (short) batch."),
                Case((100, 7)),
            ],
        ),
        *MINIBATCHES,
        Row("linreg_grad", linreg_call),
        *FIT,
        Row("normal_equation", normal_equation_call, atol=1e-8),
    ],
    probes={
        "updates-floor-not-ceil": together(
            calls("updates_per_epoch", 10, 3), epochs_probe(10, 3, None, 1)
        ),
        "shuffle-once": together(epochs_probe(9, 4, 0, 2), fit_probe(2, 0)),
        "gd-step-uses-stale-params": fit_probe(2, None),
        "mse-grad-missing-2": LINREG,
        "loss-sum-not-mean": together(LINREG, fit_probe(2, None)),
        "neuron-bias-ignored": together(LINREG, calls("normal_equation", PROBE_X, PROBE_Y)),
    },
)
