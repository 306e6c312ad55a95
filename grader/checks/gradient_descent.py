"""Checks for `gradient_descent`: updates per epoch, mini-batches, the MSE gradient, the fit.

`minibatches` and `fit_linear_regression` take a generator, which cannot
cross to the worker: the scenarios of `grader.scenarios.gradient_descent`
build ``np.random.default_rng(seed)`` on each side, so learner and reference
draw the same numbers exactly when they consume the generator the same way
(one ``rng.permutation(n)`` per epoch).

- ``minibatches-partition``: every epoch is a partition of ``range(n)`` into
  consecutive batches of ``batch_size``, the last one kept even if shorter;
- ``minibatches-reshuffles-each-epoch``: with one generator over several
  epochs the order changes every epoch, exactly as ``rng.permutation`` does;
- ``fit-loss-history``: a visible mini-batch fit whose loss per epoch is
  plotted against the reference's; then random and hidden fits;
- table rows (`Fn`) for the pure functions.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader.checks.base import (
    Call,
    Check,
    Context,
    Exercise,
    Failure,
    Fn,
    Mutant,
    Subject,
    Verdict,
    both,
    calls,
    checks_for,
    first_batched_problem,
    hidden_check,
    learner_scenario,
    property_check,
    scenario_on,
)
from grader.checks.compare import describe_type, difference, show
from grader.checks.strategies import (
    STYLES,
    fill,
    finite_floats,
    seed_or_none,
    seeds,
)
from grader.result import Series
from grader.scenarios.gradient_descent import epochs_of_batches, fit, many

FIT_RTOL, FIT_ATOL = 1e-6, 1e-9


# -- pure functions: the table ----------------------------------------------------------


def _updates_hidden(rng: np.random.Generator) -> tuple[tuple[int, int | None], dict[str, Any]]:
    n = int(rng.integers(1, 2000))
    batch = None if rng.random() < 0.15 else int(rng.integers(1, 300))
    return (n, batch), {}


def _linreg_call(n: int, d: int, seed: int, scale: float, style: str, b: float) -> Call:
    return (
        fill((d,), seed, scale, style),
        b,
        fill((n, d), seed + 1, scale, style),
        fill((n,), seed + 2, scale, style),
    ), {}


def _linreg_inputs() -> Any:
    return st.builds(
        _linreg_call,
        st.integers(1, 6),
        st.integers(1, 4),
        st.integers(0, 2**31),
        st.sampled_from([1.0, 10.0]),
        st.sampled_from(STYLES),
        st.sampled_from([0.0, -1.5, 3.0]),
    )


def _linreg_hidden(rng: np.random.Generator) -> tuple[tuple[Any, ...], dict[str, Any]]:
    n, d = int(rng.integers(1, 30)), int(rng.integers(1, 6))
    return (
        rng.normal(size=d),
        float(rng.normal()),
        rng.normal(0.0, 3.0, size=(n, d)),
        rng.normal(0.0, 3.0, size=n),
    ), {}


def design(n: int, d: int, seed: int, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A full-rank ``X (n, d)`` (shifted, so the bias matters) and a noisy linear ``y``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0.5, scale, size=(n, d))
    y = X @ rng.normal(size=d) + rng.normal() + 0.1 * rng.normal(size=n)
    return X, y


def _normal_equation_inputs() -> Any:
    return st.builds(
        lambda d, extra, seed, scale: (design(d + extra, d, seed, scale), {}),
        st.integers(1, 4),
        st.integers(1, 6),
        seeds(),
        st.sampled_from([1.0, 10.0]),
    )


def _normal_equation_hidden(rng: np.random.Generator) -> tuple[tuple[Any, ...], dict[str, Any]]:
    d = int(rng.integers(1, 6))
    return design(d + int(rng.integers(1, 20)), d, int(rng.integers(2**32))), {}


TABLE = [
    Fn(
        "updates_per_epoch",
        st.tuples(
            st.tuples(st.integers(1, 100), st.one_of(st.none(), st.integers(1, 120))),
            st.just({}),
        ),
        _updates_hidden,
        special=(
            ((10, 3), {}),
            ((9, 3), {}),
            ((1, 1), {}),
            ((5, None), {}),
            ((7, 8), {}),
            ((100, 7), {}),
        ),
        special_title="a last, shorter batch and full-batch (None)",
    ),
    Fn("linreg_grad", _linreg_inputs(), _linreg_hidden),
    Fn("normal_equation", _normal_equation_inputs(), _normal_equation_hidden, atol=1e-8),
]


# -- minibatches --------------------------------------------------------------------------


def partition_problem(batches: Any, n: int, batch_size: int, call: str) -> str | None:
    """What is wrong with one epoch of batches as a partition of range(n) (None if nothing)."""
    if not isinstance(batches, (list, tuple)):
        return f"{call} should return a list of index arrays, received {describe_type(batches)}"
    wanted = math.ceil(n / batch_size)
    for i, batch in enumerate(batches):
        if not isinstance(batch, np.ndarray) or batch.ndim != 1:
            return f"{call}: batch {i} should be a 1-d array of indices, received {describe_type(batch)}"
        if batch.dtype.kind not in "iu":
            return (
                f"{call}: batch {i} has dtype {batch.dtype}; indices must be integers "
                "(X[batch] needs an integer array)"
            )
    sizes = [len(b) for b in batches]
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if len(batches) != wanted:
        lost = " (the last, shorter batch is missing?)" if len(batches) == n // batch_size else ""
        return (
            f"{call} returned {len(batches)} batches; expected ceil({n} / {batch_size}) = "
            f"{wanted}{lost}. Batch sizes received: {sizes}"
        )
    if sizes != expected_sizes:
        return (
            f"{call}: batch sizes {sizes}, expected {expected_sizes}: consecutive slices of "
            f"batch_size, only the last one shorter"
        )
    order = np.concatenate(batches) if batches else np.array([], dtype=int)
    if sorted(order.tolist()) != list(range(n)):
        return (
            f"{call}: the batches do not contain every index 0..{n - 1} exactly once "
            f"(received order {show(order)})"
        )
    return None


def _partition_body(ctx: Context, example: tuple[int, int, int | None]) -> str | None:
    n, batch_size, seed = example
    call = f"minibatches({n}, {batch_size}{', rng' if seed is not None else ''})"
    epochs = learner_scenario(ctx, "minibatches", epochs_of_batches, n, batch_size, seed, 1)
    if isinstance(epochs, Failure):
        return epochs
    found = partition_problem(epochs[0], n, batch_size, call)
    if found:
        return found
    if seed is None and np.concatenate(epochs[0]).tolist() != list(range(n)):
        return f"{call}: without a generator the order must be arange({n}), unshuffled"
    return None


def _reshuffle_body(ctx: Context, example: tuple[int, int, int]) -> str | None:
    n, batch_size, seed = example
    call = f"minibatches({n}, {batch_size}, rng)"
    epochs = learner_scenario(ctx, "minibatches", epochs_of_batches, n, batch_size, seed, 3)
    if isinstance(epochs, Failure):
        return epochs
    for batches in epochs:
        found = partition_problem(batches, n, batch_size, call)
        if found:
            return found
    orders = [np.concatenate(batches).tolist() for batches in epochs]
    if orders[0] == list(range(n)):
        return f"{call} did not shuffle: with a generator, take order = rng.permutation({n})"
    if orders[0] == orders[1] or orders[1] == orders[2]:
        return (
            f"{call} gave the same order in two consecutive epochs (one generator, called once "
            f"per epoch): draw a new rng.permutation({n}) on every call, not once for all epochs"
        )
    expected = ctx.reference.scenario(epochs_of_batches, n, batch_size, seed, 3)
    for e, (want, got) in enumerate(zip(expected, orders, strict=True)):
        if np.concatenate(want).tolist() != got:
            return (
                f"{call}: in epoch {e + 1} the order is not the one rng.permutation({n}) gives "
                f"(expected {show(np.concatenate(want))}, received {show(np.array(got))}). Call "
                "rng.permutation(n_samples) exactly once per call and nothing else on rng"
            )
    return None


def _minibatch_cases(rng: np.random.Generator) -> list[list[Any]]:
    cases = []
    for _ in range(6):
        n = int(rng.integers(1, 60))
        batch_size = int(rng.integers(1, n + 5))
        seed = None if rng.random() < 0.3 else int(rng.integers(2**32))
        cases.append([n, batch_size, seed, 3])
    return cases


def _minibatch_hidden_body(ctx: Context, cases: list[list[Any]]) -> Failure | str | None:
    runs = both(ctx, "minibatches", many, "epochs_of_batches", cases)
    if isinstance(runs, Failure):
        return runs
    expected, received = runs
    for want, got in zip(expected, received, strict=True):
        if not isinstance(got, list) or len(got) != len(want):
            return difference(want, got)
        for e, (batches, received_batches) in enumerate(zip(want, got, strict=True)):
            found = difference(batches, received_batches, where=f"epoch {e + 1}, batches")
            if found:
                return found
    return None


MINIBATCH_CHECKS = [
    property_check(
        "minibatches-partition",
        "minibatches cuts range(n) into consecutive batches, keeping the last, shorter one",
        ["minibatches"],
        st.tuples(st.integers(1, 40), st.integers(1, 45), seed_or_none()),
        _partition_body,
        describe=lambda e: (
            f"minibatches({e[0]}, {e[1]}, "
            + ("None" if e[2] is None else f"np.random.default_rng({e[2]})")
            + ")"
        ),
    ),
    property_check(
        "minibatches-reshuffles-each-epoch",
        "minibatches draws a new permutation from the generator at every epoch",
        ["minibatches"],
        st.tuples(st.integers(8, 30), st.integers(1, 12), seeds()),
        _reshuffle_body,
        describe=lambda e: (
            f"rng = np.random.default_rng({e[2]}); minibatches({e[0]}, {e[1]}, rng) "
            "called three times (three epochs)"
        ),
    ),
    hidden_check(
        "minibatches-hidden",
        "minibatches agrees with the reference on hidden sizes and seeds",
        ["minibatches"],
        _minibatch_cases,
        _minibatch_hidden_body,
    ),
]


# -- fit_linear_regression ----------------------------------------------------------------


def fit_problem(expected: dict[str, Any], received: Any) -> str | None:
    """What differs between two `fit` scenario results (None if nothing).

    The loss history comes first: its first wrong epoch says when the
    learner's descent leaves the reference's.
    """
    if isinstance(received, Failure):
        return received.message
    value = received["value"]
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        return (
            f"fit_linear_regression should return (w, b, history), received {describe_type(value)}"
        )
    (w, b, history), got = expected["value"], list(value)
    if isinstance(got[2], np.ndarray) and got[2].ndim == 1:
        got[2] = list(got[2])  # an array of losses is as good as a list
    if isinstance(got[2], (list, tuple)) and len(got[2]) == len(history):
        for e, (want, loss) in enumerate(zip(history, got[2], strict=True)):
            found = difference(want, loss, FIT_RTOL, FIT_ATOL)
            if found:
                return f"history[{e}], the full-data MSE after epoch {e + 1}: {found}"
    for label, want, have in (("history", history, got[2]), ("w", w, got[0]), ("b", b, got[1])):
        found = difference(want, have, FIT_RTOL, FIT_ATOL)
        if found:
            return f"{label}: {found}"
    if received["mutated"]:
        return f"fit_linear_regression modified its input {', '.join(received['mutated'])}"
    return None


def history_of(result: Any) -> list[float]:
    """The loss history of a `fit` scenario result, for a plot ([] if there is none)."""
    if isinstance(result, Failure):
        return []
    value = result.get("value")
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        return []
    return finite_floats(value[2]) if isinstance(value[2], (list, tuple, np.ndarray)) else []


FIT_USES = ("fit_linear_regression", "minibatches")
"""The fit iterates the learner's own minibatches, so a shuffling mistake there shows in it too."""

