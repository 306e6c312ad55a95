"""Checks for `losses`: MSE, binary and multi-class cross-entropy, and their gradients.

The table drives the comparisons with the reference (random inputs, extreme
logits, hidden cases). Two kinds of property are written by hand because a
comparison on random inputs explains them badly:

- batch duplication: stacking the batch on itself (X ⊕ X) must leave every
  loss unchanged and halve every per-sample gradient; a sum instead of a mean
  doubles the loss, a missing 1/N keeps the gradient's size;
- saturated probabilities: binary cross-entropy at p of exactly 0 and 1 must
  be finite, and right for any clipping epsilon the curriculum allows
  (eps <= 1e-7), so it is judged against bounds rather than one value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader.checks.base import (
    BATCH,
    Call,
    Check,
    Context,
    Exercise,
    Failure,
    Fn,
    Mutant,
    calls,
    cases_check,
    checks_for,
    describe_call,
    learner_values,
    property_check,
)
from grader.checks.compare import describe_type, difference, show
from grader.checks.strategies import (
    built,
    hidden_array,
    hidden_logits_and_labels,
    shapes,
    sides,
    stacked_twice,
)

EPS_MAX = 1e-7
"""The largest clipping epsilon the curriculum allows for binary cross-entropy."""
LOG_FLOOR = 745.2
"""-log of the smallest positive float64: no finite clipped term can exceed it."""

# -- inputs: sizes are drawn, arrays filled from a drawn seed (see strategies.built) -----


def _pair_inputs() -> Any:
    """(y_pred, y_true) of one random shape."""
    return built(lambda f, shape: ((f(*shape), f(*shape)), {}), shapes())


def _probabilities(f: Any, shape: tuple[int, ...]) -> Call:
    """p strictly inside (0, 1), away from any clipping (1e-4 <= p <= 1 - 1e-4), y in {0, 1}."""
    p = 0.5 + 0.4999 * (f(*shape) / f.scale)
    y = f.labels(int(np.prod(shape)), 2).reshape(shape).astype(np.float64)
    return (p, y), {}


def _bce_inputs() -> Any:
    return built(_probabilities, shapes(), scales=(1.0, 10.0, 1000.0))


def _logits_inputs() -> Any:
    """(logits (N, K), labels (N,)); labels are drawn, so every class index appears."""
    return built(lambda f, N, K: ((f(N, K), f.labels(N, K)), {}), sides(1, 5), sides(1, 5))


# -- hidden cases ---------------------------------------------------------------------


def _pair_hidden(rng: np.random.Generator) -> Call:
    y_pred = hidden_array(rng)
    return (y_pred, y_pred + rng.normal(0.0, 3.0, size=y_pred.shape)), {}


def _bce_hidden(rng: np.random.Generator) -> Call:
    shape = tuple(int(n) for n in rng.integers(1, 6, size=rng.integers(1, 3)))
    p = rng.uniform(1e-3, 1.0 - 1e-3, size=shape)
    return (p, rng.integers(0, 2, size=shape).astype(np.float64)), {}


def _logits_hidden(rng: np.random.Generator) -> Call:
    return hidden_logits_and_labels(rng, scale=float(rng.choice([1.0, 10.0, 300.0]))), {}


# -- special values -------------------------------------------------------------------

LARGE_LOGITS = (
    (
        (
            np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0], [5.0, 5.0, 5.0]]),
            np.array([2, 0, 1]),
        ),
        {},
    ),
    ((np.array([[0.0, -1000.0], [-1e4, -1e4]]), np.array([1, 0])), {}),
    ((np.array([[800.0, 799.0]]), np.array([1])), {}),
)
MSE_SPECIAL = (
    ((np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2))), {}),
    ((np.array([0.5]), np.array([-0.5])), {}),
    ((np.array([1.0, -2.0, 3.0]), np.array([1.0, -2.0, 3.0])), {}),
)

TABLE = [
    Fn(
        "mse",
        _pair_inputs(),
        _pair_hidden,
        special=MSE_SPECIAL,
        special_title="a 2-D batch (the mean runs over all elements), one element, no error",
    ),
    Fn(
        "mse_grad",
        _pair_inputs(),
        _pair_hidden,
        special=MSE_SPECIAL,
        special_title="a 2-D batch (divide by the number of elements), one element, no error",
    ),
    Fn("binary_cross_entropy", _bce_inputs(), _bce_hidden),
    Fn(
        "cross_entropy",
        _logits_inputs(),
        _logits_hidden,
        special=LARGE_LOGITS,
        special_title="logits of magnitude 1000 and more",
    ),
    Fn(
        "cross_entropy_grad",
        _logits_inputs(),
        _logits_hidden,
        special=LARGE_LOGITS,
        special_title="logits of magnitude 1000 and more",
    ),
]


# -- property: the mean does not change when every sample appears twice ---------------

WHY_MEAN = "a mean does not change when every sample appears twice, while a sum doubles"


def _halved_twice(value: Any) -> Any:
    """What a per-sample gradient of a mean becomes on the doubled batch: each half, twice."""
    return stacked_twice(value / 2.0) if isinstance(value, np.ndarray) else value


def duplication_check(name: str, per_sample: bool, inputs: Any, advice: str) -> Check:
    """`name` on the batch stacked twice: a loss is unchanged, a per-sample gradient halves."""

    def body(ctx: Context, cases: Sequence[Call]) -> Failure | None:
        doubled = [(tuple(stacked_twice(a) for a in args), kw) for args, kw in cases]
        values = learner_values(ctx, name, [*cases, *doubled])
        if isinstance(values, Failure):
            return values
        for case, once, twice in zip(cases, values, values[len(cases) :], strict=False):
            right = ctx.reference.call(name, *case[0], **case[1])
            if not difference(_halved_twice(right) if per_sample else right, twice):
                continue
            where = describe_call(name, *case)
            wrong = difference(right, once)
            if wrong:
                return Failure(
                    f"{name} is not right on the batch itself yet ({wrong}), so it cannot "
                    "be right on the batch stacked twice; fix that first",
                    where,
                )
            if per_sample:
                found = difference(_halved_twice(once), twice)
                message = (
                    f"{name} on the batch stacked twice (every sample seen twice) should "
                    "return each row's gradient halved, since the mean's 1/N halves when "
                    f"N doubles; {found}. {advice}"
                )
            else:
                message = (
                    f"{name} on the batch stacked twice (every sample seen twice) returned "
                    f"{show(twice)}, on the batch itself {show(once)}: {WHY_MEAN}. {advice}"
                )
            return Failure(message, where)
        return None

    what = "halves every per-sample gradient" if per_sample else "leaves the loss unchanged"
    return property_check(
        f"{name}-batch-duplication",
        f"{name}: duplicating the batch {what}",
        [name],
        st.lists(inputs, min_size=1, max_size=BATCH),
        body,
        describe=lambda cases: describe_call(name, *cases[0]),
    )


# -- property: binary cross-entropy at p of exactly 0 and 1 ---------------------------


def bce_bounds(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The loss for clipping with any eps in (0, EPS_MAX]: (lowest, highest) possible values.

    Away from 0 and 1 a term is exact; at p = 0 or 1 a confident right answer
    costs between 0 and -log(1 - EPS_MAX), a confident wrong one between
    -log(EPS_MAX) and -log(smallest float).
    """
    inner = np.clip(p, EPS_MAX, 1.0 - EPS_MAX)
    exact = -(y * np.log(inner) + (1.0 - y) * np.log(1.0 - inner))
    saturated = (p <= 0.0) | (p >= 1.0)
    right = saturated & (np.round(p) == y)
    wrong = saturated & (np.round(p) != y)
    low = np.where(right, 0.0, exact)
    high = np.where(wrong, LOG_FLOOR, exact)
    return float(np.mean(low)), float(np.mean(high))


