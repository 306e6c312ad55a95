"""Checks for `activations`: elementwise functions, their derivatives, softmax."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from grader.checks.base import Exercise, Fn, Mutant, calls, checks_for
from grader.checks.strategies import arrays, hidden_array, shapes, unary

ALPHAS = st.sampled_from([0.01, 0.1, 0.3, 1.0, 2.5])
EXTREMES = np.array([-1000.0, -300.0, -30.0, -1.0, 0.0, 1.0, 30.0, 300.0, 1000.0])
KINK = np.array([-2.0, -1e-8, 0.0, 1e-8, 2.0])


def _plain(rng: np.random.Generator) -> tuple[tuple[np.ndarray], dict[str, float]]:
    return (hidden_array(rng),), {}


def _with_alpha(rng: np.random.Generator) -> tuple[tuple[np.ndarray], dict[str, float]]:
    return (hidden_array(rng),), {"alpha": float(rng.choice([0.01, 0.2, 1.5]))}


def _softmax_inputs() -> st.SearchStrategy[tuple[tuple[np.ndarray], dict[str, int]]]:
    return shapes().flatmap(
        lambda shape: st.tuples(
            st.tuples(arrays(shape)),
            st.fixed_dictionaries({"axis": st.integers(-len(shape), len(shape) - 1)}),
        )
    )


def _softmax_hidden(rng: np.random.Generator) -> tuple[tuple[np.ndarray], dict[str, int]]:
    z = hidden_array(rng, scale=rng.choice([1.0, 50.0, 500.0]))
    return (z,), {"axis": int(rng.integers(-z.ndim, z.ndim))}


TABLE = [
    Fn("sigmoid", unary(), _plain, special=(((EXTREMES,), {}),), special_title="|z| up to 1000"),
    Fn(
        "sigmoid_grad",
        unary(),
        _plain,
        special=(((EXTREMES,), {}),),
        special_title="|z| up to 1000",
    ),
    Fn("tanh", unary(), _plain),
    Fn("tanh_grad", unary(), _plain),
    Fn("relu", unary(), _plain),
    Fn("relu_grad", unary(), _plain, special=(((KINK,), {}),), special_title="the kink z = 0"),
    Fn("leaky_relu", unary(alpha=ALPHAS), _with_alpha),
    Fn(
        "leaky_relu_grad",
        unary(alpha=ALPHAS),
        _with_alpha,
        special=(((KINK,), {}), ((KINK,), {"alpha": 0.2})),
        special_title="the kink z = 0",
    ),
    Fn(
        "elu",
        unary(alpha=ALPHAS),
        _with_alpha,
        special=(((EXTREMES,), {}),),
        special_title="|z| up to 1000",
    ),
    Fn("elu_grad", unary(alpha=ALPHAS), _with_alpha),
    Fn(
        "softmax",
        _softmax_inputs(),
        _softmax_hidden,
        special=(
            ((np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4]]),), {"axis": -1}),
            ((np.array([[1000.0, 0.0], [0.0, 1000.0], [-1000.0, 5.0]]),), {"axis": 0}),
        ),
        special_title="logits of magnitude 1000 and more",
    ),
]


# -- mutants: each is how a learner might get one function wrong ------------------------


def sigmoid_grad_of_output(z):
    return z * (1 - z)


def relu_grad_one_at_zero(z):
    return (z >= 0).astype(float)


def leaky_relu_grad_zero(z, alpha=0.01):
    return (z > 0).astype(float)


def softmax_no_max(z, axis=-1):
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def softmax_batch_axis(z, axis=-1):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def elu_without_minus_one(z, alpha=1.0):
    return np.where(z > 0, z, alpha * np.exp(z))


MUTANTS = (
    Mutant(
        "sigmoid-grad-of-output",
        "sigmoid_grad",
        sigmoid_grad_of_output,
        calls("sigmoid_grad", np.array([-3.0, 2.0, 4.0])),
        "sigmoid_grad looks like s(1 - s) applied to z itself. The derivative is "
        "s(z)(1 - s(z)): first compute s = sigmoid(z), then s * (1 - s).",
    ),
    Mutant(
        "relu-grad-at-zero",
        "relu_grad",
        relu_grad_one_at_zero,
        calls("relu_grad", np.array([-1.0, 0.0, 2.0])),
        "relu_grad gives 1 at z = 0. The convention here (as in PyTorch) is 0 at the kink: "
        "use z > 0, not z >= 0.",
    ),
    Mutant(
        "leaky-relu-grad-zero",
        "leaky_relu_grad",
        leaky_relu_grad_zero,
        calls("leaky_relu_grad", np.array([-2.0, 3.0]), alpha=0.1),
        "leaky_relu_grad is 0 on the negative side. Leaky ReLU's slope there is alpha, "
        "which is the whole point of it: negative units still learn.",
    ),
    Mutant(
        "softmax-overflow",
        "softmax",
        softmax_no_max,
        calls("softmax", np.array([[1000.0, 0.0, -1000.0]])),
        "softmax overflows: e^1000 is inf in float64, and inf/inf is nan. Subtract the "
        "max along the axis before exponentiating; the result is mathematically the same.",
    ),
    Mutant(
        "softmax-wrong-axis",
        "softmax",
        softmax_batch_axis,
        calls("softmax", np.array([[1.0, 2.0], [3.0, 5.0], [0.0, -1.0]])),
        "softmax normalises over the batch axis (axis 0). Each row is one sample's "
        "logits: max and sum must be taken along `axis` (default -1), with keepdims=True.",
    ),
    Mutant(
        "elu-discontinuous",
        "elu",
        elu_without_minus_one,
        calls("elu", np.array([-1.0, -0.5, 2.0])),
        "elu's negative branch is alpha e^z without the - 1: it jumps from alpha to 0 at "
        "z = 0. The negative branch is alpha (e^z - 1), which goes to 0 as z goes to 0.",
    ),
)

HINTS = (
    "Every function here is elementwise: write it with numpy operations on the whole array "
    "(np.exp, np.where, np.maximum) — no Python loops needed.",
    "The *_grad functions take the pre-activation z, not the activation's output. For sigmoid: "
    "s = sigmoid(z); return s * (1 - s).",
    "Stability: e^z overflows for z > 709. For softmax subtract z.max(axis=axis, keepdims=True) "
    "first; for sigmoid, use e^-|z| on each side of 0 (np.where) so no exponent is positive.",
)

EXERCISE = Exercise(
    name="activations",
    title="Activation functions and their derivatives",
    reference="reference.activations",
    functions=tuple(row.name for row in TABLE),
    checks=tuple(check for row in TABLE for check in checks_for(row)),
    mutants=MUTANTS,
    hints=HINTS,
)