VISIBLE_FIT = (*design(24, 3, 11), 0.05, 12, 5, 3)
"""X (24, 3), y, lr 0.05, 12 epochs, batch_size 5 (the last batch has 4), rng seed 3."""


def _fit_visible(ctx: Context) -> Verdict:
    expected = ctx.reference.scenario(fit, *VISIBLE_FIT)
    received = learner_scenario(ctx, "fit_linear_regression", fit, *VISIBLE_FIT)
    series = [
        Series("MSE on the full data after each epoch", history_of(received), history_of(expected))
    ]
    where = (
        "fit_linear_regression(X, y, lr=0.05, epochs=12, batch_size=5, "
        "rng=np.random.default_rng(3)) with X of shape (24, 3): 5 batches per epoch, "
        "the last of 4"
    )
    found = fit_problem(expected, received)
    if found:
        return Verdict(False, found, where, series)
    return Verdict(True, series=series)


FIT_VISIBLE_CHECK = Check(
    "fit-loss-history",
    "property",
    "mini-batch gradient descent gives the reference's weights and loss history",
    FIT_USES,
    _fit_visible,
)


def _fit_example() -> Any:
    def build(
        n: int, d: int, data_seed: int, lr: float, epochs: int, batch: int | None, seed: int | None
    ) -> tuple[Any, ...]:
        return (n, d, data_seed, lr, epochs, None if batch is None else min(batch, n), seed)

    return st.builds(
        build,
        st.integers(2, 12),
        st.integers(1, 3),
        seeds(),
        st.sampled_from([0.01, 0.05, 0.1]),
        st.integers(1, 5),
        st.one_of(st.integers(1, 12), st.none()),
        st.one_of(seeds(), st.none()),
    )