SATURATED = (
    (np.array([0.0, 1.0, 0.3, 0.9]), np.array([0.0, 1.0, 0.0, 1.0])),
    (np.array([0.0, 1.0]), np.array([1.0, 0.0])),
    (np.array([[1.0, 0.5], [0.0, 0.25]]), np.array([[1.0, 1.0], [0.0, 0.0]])),
    (np.array([1.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0])),
)


def _bce_saturated(ctx: Context, cases: Sequence[tuple[np.ndarray, np.ndarray]]) -> Failure | None:
    name = "binary_cross_entropy"
    values = learner_values(ctx, name, [((p, y), {}) for p, y in cases])
    if isinstance(values, Failure):
        return values
    for (p, y), received in zip(cases, values, strict=True):
        where = describe_call(name, (p, y))
        number = isinstance(received, (int, float)) and not isinstance(received, bool)
        if not number and not (isinstance(received, np.ndarray) and received.size == 1):
            return Failure(
                f"{name} should return a float, received {describe_type(received)}", where
            )
        value = float(np.asarray(received).reshape(()))
        if not np.isfinite(value):
            return Failure(
                f"{name} returned {value} for probabilities of exactly 0 or 1: log(0) is -inf, "
                "and 0 * log(0) is nan. Clip p into [eps, 1 - eps] with a tiny eps (at most "
                "1e-7, e.g. 1e-12, but large enough that 1 - eps < 1) before taking logs",
                where,
            )
        low, high = bce_bounds(p, y)
        if not low - 1e-9 - 1e-9 * abs(low) <= value <= high + 1e-9 + 1e-9 * abs(high):
            reference = ctx.reference.call(name, p, y)
            return Failure(
                f"{name} returned {show(value)}; with p clipped by any eps <= 1e-7 the loss lies "
                f"between {show(low)} and {show(high)} (the reference, with eps = 1e-12, gives "
                f"{show(reference)}). Confident right answers (p = y) must cost about 0, "
                "confident wrong ones at least -log(1e-7) = 16.1 each",
                where,
            )
    return None


