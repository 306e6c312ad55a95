"""`losses`: MSE, binary and multi-class cross-entropy, and their gradients.

One row per function drives the comparisons with the reference (random
inputs, extreme logits, hidden cases). Two kinds of check are written by hand
because a comparison on random inputs explains them badly:

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

from grader.engine import (
    BATCH,
    Call,
    Case,
    Check,
    Context,
    Domain,
    Pick,
    Row,
    Wrong,
    calls,
    cases_check,
    describe_call,
    describe_type,
    difference,
    domain,
    exercise,
    property_check,
    show,
    stacked_twice,
    together,
)

EPS_MAX = 1e-7
"""The largest clipping epsilon the curriculum allows for binary cross-entropy."""
LOG_FLOOR = 745.2
"""-log of the smallest positive float64: no finite clipped term can exceed it."""


# -- domains: one declaration each, for the random and the hidden inputs ----------------


@domain
def pair_call(pick: Pick) -> Call:
    """(y_pred, y_true) of one random shape."""
    shape = pick.shape()
    return (pick.array(shape), pick.array(shape)), {}


@domain
def bce_call(pick: Pick) -> Call:
    """p strictly inside (0, 1), away from any clipping (1e-4 < p < 1 - 1e-4), y in {0, 1}."""
    shape = pick.shape(max_dims=2)
    a = pick.array(shape, pick.choice([1.0, 10.0]))
    p = 1e-4 + (1.0 - 2e-4) / (1.0 + np.exp(-a))
    y = pick.labels(int(np.prod(shape)), 2).reshape(shape).astype(np.float64)
    return (p, y), {}


@domain
def logits_call(pick: Pick) -> Call:
    """(logits (N, K), labels (N,)): up to |z| = 700, so that e^z stays finite while a
    probability can underflow (a difference of 745 in a row)."""
    N, K = pick.integers(1, 5), pick.integers(1, 5)
    logits = np.clip(pick.array((N, K), pick.choice([1.0, 10.0, 300.0])), -700.0, 700.0)
    return (logits, pick.labels(N, K)), {}


# -- special values -------------------------------------------------------------------

STABLE = "Subtract each row's max before exponentiating (log-sum-exp); never take log(softmax)."
LARGE_LOGITS = [
    Case(
        (
            np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0], [5.0, 5.0, 5.0]]),
            np.array([2, 0, 1]),
        ),
        advice=STABLE,
    ),
    Case((np.array([[0.0, -1000.0], [-1e4, -1e4]]), np.array([1, 0])), advice=STABLE),
    Case((np.array([[800.0, 799.0]]), np.array([1])), advice=STABLE),
]
MEAN = "The mean runs over all elements: np.mean, or divide by y_pred.size."
MSE_SPECIAL = [
    Case((np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2))), advice=MEAN),
    Case((np.array([0.5]), np.array([-0.5])), advice=MEAN),
    Case(
        (np.array([1.0, -2.0, 3.0]), np.array([1.0, -2.0, 3.0])),
        advice="No error, no loss (and a zero gradient).",
    ),
]

ROWS = [
    Row("mse", pair_call, special=MSE_SPECIAL),
    Row("mse_grad", pair_call, special=MSE_SPECIAL),
    Row("binary_cross_entropy", bce_call),
    Row("cross_entropy", logits_call, special=LARGE_LOGITS),
    Row("cross_entropy_grad", logits_call, special=LARGE_LOGITS),
]


# -- the mean does not change when every sample appears twice ---------------------------

WHY_MEAN = "a mean does not change when every sample appears twice, while a sum doubles"


def halved_twice(value: Any) -> Any:
    """What a per-sample gradient of a mean becomes on the doubled batch: each half, twice."""
    return stacked_twice(value / 2.0) if isinstance(value, np.ndarray) else value


def duplication_check(name: str, per_sample: bool, calls_of: Domain, advice: str) -> Check:
    """`name` on the batch stacked twice: a loss is unchanged, a per-sample gradient halves."""

    def body(ctx: Context, cases: Sequence[Call]) -> None:
        doubled = [(tuple(stacked_twice(a) for a in args), kw) for args, kw in cases]
        values = ctx.values(name, [*cases, *doubled])
        for case, once, twice in zip(cases, values, values[len(cases) :], strict=False):
            right = ctx.reference.call(name, *case[0], **case[1])
            if not difference(halved_twice(right) if per_sample else right, twice):
                continue
            where = describe_call(name, *case)
            wrong = difference(right, once)
            if wrong:
                raise Wrong(
                    f"{name} is not right on the batch itself yet ({wrong}), so it cannot "
                    "be right on the batch stacked twice; fix that first",
                    where,
                )
            if per_sample:
                found = difference(halved_twice(once), twice)
                raise Wrong(
                    f"{name} on the batch stacked twice (every sample seen twice) should "
                    "return each row's gradient halved, since the mean's 1/N halves when "
                    f"N doubles; {found}. {advice}",
                    where,
                )
            raise Wrong(
                f"{name} on the batch stacked twice (every sample seen twice) returned "
                f"{show(twice)}, on the batch itself {show(once)}: {WHY_MEAN}. {advice}",
                where,
            )

    return property_check(
        f"{name}-batch-duplication",
        [name],
        st.lists(calls_of.strategy, min_size=1, max_size=BATCH),
        body,
        describe=lambda cases: describe_call(name, *cases[0]),
    )


# -- binary cross-entropy at p of exactly 0 and 1 ---------------------------------------


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


def bce_saturated(ctx: Context, cases: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
    name = "binary_cross_entropy"
    values = ctx.values(name, [((p, y), {}) for p, y in cases])
    for (p, y), received in zip(cases, values, strict=True):
        where = describe_call(name, (p, y))
        number = isinstance(received, (int, float)) and not isinstance(received, bool)
        if not number and not (isinstance(received, np.ndarray) and received.size == 1):
            raise Wrong(f"{name} should return a float, received {describe_type(received)}", where)
        value = float(np.asarray(received).reshape(()))
        if not np.isfinite(value):
            raise Wrong(
                f"{name} returned {value} for probabilities of exactly 0 or 1: log(0) is -inf, "
                "and 0 * log(0) is nan. Clip p into [eps, 1 - eps] with a tiny eps (at most "
                "1e-7, e.g. 1e-12, but large enough that 1 - eps < 1) before taking logs",
                where,
            )
        low, high = bce_bounds(p, y)
        if not low - 1e-9 - 1e-9 * abs(low) <= value <= high + 1e-9 + 1e-9 * abs(high):
            reference = ctx.reference.call(name, p, y)
            raise Wrong(
                f"{name} returned {show(value)}; with p clipped by any eps <= 1e-7 the loss lies "
                f"between {show(low)} and {show(high)} (the reference, with eps = 1e-12, gives "
                f"{show(reference)}). Confident right answers (p = y) must cost about 0, "
                "confident wrong ones at least -log(1e-7) = 16.1 each",
                where,
            )


CHECKS = [
    duplication_check("mse", False, pair_call, "Divide by the number of elements: use np.mean."),
    duplication_check("mse_grad", True, pair_call, "Divide 2 (y_pred - y_true) by y_pred.size."),
    duplication_check("binary_cross_entropy", False, bce_call, "Average the terms with np.mean."),
    duplication_check(
        "cross_entropy", False, logits_call, "Average the per-sample losses over the batch."
    ),
    duplication_check(
        "cross_entropy_grad",
        True,
        logits_call,
        "Divide softmax(logits) - onehot(labels) by N = logits.shape[0].",
    ),
    cases_check(
        "binary_cross_entropy-saturated",
        ["binary_cross_entropy"],
        lambda: [SATURATED],
        bce_saturated,
        describe=lambda cases: describe_call("binary_cross_entropy", cases[0]),
    ),
]


# -- probes: where each family's mistakes show ------------------------------------------

LOGITS = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 2.0], [3.0, 0.0, 1.0], [0.0, 0.5, -2.0]])
LABELS = np.array([0, 2, 1, 1])
"""N = 4 samples of K = 3 classes: dividing by N, N K or K give different numbers."""
HUGE = (np.array([[1000.0, 0.0], [0.0, 1.0]]), np.array([0, 1]))


SUM_PROBE = together(
    calls("cross_entropy", LOGITS, LABELS),
    calls("mse", np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]]), np.zeros((2, 3))),
    calls("binary_cross_entropy", np.array([0.2, 0.9, 0.6]), np.array([0.0, 1.0, 0.0])),
)
"""Every loss on a batch whose size differs from its number of classes or features."""


EXERCISE = exercise(
    title="Loss functions and their gradients",
    checks=[*ROWS, CHECKS],
    probes={
        "loss-sum-not-mean": SUM_PROBE,
        "mse-grad-missing-2": calls("mse_grad", np.array([1.0, 2.0, -1.0]), np.zeros(3)),
        "ce-grad-not-divided-by-n": calls("cross_entropy_grad", LOGITS, LABELS),
        "bce-unclipped": calls(
            "binary_cross_entropy", np.array([0.0, 1.0, 0.3]), np.array([1.0, 1.0, 0.0])
        ),
        "ce-log-of-softmax-unstable": calls(
            "cross_entropy", np.array([[0.0, -1000.0], [1.0, 2.0]]), np.array([1, 0])
        ),
        "softmax-overflow": together(
            calls("cross_entropy", *HUGE), calls("cross_entropy_grad", *HUGE)
        ),
    },
)