def _fit_args(example: tuple[Any, ...]) -> tuple[Any, ...]:
    n, d, data_seed, lr, epochs, batch_size, seed = example
    return (*design(n, d, data_seed), lr, epochs, batch_size, seed)


def _fit_body(ctx: Context, example: tuple[Any, ...]) -> str | None:
    args = _fit_args(example)
    return fit_problem(
        ctx.reference.scenario(fit, *args),
        learner_scenario(ctx, "fit_linear_regression", fit, *args),
    )


def _describe_fit(example: tuple[Any, ...]) -> str:
    n, d, _, lr, epochs, batch_size, seed = example
    rng = "None" if seed is None else f"np.random.default_rng({seed})"
    return (
        f"fit_linear_regression(X, y, lr={lr}, epochs={epochs}, batch_size={batch_size}, "
        f"rng={rng}) with X of shape ({n}, {d})"
    )


def _fit_hidden_cases(rng: np.random.Generator) -> list[list[Any]]:
    cases = []
    for i in range(4):
        n, d = int(rng.integers(5, 40)), int(rng.integers(1, 5))
        batch_size = None if i == 0 else int(rng.integers(1, n))
        seed = None if i == 1 else int(rng.integers(2**32))
        X, y = design(n, d, int(rng.integers(2**32)))
        cases.append(
            [X, y, float(rng.choice([0.01, 0.03, 0.05])), int(rng.integers(2, 8)), batch_size, seed]
        )
    return cases