PROPERTIES = [
    duplication_check(
        "mse", False, _pair_inputs(), "Divide by the number of elements: use np.mean."
    ),
    duplication_check(
        "mse_grad", True, _pair_inputs(), "Divide 2 (y_pred - y_true) by y_pred.size."
    ),
    duplication_check(
        "binary_cross_entropy", False, _bce_inputs(), "Average the terms with np.mean."
    ),
    duplication_check(
        "cross_entropy", False, _logits_inputs(), "Average the per-sample losses over the batch."
    ),
    duplication_check(
        "cross_entropy_grad",
        True,
        _logits_inputs(),
        "Divide softmax(logits) - onehot(labels) by N = logits.shape[0].",
    ),
    cases_check(
        "binary_cross_entropy-saturated",
        "binary_cross_entropy is finite and right for p of exactly 0 and 1",
        ["binary_cross_entropy"],
        lambda: [SATURATED],
        _bce_saturated,
        describe=lambda cases: describe_call("binary_cross_entropy", cases[0]),
    ),
]


# -- mutants: each is how a learner might get one function wrong ------------------------


def cross_entropy_summed(logits, labels):
    N = logits.shape[0]
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return float(-np.sum(log_probs[np.arange(N), labels]))


def cross_entropy_no_max(logits, labels):
    N = logits.shape[0]
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return float(-np.mean(log_probs[np.arange(N), labels]))


def cross_entropy_log_of_softmax(logits, labels):
    N = logits.shape[0]
    probs = softmax(logits, axis=1)  # noqa: F821 (given in the file)
    return float(-np.mean(np.log(probs[np.arange(N), labels])))


def mse_grad_without_2(y_pred, y_true):
    return (y_pred - y_true) / y_pred.size


def cross_entropy_grad_not_divided(logits, labels):
    N = logits.shape[0]
    probs = softmax(logits, axis=1)  # noqa: F821 (given in the file)
    onehot = np.zeros_like(probs)
    onehot[np.arange(N), labels] = 1.0
    return probs - onehot


def binary_cross_entropy_unclipped(p, y):
    return float(np.mean(-(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))))


PROBE_LOGITS = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 2.0], [3.0, 0.0, 1.0]])
PROBE_LABELS = np.array([0, 2, 1])

