"""`neuron`: the weighted sum, one neuron, a dense layer and the perceptron.

Every function is pure, so one row per function drives most checks (random
inputs, hand-picked special values, hidden cases). Two checks are written by
hand: the labels must be an int array, and Rosenblatt's rule must leave the
weights alone when the prediction is right, which is exactly what "update on
every sample" gets wrong.
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
    Context,
    Pick,
    Row,
    Subject,
    Wrong,
    agrees,
    calls,
    cases_check,
    describe_call,
    describe_type,
    domain,
    exercise,
    property_check,
    show,
    together,
)
from grader.worker.protocol import Named

ACTIVATIONS = ("identity", "tanh", "sigmoid", "relu", "square")
RATES = (0.01, 0.1, 0.5, 1.0, 2.5)


# -- domains: one declaration each, for the random and the hidden inputs ----------------


@domain
def weighted_sum_call(pick: Pick) -> Call:
    n = pick.integers(1, 6)
    return (pick.array((n,)), pick.array((n,)), pick.floats(-10.0, 10.0)), {}


@domain
def neuron_output_call(pick: Pick) -> Call:
    """Small pre-activations: large ones would only saturate tanh and sigmoid."""
    n, scale = pick.integers(1, 6), pick.choice([0.5, 1.0, 2.0])
    x, w = pick.array((n,), scale), pick.array((n,), scale)
    return (x, w, pick.floats(-3.0, 3.0), Named(pick.choice(ACTIVATIONS))), {}


@domain
def dense_call(pick: Pick) -> Call:
    N, d, H = pick.integers(1, 5), pick.integers(1, 5), pick.integers(1, 5)
    return (pick.array((N, d)), pick.array((H, d)), pick.array((H,))), {}


@domain
def predict_call(pick: Pick) -> Call:
    N, d, scale = pick.integers(1, 6), pick.integers(1, 4), pick.choice([1.0, 10.0])
    return (pick.array((N, d), scale), pick.array((d,), scale), pick.floats(-10.0, 10.0)), {}


@domain
def update_parts(pick: Pick) -> tuple[Any, ...]:
    """(w, b, x, lr) of one perceptron step; the label is chosen by the caller."""
    d, scale = pick.integers(1, 5), pick.choice([1.0, 10.0])
    w, b, x = pick.array((d,), scale), pick.floats(-10.0, 10.0), pick.array((d,), scale)
    return w, b, x, pick.choice(RATES)


@domain
def update_call(pick: Pick) -> Call:
    w, b, x, lr = pick.draw(update_parts)
    return (w, b, x, pick.choice([0, 1]), lr), {}


# -- special values -------------------------------------------------------------------

SQUARE = (
    np.array([[1.0, 2.0], [3.0, -1.0]]),
    np.array([[1.0, 2.0], [-1.0, 0.5]]),
    np.array([0.1, -0.2]),
)
"""A square W that is not symmetric: X @ W has the right shape and wrong numbers."""
TRANSPOSE = "W has one neuron per row (H, d): Z = X @ W.T + b, of shape (N, H)."
ON_BOUNDARY = "A point with X w + b = 0 exactly is class 0: the inequality is strict (> 0)."
RIGHT = "The prediction is already right: y - y_hat = 0, so w and b stay as they are."

ROWS = [
    Row(
        "weighted_sum",
        weighted_sum_call,
        special=[
            Case(
                (np.zeros(3), np.array([1.0, 2.0, 3.0]), 2.5), advice="With x = 0, z is the bias b."
            ),
            Case(
                (np.array([2.0]), np.array([-3.0]), -1.0),
                advice="z = w . x + b, with a single term.",
            ),
        ],
    ),
    Row("neuron_output", neuron_output_call),
    Row(
        "dense_forward",
        dense_call,
        special=[
            Case(
                (
                    np.array([[1.0, 2.0, 3.0]]),
                    np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]]),
                    np.array([0.5, -1.0, 2.0, 0.0]),
                ),
                advice=TRANSPOSE,
            ),
            Case(SQUARE, advice=TRANSPOSE),
        ],
    ),
    Row(
        "perceptron_predict",
        predict_call,
        special=[
            Case(
                (
                    np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 0.0], [0.0, 3.0]]),
                    np.array([1.0, -1.0]),
                    0.0,
                ),
                advice=ON_BOUNDARY,
            ),
            Case(
                (np.array([[1.0, 2.0], [0.5, 0.0]]), np.array([1.0, 1.0]), -3.0), advice=ON_BOUNDARY
            ),
        ],
    ),
    Row(
        "perceptron_update",
        update_call,
        special=[
            Case((np.array([1.0, 1.0]), 0.0, np.array([1.0, 2.0]), 1, 0.5), advice=RIGHT),
            Case(
                (np.array([1.0, 1.0]), 0.0, np.array([1.0, 2.0]), 0, 0.5),
                advice="A false 1: y - y_hat = -1 moves w away from x.",
            ),
            Case(
                (np.array([1.0, -1.0]), 0.5, np.array([1.0, 2.0]), 1, 0.5),
                advice="A missed 1: y - y_hat = +1 moves w towards x.",
            ),
            Case(
                (np.array([0.0, 0.0]), 0.0, np.array([1.0, 2.0]), 1, 1.0),
                advice="On the boundary y_hat = 0, so y = 1 is an error.",
            ),
        ],
    ),
]


# -- hand-written checks ----------------------------------------------------------------


def unchanged_when_right(ctx: Context, parts: Sequence[tuple[Any, ...]]) -> None:
    """With y equal to the current prediction, w and b come back unchanged."""
    cases: list[Call] = []
    for w, b, x, lr in parts:
        y = int(ctx.reference.call("perceptron_predict", x[np.newaxis, :], w, b)[0])
        cases.append(((w, b, x, y, lr), {}))
    try:
        ctx.compare("perceptron_update", cases)
    except Wrong as wrong:
        values = ctx.values("perceptron_update", cases)
        for (args, _), value in zip(cases, values, strict=True):
            w, b, x, y, lr = args
            if not agrees((w, b), value):
                side = ">" if y else "<="
                raise Wrong(
                    f"the perceptron already predicts y = {y} for this x (X w + b {side} 0), "
                    "so the error y - y_hat is 0 and Rosenblatt's rule leaves w and b as they "
                    f"are. Expected {show((w, b))}, received {show(value)}",
                    describe_call("perceptron_update", args),
                ) from None
        raise wrong


INT_CASES = [
    Case((np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 0.0]]), np.array([1.0, -1.0]), 0.5)),
    Case((np.array([[-4.0, 2.0]]), np.array([0.5, 0.5]), 0.0)),
]


def int_array(ctx: Context, case: Case) -> None:
    """The contract's `int array (N,)`: integer dtype (not bool, not float), one label per row."""
    (value,) = ctx.values("perceptron_predict", [case.call])
    n = len(case.args[0])
    if not isinstance(value, np.ndarray) or value.shape != (n,):
        raise Wrong(
            f"perceptron_predict should return an array of shape ({n},), "
            f"received {describe_type(value)}"
        )
    if value.dtype.kind not in "iu":
        raise Wrong(
            f"perceptron_predict returned an array of dtype {value.dtype}; the labels are an "
            "int array of 0s and 1s: (X @ w + b > 0).astype(int)"
        )