def _fit_hidden_body(ctx: Context, cases: list[list[Any]]) -> str | None:
    return first_batched_problem(ctx, "fit_linear_regression", many, "fit", cases, fit_problem)


FIT_CHECKS = [
    FIT_VISIBLE_CHECK,
    property_check(
        "fit-matches-reference",
        "fit_linear_regression agrees with the reference on random data, batch sizes and seeds",
        FIT_USES,
        _fit_example(),
        _fit_body,
        describe=_describe_fit,
    ),
    hidden_check(
        "fit-hidden",
        "fit_linear_regression agrees with the reference on hidden data",
        FIT_USES,
        _fit_hidden_cases,
        _fit_hidden_body,
    ),
]


# -- mutants: each is how a learner might get one function wrong --------------------------


def updates_per_epoch_floor(n_samples, batch_size):
    if batch_size is None:
        return 1
    return n_samples // batch_size


def minibatches_never_shuffled(n_samples, batch_size, rng=None):
    order = np.arange(n_samples)
    return [order[start : start + batch_size] for start in range(0, n_samples, batch_size)]


def fit_shuffled_once(X, y, lr, epochs, batch_size=None, rng=None):
    n, d = X.shape
    w = np.zeros(d)
    b = 0.0
    history = []
    batches = minibatches(n, batch_size or n, rng)  # noqa: F821 - the learner's own function
    for _ in range(epochs):
        for batch in batches:
            dw, db = linreg_grad(w, b, X[batch], y[batch])  # noqa: F821
            w = w - lr * dw
            b = b - lr * db
        history.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, b, history


