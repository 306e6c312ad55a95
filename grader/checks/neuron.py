"""Checks for `neuron`: the weighted sum, one neuron, a dense layer and the perceptron.

Every function is pure, so the table below drives most checks (random inputs,
hand-picked special values, hidden cases). One property is written by hand:
Rosenblatt's rule must leave the weights alone when the prediction is right,
which is exactly what "update on every sample" gets wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader.checks.base import (
    BATCH,
    Abort,
    Call,
    Context,
    Exercise,
    Failure,
    Fn,
    Mutant,
    calls,
    cases_check,
    checks_for,
    describe_call,
    judge,
    learner_values,
    property_check,
)
from grader.checks.compare import agrees, describe_type, show
from grader.checks.strategies import built, sides
from grader.worker import LearnerError
from grader.worker.protocol import Named

ACTIVATIONS = ("identity", "tanh", "sigmoid", "relu", "square")
BIASES = st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)
RATES = st.sampled_from([0.01, 0.1, 0.5, 1.0, 2.5])
SMALL = (0.5, 1.0, 2.0)
"""Scales for neuron_output: large pre-activations would only saturate tanh and sigmoid."""


# -- inputs: sizes are drawn, arrays filled from a drawn seed (see strategies.built) -----


def _weighted_sum_inputs() -> Any:
    return built(lambda f, n, b: ((f(n), f(n), b), {}), sides(1, 6), BIASES)


def _neuron_output_inputs() -> Any:
    return built(
        lambda f, n, b, act: ((f(n), f(n), b, Named(act)), {}),
        sides(1, 6),
        st.floats(-3.0, 3.0, allow_nan=False, allow_subnormal=False),
        st.sampled_from(ACTIVATIONS),
        scales=SMALL,
    )


def _dense_inputs() -> Any:
    return built(lambda f, N, d, H: ((f(N, d), f(H, d), f(H)), {}), sides(), sides(), sides())


def _predict_inputs() -> Any:
    return built(
        lambda f, N, d, b: ((f(N, d), f(d), b), {}),
        sides(1, 6),
        sides(1, 4),
        BIASES,
        scales=(1.0, 10.0),
    )


def _update_parts() -> Any:
    """(w, b, x, lr) of one perceptron step; the label is chosen by the caller."""
    return built(
        lambda f, d, b, lr: (f(d), b, f(d), lr), sides(), BIASES, RATES, scales=(1.0, 10.0)
    )


def _update_inputs() -> Any:
    return st.builds(
        lambda parts, y: ((parts[0], parts[1], parts[2], y, parts[3]), {}),
        _update_parts(),
        st.sampled_from([0, 1]),
    )


# -- hidden cases ---------------------------------------------------------------------


def _hidden_vector(rng: np.random.Generator, n: int, scale: float = 5.0) -> np.ndarray:
    return rng.normal(0.0, scale, size=n)


def _weighted_sum_hidden(rng: np.random.Generator) -> Call:
    n = int(rng.integers(1, 9))
    return (_hidden_vector(rng, n), _hidden_vector(rng, n), float(rng.normal(0.0, 5.0))), {}


def _neuron_output_hidden(rng: np.random.Generator) -> Call:
    n = int(rng.integers(1, 9))
    x, w = _hidden_vector(rng, n, 1.0), _hidden_vector(rng, n, 1.0)
    return (x, w, float(rng.normal()), Named(str(rng.choice(ACTIVATIONS)))), {}


def _dense_hidden(rng: np.random.Generator) -> Call:
    N, d, H = (int(k) for k in rng.integers(1, 7, size=3))
    return (rng.normal(size=(N, d)), rng.normal(size=(H, d)), rng.normal(size=H)), {}


def _predict_hidden(rng: np.random.Generator) -> Call:
    N, d = int(rng.integers(1, 9)), int(rng.integers(1, 5))
    return (rng.normal(size=(N, d)), rng.normal(size=d), float(rng.normal())), {}


def _update_hidden(rng: np.random.Generator) -> Call:
    d = int(rng.integers(1, 6))
    w, x = rng.normal(size=d), rng.normal(size=d)
    return (w, float(rng.normal()), x, int(rng.integers(0, 2)), float(rng.choice([0.1, 1.0]))), {}


# -- special values -------------------------------------------------------------------

SQUARE_X = np.array([[1.0, 2.0], [3.0, -1.0]])
SQUARE_W = np.array([[1.0, 2.0], [-1.0, 0.5]])
SQUARE_B = np.array([0.1, -0.2])

TABLE = [
    Fn(
        "weighted_sum",
        _weighted_sum_inputs(),
        _weighted_sum_hidden,
        special=(
            ((np.zeros(3), np.array([1.0, 2.0, 3.0]), 2.5), {}),
            ((np.array([2.0]), np.array([-3.0]), -1.0), {}),
        ),
        special_title="x = 0 (the result is the bias) and a single input",
    ),
    Fn("neuron_output", _neuron_output_inputs(), _neuron_output_hidden),
    Fn(
        "dense_forward",
        _dense_inputs(),
        _dense_hidden,
        special=(
            (
                (
                    np.array([[1.0, 2.0, 3.0]]),
                    np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]]),
                    np.array([0.5, -1.0, 2.0, 0.0]),
                ),
                {},
            ),
            ((SQUARE_X, SQUARE_W, SQUARE_B), {}),
        ),
        special_title="a batch of one, a non-square W, and a square W that is not symmetric",
    ),
    Fn(
        "perceptron_predict",
        _predict_inputs(),
        _predict_hidden,
        special=(
            (
                (
                    np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 0.0], [0.0, 3.0]]),
                    np.array([1.0, -1.0]),
                    0.0,
                ),
                {},
            ),
            ((np.array([[1.0, 2.0], [0.5, 0.0]]), np.array([1.0, 1.0]), -3.0), {}),
        ),
        special_title="points exactly on the boundary (X w + b = 0 is class 0)",
    ),
    Fn(
        "perceptron_update",
        _update_inputs(),
        _update_hidden,
        special=(
            ((np.array([1.0, 1.0]), 0.0, np.array([1.0, 2.0]), 1, 0.5), {}),
            ((np.array([1.0, 1.0]), 0.0, np.array([1.0, 2.0]), 0, 0.5), {}),
            ((np.array([1.0, -1.0]), 0.5, np.array([1.0, 2.0]), 1, 0.5), {}),
            ((np.array([0.0, 0.0]), 0.0, np.array([1.0, 2.0]), 1, 1.0), {}),
        ),
        special_title="right predictions, both kinds of error, and a point on the boundary",
    ),
]


# -- hand-written properties ----------------------------------------------------------


def _unchanged_when_right(ctx: Context, parts: Sequence[tuple[Any, ...]]) -> Failure | None:
    """With y equal to the current prediction, w and b come back unchanged."""
    cases = []
    for w, b, x, lr in parts:
        y = int(ctx.reference.call("perceptron_predict", x[np.newaxis, :], w, b)[0])
        cases.append(((w, b, x, y, lr), {}))
    try:
        outcomes = ctx.learner.call_many("perceptron_update", cases)
    except LearnerError as error:
        raise Abort(error) from None
    for (args, _), outcome in zip(cases, outcomes, strict=True):
        w, b, x, y, lr = args
        problem = judge("perceptron_update", (w, b), outcome)
        if problem and (isinstance(outcome, LearnerError) or agrees((w, b), outcome[0])):
            return Failure(problem, describe_call("perceptron_update", args))
        if problem:
            side = ">" if y else "<="
            return Failure(
                f"the perceptron already predicts y = {y} for this x (X w + b {side} 0), so "
                "the error y - y_hat is 0 and Rosenblatt's rule leaves w and b as they are. "
                f"Expected {show((w, b))}, received {show(outcome[0])}",
                describe_call("perceptron_update", args),
            )
    return None


INT_CASES: tuple[Call, ...] = (
    ((np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 0.0]]), np.array([1.0, -1.0]), 0.5), {}),
    ((np.array([[-4.0, 2.0]]), np.array([0.5, 0.5]), 0.0), {}),
)


def _int_array(ctx: Context, case: Call) -> Failure | str | None:
    """The contract's `int array (N,)`: integer dtype (not bool, not float), one label per row."""
    values = learner_values(ctx, "perceptron_predict", [case])
    if isinstance(values, Failure):
        return values
    (value,) = values
    n = len(case[0][0])
    if not isinstance(value, np.ndarray) or value.shape != (n,):
        return f"perceptron_predict should return an array of shape ({n},), received {describe_type(value)}"
    if value.dtype.kind not in "iu":
        return (
            f"perceptron_predict returned an array of dtype {value.dtype}; the labels are an int "
            "array of 0s and 1s: (X @ w + b > 0).astype(int)"
        )
    return None