CHECKS = [
    cases_check(
        "perceptron_predict-int-array",
        ["perceptron_predict"],
        lambda: INT_CASES,
        int_array,
        describe=lambda case: case.describe("perceptron_predict"),
    ),
    property_check(
        "perceptron_update-unchanged-when-right",
        ["perceptron_update"],
        st.lists(update_parts.strategy, min_size=1, max_size=BATCH),
        unchanged_when_right,
        describe=lambda parts: (
            f"w = {show(parts[0][0])}, b = {show(parts[0][1])}, "
            f"x = {show(parts[0][2])}, lr = {show(parts[0][3])}, y = the current prediction"
        ),
    ),
]


# -- probes: where each family's mistakes show ------------------------------------------


BIAS_X, BIAS_W = np.array([1.0, 2.0]), np.array([0.5, -1.0])
BIAS_XS = np.array([[1.0, 2.0], [0.5, -0.2]])
BIAS_PROBE = together(
    calls("weighted_sum", BIAS_X, BIAS_W, 3.0),
    calls("neuron_output", BIAS_X, BIAS_W, 3.0, Named("identity")),
    calls("dense_forward", BIAS_XS, np.array([[1.0, 0.5], [-1.0, 2.0]]), np.array([0.5, 1.0])),
    calls("perceptron_predict", BIAS_XS, np.array([1.0, 1.0]), -1.0),
    calls("perceptron_update", np.array([1.0, 1.0]), 0.25, np.array([-1.0, 0.5]), 1, 0.5),
)
"""Every function with a bias, on inputs where leaving it out changes the answer."""


def update_probe(subject: Subject) -> tuple[Any, ...]:
    """Rosenblatt's rule on a right prediction, a false 1 and a missed 1."""
    w, x = np.array([1.0, 1.0]), np.array([1.0, 2.0])
    return tuple(
        subject.call("perceptron_update", w0, 0.0, x, y, 0.5) for w0, y in ((w, 1), (w, 0), (-w, 1))
    )


EXERCISE = exercise(
    title="The single neuron, a dense layer and the perceptron",
    checks=[*ROWS, CHECKS],
    probes={
        "neuron-bias-ignored": BIAS_PROBE,
        "dense-weight-transposed": calls("dense_forward", *SQUARE),
        "perceptron-update-always": update_probe,
    },
)