MUTANTS = (
    Mutant(
        "loss-sum-not-mean",
        "cross_entropy",
        cross_entropy_summed,
        calls("cross_entropy", PROBE_LOGITS, PROBE_LABELS),
        "cross_entropy sums the per-sample losses instead of averaging them, so the loss "
        "grows with the batch size (and so does the learning rate in effect). The loss is "
        "the mean over the batch: -np.mean(...) rather than -np.sum(...).",
    ),
    Mutant(
        "softmax-overflow",
        "cross_entropy",
        cross_entropy_no_max,
        calls("cross_entropy", np.array([[1000.0, 0.0], [0.0, 1.0]]), np.array([0, 1])),
        "cross_entropy exponentiates the raw logits: e^1000 is inf in float64, so the "
        "log-sum-exp becomes inf and the loss inf or nan. Subtract the row's max m first: "
        "log sum_j e^(z_j) = m + log sum_j e^(z_j - m), which never overflows.",
    ),
    Mutant(
        "ce-log-of-softmax-unstable",
        "cross_entropy",
        cross_entropy_log_of_softmax,
        calls("cross_entropy", np.array([[0.0, -1000.0], [1.0, 2.0]]), np.array([1, 0])),
        "cross_entropy takes np.log of softmax(logits): a probability like e^-1000 underflows "
        "to 0, and log 0 = -inf makes the loss inf although its true value is 1000. Compute "
        "log-probabilities directly: (z - m) - log sum_j e^(z_j - m) with m the row's max.",
    ),
    Mutant(
        "mse-grad-missing-2",
        "mse_grad",
        mse_grad_without_2,
        calls("mse_grad", np.array([1.0, 2.0, -1.0]), np.array([0.0, 0.0, 0.0])),
        "mse_grad is half the true gradient: the derivative of (y_pred - y_true)^2 is "
        "2 (y_pred - y_true); the factor 2 comes from the square. Return "
        "2 * (y_pred - y_true) / y_pred.size.",
    ),
    Mutant(
        "ce-grad-not-divided-by-n",
        "cross_entropy_grad",
        cross_entropy_grad_not_divided,
        calls("cross_entropy_grad", PROBE_LOGITS, PROBE_LABELS),
        "cross_entropy_grad returns softmax - onehot without dividing by N. That is the "
        "gradient of the summed loss; the loss here is the mean over the N samples, so every "
        "row of its gradient carries a 1/N factor: (softmax(logits) - onehot) / N.",
    ),
    Mutant(
        "bce-unclipped",
        "binary_cross_entropy",
        binary_cross_entropy_unclipped,
        calls("binary_cross_entropy", np.array([0.0, 1.0, 0.3]), np.array([1.0, 1.0, 0.0])),
        "binary_cross_entropy takes log(p) and log(1 - p) without clipping: at p = 0 or 1 "
        "that is log 0 = -inf, and 0 * log 0 is nan, so the loss is inf or nan. Clip first: "
        "p = np.clip(p, eps, 1 - eps) with a tiny eps such as 1e-12.",
    ),
)

HINTS = (
    "Every loss here is a mean over the batch, so every gradient carries a 1 / size factor: "
    "mse divides by y_pred.size, cross_entropy_grad by N = logits.shape[0]. If you double "
    "the batch (stack it on itself) the loss must not change.",
    "Binary cross-entropy: clip first, p = np.clip(p, 1e-12, 1 - 1e-12), then "
    "np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))). Cross-entropy gradient: "
    "onehot = np.zeros_like(logits); onehot[np.arange(N), labels] = 1; (softmax - onehot) / N.",
    "Cross-entropy must survive logits of 1000: never take np.log(softmax(z)) nor np.exp(z) "
    "of raw logits. Use shifted = z - z.max(axis=1, keepdims=True); log_probs = shifted - "
    "np.log(np.exp(shifted).sum(axis=1, keepdims=True)); pick log_probs[np.arange(N), labels].",
)

EXERCISE = Exercise(
    name="losses",
    title="Loss functions and their gradients",
    reference="reference.losses",
    functions=tuple(row.name for row in TABLE),
    checks=tuple(check for row in TABLE for check in checks_for(row)) + tuple(PROPERTIES),
    mutants=MUTANTS,
    hints=HINTS,
)
