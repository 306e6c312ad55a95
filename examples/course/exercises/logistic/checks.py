"""The checks of `logistic`: one row per function, one domain for all, five named mistakes.

Each `Fn` row becomes three checks: agrees with the reference (solution.py) on
random inputs (hypothesis, shrunk), is right on the special values, agrees on
hidden inputs drawn from the course secret. A `Mutant` is a learner's wrong
version of one function; a learner whose code answers its probe like it is
told the explanation.
"""

import numpy as np

from grader.checks.base import Fn, Mutant, calls
from grader.checks.strategies import built, hidden_array, sides, unary
from grader.course import exercise

# -- the domain: one classification problem (X, y, w, b), drawn by hypothesis or hidden --


def problem(fill, n: int, d: int):
    """X (n, d), labels y (n,) in {0, 1}, weights w (d,), bias b, from `fill`'s arrays."""
    X, w, b = fill(n, d), fill(d), float(fill(1)[0])
    return X, fill.labels(n, 2).astype(float), w, b


class Hidden:
    """`fill` for hidden problems: arrays from the secret's generator."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def __call__(self, *shape: int) -> np.ndarray:
        return self.rng.normal(0.0, 2.0, size=shape)

    def labels(self, n: int, classes: int) -> np.ndarray:
        return self.rng.integers(0, classes, size=n)


PROBLEMS = built(problem, sides(1, 8), sides(1, 4), scales=(1.0, 3.0))


def row(name: str, call, **special) -> Fn:
    """A row whose calls are `call(X, y, w, b)` on random and on hidden problems."""
    return Fn(
        name,
        PROBLEMS.map(lambda drawn: call(*drawn)),
        lambda rng: call(*problem(Hidden(rng), int(rng.integers(1, 9)), int(rng.integers(1, 5)))),
        **special,
    )


def probabilities(X, w, b):
    return 0.5 * (1.0 + np.tanh((X @ w + b) / 2.0))  # sigmoid, written another way


EXTREMES = np.array([-1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0])
SURE = (np.array([0.0, 1.0, 0.3, 1.0]), np.array([0.0, 1.0, 1.0, 0.0]))  # p exactly 0 or 1
X0 = np.array([[1.0, -2.0], [0.5, 1.0], [-1.0, 0.0], [2.0, 1.0]])
Y0, W0, B0 = np.array([1.0, 0.0, 0.0, 1.0]), np.array([0.5, -0.25]), 0.75

# -- the mistakes learners make -------------------------------------------------------


def predict_proba_no_bias(X, w, b):
    return sigmoid(X @ w)  # noqa: F821 (runs inside solution.py)


def bce_loss_unclipped(p, y, eps=1e-12):
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def gradients_summed(X, y, w, b):
    delta = predict_proba(X, w, b) - y  # noqa: F821
    return X.T @ delta, float(np.sum(delta))


def gradients_flipped(X, y, w, b):
    delta = y - predict_proba(X, w, b)  # noqa: F821
    return X.T @ delta / len(y), float(np.mean(delta))


def fit_climbs(X, y, lr=0.5, epochs=20):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(epochs):
        dw, db = gradients(X, y, w, b)  # noqa: F821
        w, b = w + lr * dw, b + lr * db
    return w, b


EXERCISE = exercise(
    title="Logistic regression as a one-neuron network",
    checks=[
        Fn(
            "sigmoid",
            unary(),
            lambda rng: ((hidden_array(rng, scale=30.0),), {}),
            special=(((EXTREMES,), {}),),
            special_title="|z| up to 1000",
        ),
        row("predict_proba", lambda X, y, w, b: ((X, w, b), {})),
        row(
            "bce_loss",
            lambda X, y, w, b: ((probabilities(X, w, b), y), {}),
            special=((SURE, {}),),
            special_title="predictions of exactly 0 and 1",
        ),
        row("gradients", lambda X, y, w, b: ((X, y, w, b), {})),
        row("fit", lambda X, y, w, b: ((X, y), {"lr": 0.5, "epochs": 10})),
    ],
    mutants=[
        Mutant(
            "bias-forgotten",
            "predict_proba",
            predict_proba_no_bias,
            calls("predict_proba", X0, W0, B0),
            "predict_proba leaves out the bias: z = X @ w + b. Without b the decision "
            "boundary must pass through the origin.",
        ),
        Mutant(
            "bce-log-of-zero",
            "bce_loss",
            bce_loss_unclipped,
            calls("bce_loss", *SURE),
            "bce_loss takes log(0) when a prediction is exactly 0 or 1 (nan or inf). Clip p "
            "to [eps, 1 - eps] first: np.clip(p, eps, 1 - eps).",
        ),
        Mutant(
            "gradient-not-averaged",
            "gradients",
            gradients_summed,
            calls("gradients", X0, Y0, W0, B0),
            "gradients sums over the samples: the loss is a mean, so its gradient is "
            "X.T @ (p - y) / n and mean(p - y). Summed, the step grows with the batch size.",
        ),
        Mutant(
            "gradient-sign-flipped",
            "gradients",
            gradients_flipped,
            calls("gradients", X0, Y0, W0, B0),
            "gradients has the wrong sign: dL/dz = p - y (prediction minus label), not "
            "y - p. With y - p, gradient descent climbs the loss.",
        ),
        Mutant(
            "fit-climbs",
            "fit",
            fit_climbs,
            calls("fit", X0, Y0, lr=0.5, epochs=3),
            "fit adds the gradient: descent moves against it, w = w - lr * dw.",
        ),
    ],
    hints=[
        "Write the functions in order: each one uses the one before.",
        "The gradient of mean BCE through a sigmoid is simple: with p = predict_proba(X, w, b), "
        "dL/dw = X.T @ (p - y) / n and dL/db = mean(p - y).",
    ],
)