PROPERTIES = [
    cases_check(
        "perceptron_predict-int-array",
        "perceptron_predict returns an int array of 0/1 labels, one per row",
        ["perceptron_predict"],
        lambda: list(INT_CASES),
        _int_array,
        describe=lambda case: describe_call("perceptron_predict", *case),
    ),
    property_check(
        "perceptron_update-unchanged-when-right",
        "perceptron_update changes nothing when the prediction is already right",
        ["perceptron_update"],
        st.lists(_update_parts(), min_size=1, max_size=BATCH),
        _unchanged_when_right,
        describe=lambda parts: (
            f"w = {show(parts[0][0])}, b = {show(parts[0][1])}, "
            f"x = {show(parts[0][2])}, lr = {show(parts[0][3])}, y = the current prediction"
        ),
    ),
]


# -- mutants: each is how a learner might get one function wrong ------------------------


def weighted_sum_no_bias(x, w, b):
    return float(np.dot(w, x))


def dense_forward_untransposed(X, W, b):
    return X @ W + b


def perceptron_update_always(w, b, x, y, lr):
    direction = 1 if y == 1 else -1
    return w + lr * direction * x, float(b + lr * direction)


MUTANTS = (
    Mutant(
        "neuron-bias-ignored",
        "weighted_sum",
        weighted_sum_no_bias,
        calls("weighted_sum", np.array([1.0, 2.0]), np.array([0.5, -1.0]), 3.0),
        "weighted_sum leaves out the bias: it returns w . x where the neuron computes "
        "w . x + b. Without b every decision boundary must pass through the origin. "
        "Add b to the dot product.",
    ),
    Mutant(
        "dense-weight-transposed",
        "dense_forward",
        dense_forward_untransposed,
        calls("dense_forward", SQUARE_X, SQUARE_W, SQUARE_B),
        "dense_forward computes X @ W instead of X @ W.T. W has one neuron per row, shape "
        "(H, d), so each output Z[n, h] = X[n] . W[h] needs W transposed. X @ W only has "
        "the right shape when W is square, and even then it gives the wrong numbers.",
    ),
    Mutant(
        "perceptron-update-always",
        "perceptron_update",
        perceptron_update_always,
        calls("perceptron_update", np.array([1.0, 1.0]), 0.0, np.array([1.0, 2.0]), 1, 0.5),
        "perceptron_update moves the weights even when the prediction was right. "
        "Rosenblatt's rule scales the step by the error y - y_hat, with y_hat = "
        "perceptron_predict(x): it is 0 when the prediction is right (no change), +1 or -1 "
        "when it is wrong (move towards or away from x).",
    ),
)

HINTS = (
    "Start with weighted_sum: np.dot(w, x) + b, returned as a float. neuron_output is "
    "activation(weighted_sum(x, w, b)) -- call the function you were given.",
    "dense_forward: W holds one neuron per row (H, d), so Z = X @ W.T + b gives (N, H); "
    "check the shapes with a non-square W, e.g. d = 3 inputs and H = 4 neurons.",
    "Perceptron: predict with (X @ w + b > 0).astype(int) -- strictly greater. In "
    "perceptron_update compute y_hat for x[np.newaxis, :], then w + lr * (y - y_hat) * x and "
    "b + lr * (y - y_hat), as new values (do not modify w in place).",
)

EXERCISE = Exercise(
    name="neuron",
    title="The single neuron, a dense layer and the perceptron",
    reference="reference.neuron",
    functions=tuple(row.name for row in TABLE),
    checks=tuple(check for row in TABLE for check in checks_for(row)) + tuple(PROPERTIES),
    mutants=MUTANTS,
    hints=HINTS,
)