def fit_stale_gradient(X, y, lr, epochs, batch_size=None, rng=None):
    n, d = X.shape
    w = np.zeros(d)
    b = 0.0
    history = []
    for _ in range(epochs):
        w_epoch, b_epoch = w, b
        for batch in minibatches(n, batch_size or n, rng):  # noqa: F821
            dw, db = linreg_grad(w_epoch, b_epoch, X[batch], y[batch])  # noqa: F821
            w = w - lr * dw
            b = b - lr * db
        history.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, b, history


PROBE_DATA = design(9, 2, 5)


def fit_probe(batch_size: int, seed: int | None) -> Any:
    def probe(subject: Subject) -> Any:
        run = scenario_on(
            subject, "fit_linear_regression", fit, *PROBE_DATA, 0.05, 3, batch_size, seed
        )
        return run["value"]

    return probe


MUTANTS = (
    Mutant(
        "updates-floor-not-ceil",
        "updates_per_epoch",
        updates_per_epoch_floor,
        calls("updates_per_epoch", 10, 3),
        "updates_per_epoch rounds down (n // batch_size): the last, shorter batch is still a "
        "batch and still an update, so it is ceil(n / batch_size), e.g. math.ceil(10 / 3) = 4.",
    ),
    Mutant(
        "shuffle-once",
        "minibatches",
        minibatches_never_shuffled,
        lambda s: scenario_on(s, "minibatches", epochs_of_batches, 9, 4, 0, 2),
        "minibatches ignores the generator: every epoch visits the samples in the same order. "
        "When rng is given, start from order = rng.permutation(n_samples), once per call.",
    ),
    Mutant(
        "shuffle-once",
        "fit_linear_regression",
        fit_shuffled_once,
        fit_probe(2, 0),
        "fit_linear_regression computes the mini-batches once, before the epoch loop, so "
        "every epoch reuses the same shuffled order. Call minibatches(n, batch_size or n, rng) "
        "inside the loop, once per epoch, to reshuffle each epoch.",
    ),
    Mutant(
        "gd-step-uses-stale-params",
        "fit_linear_regression",
        fit_stale_gradient,
        fit_probe(2, None),
        "fit_linear_regression evaluates every batch's gradient at the parameters of the start "
        "of the epoch. Each step must use the gradient at the current w and b, the ones the "
        "previous batch's step produced: call linreg_grad(w, b, X[batch], y[batch]) with the "
        "updated w and b inside the batch loop.",
    ),
)

HINTS = (
    "Start with the two small helpers: updates_per_epoch is math.ceil(n / batch_size), and "
    "minibatches cuts order (np.arange, or rng.permutation when rng is given) into slices "
    "order[i:i + batch_size] for i in range(0, n, batch_size).",
    "linreg_grad: with r = X @ w + b - y, dw = 2 * X.T @ r / N and db = 2 * r.mean(). "
    "normal_equation: A = np.column_stack([X, np.ones(N)]), then "
    "np.linalg.solve(A.T @ A, A.T @ y) gives (w, b).",
    "fit_linear_regression: call minibatches(N, batch_size or N, rng) at the start of every "
    "epoch (so it reshuffles), and for each batch compute the gradient at the CURRENT w, b on "
    "that batch only, then step. Append the full-data MSE after each epoch.",
)

EXERCISE = Exercise(
    name="gradient_descent",
    title="Batch, stochastic and mini-batch gradient descent",
    reference="reference.gradient_descent",
    functions=(
        "updates_per_epoch",
        "minibatches",
        "linreg_grad",
        "fit_linear_regression",
        "normal_equation",
    ),
    checks=(
        *checks_for(TABLE[0]),
        *MINIBATCH_CHECKS,
        *checks_for(TABLE[1]),
        *FIT_CHECKS,
        *checks_for(TABLE[2]),
    ),
    mutants=MUTANTS,
    hints=HINTS,
)
