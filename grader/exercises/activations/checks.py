"""activations: elementwise functions, their derivatives, softmax: one row each."""

from __future__ import annotations

import numpy as np

from grader.engine import Case, Pick, Row, calls, domain, exercise

EXTREMES = np.array([-1000.0, -300.0, -30.0, -1.0, 0.0, 1.0, 30.0, 300.0, 1000.0])
KINK = np.array([-2.0, -1e-8, 0.0, 1e-8, 2.0])
OVERFLOW = "e^z overflows for z > 709: keep every exponent at or below 0 (e^-|z|, or z - max)."


@domain
def plain(pick: Pick):
    """f(z): z of any small shape."""
    return (pick.array(pick.shape()),), {}


@domain
def with_alpha(pick: Pick):
    """f(z, alpha) for the leaky ReLU and ELU families."""
    return (pick.array(pick.shape()),), {"alpha": pick.choice([0.01, 0.1, 0.2, 1.0, 2.5])}


@domain
def logits(pick: Pick):
    """softmax(z, axis): any axis of any small shape; hidden logits up to about 1000."""
    z = pick.array(pick.shape(), pick.choice([1.0, 50.0, 700.0]))
    return (z,), {"axis": pick.integers(-z.ndim, z.ndim - 1)}


def large() -> dict:
    """The special values |z| up to 1000, which must stay finite."""
    return {"special": [Case((EXTREMES,), advice=OVERFLOW)]}


def kink(*alphas: float) -> dict:
    """The kink z = 0 (and next to it), with the default alpha and each of `alphas`."""
    advice = "At the kink z = 0 the derivative is the left one here (as in PyTorch): use z > 0."
    options = [{}, *({"alpha": alpha} for alpha in alphas)]
    return {"special": [Case((KINK,), kwargs, advice=advice) for kwargs in options]}


EXERCISE = exercise(
    title="Activation functions and their derivatives",
    checks=[
        Row("sigmoid", plain, **large()),
        Row("sigmoid_grad", plain, **large()),
        Row("tanh", plain),
        Row("tanh_grad", plain),
        Row("relu", plain),
        Row("relu_grad", plain, **kink()),
        Row("leaky_relu", with_alpha),
        Row("leaky_relu_grad", with_alpha, **kink(0.2)),
        Row("elu", with_alpha, **large()),
        Row("elu_grad", with_alpha),
        Row(
            "softmax",
            logits,
            special=[
                Case((np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4]]),), {"axis": -1}),
                Case((np.array([[1000.0, 0.0], [0.0, 1000.0], [-1000.0, 5.0]]),), {"axis": 0}),
            ],
        ),
    ],
    probes={
        "sigmoid-grad-of-output": calls("sigmoid_grad", np.array([-3.0, 2.0, 4.0])),
        "relu-grad-at-zero": calls("relu_grad", np.array([-1.0, 0.0, 2.0])),
        "leaky-relu-grad-zero": calls("leaky_relu_grad", np.array([-2.0, 3.0]), alpha=0.1),
        "softmax-overflow": calls("softmax", np.array([[1000.0, 0.0, -1000.0]])),
        "softmax-wrong-axis": calls("softmax", np.array([[1.0, 2.0], [3.0, 5.0], [0.0, -1.0]])),
        "elu-discontinuous": calls("elu", np.array([-1.0, -0.5, 2.0])),
    },
)
