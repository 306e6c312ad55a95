"""The checks of `logistic`: one domain, one row per function, a probe per mistake.

Each `Row` becomes three checks: agrees with the reference (solution.py) on
random inputs (hypothesis, shrunk), is right on the special values, agrees on
hidden inputs drawn from the course secret. The mistakes are patches of
solution.py in mutants.toml; a learner whose code answers a family's probe as
one of its members does is told that family's explanation. Hints and the
titles of the special-value checks are in hints.toml.
"""

import numpy as np

from grader.engine import Case, Pick, Row, calls, domain, exercise


@domain
def problem(pick: Pick):
    """One classification problem: X (n, d), labels y (n,) in {0, 1}, weights w (d,), bias b."""
    n, d, scale = pick.integers(1, 8), pick.integers(1, 4), pick.choice([1.0, 3.0])
    X, w, b = pick.array((n, d), scale), pick.array((d,), scale), pick.floats(-scale, scale)
    return X, pick.labels(n, 2).astype(float), w, b


def row(name: str, call, **options) -> Row:
    """A row whose calls are `call(X, y, w, b)` of a drawn problem."""
    return Row(name, problem.map(lambda drawn: call(*drawn)), **options)


def probabilities(X, w, b):
    return 0.5 * (1.0 + np.tanh((X @ w + b) / 2.0))  # sigmoid, written another way


EXTREMES = np.array([-1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0])
SURE = (np.array([0.0, 1.0, 0.3, 1.0]), np.array([0.0, 1.0, 1.0, 0.0]))  # p exactly 0 or 1
X0 = np.array([[1.0, -2.0], [0.5, 1.0], [-1.0, 0.0], [2.0, 1.0]])
Y0, W0, B0 = np.array([1.0, 0.0, 0.0, 1.0]), np.array([0.5, -0.25]), 0.75

EXERCISE = exercise(
    title="Logistic regression as a one-neuron network",
    checks=[
        Row(
            "sigmoid",
            domain(lambda pick: ((pick.array(pick.shape()),), {})),
            special=[Case((EXTREMES,), advice="e^-z overflows for z = -1000: use e^-|z|.")],
        ),
        row("predict_proba", lambda X, y, w, b: ((X, w, b), {})),
        row(
            "bce_loss",
            lambda X, y, w, b: ((probabilities(X, w, b), y), {}),
            special=[Case(SURE, advice="log(0) is -inf: clip p to [eps, 1 - eps] first.")],
        ),
        row("gradients", lambda X, y, w, b: ((X, y, w, b), {})),
        row("fit", lambda X, y, w, b: ((X, y), {"lr": 0.5, "epochs": 10})),
    ],
    probes={
        "bias-forgotten": calls("predict_proba", X0, W0, B0),
        "bce-log-of-zero": calls("bce_loss", *SURE),
        "gradient-not-averaged": calls("gradients", X0, Y0, W0, B0),
        "gradient-sign-flipped": calls("gradients", X0, Y0, W0, B0),
        "fit-climbs": calls("fit", X0, Y0, lr=0.5, epochs=3),
    },
)
