"""Batch, stochastic and mini-batch gradient descent on linear regression.

The model is ``y_hat = X w + b`` with the mean squared error

    L(w, b) = mean((X w + b - y)^2).

Gradient descent repeats ``theta <- theta - lr * grad L(theta)``. The three
flavours differ only in how many samples each gradient is computed on:

* batch GD: all ``N`` samples, one update per epoch;
* stochastic GD: one sample, ``N`` updates per epoch;
* mini-batch GD: ``batch_size`` samples, ``ceil(N / batch_size)`` updates per
  epoch, the last batch possibly shorter.

Shuffling draws a new permutation every epoch. The least-squares optimum that
gradient descent approaches is also available in closed form (the normal
equation), which lets us check the iterative fit.
"""

import math

import numpy as np


def updates_per_epoch(n_samples: int, batch_size: int | None) -> int:
    """Number of gradient steps in one epoch: ``ceil(n_samples / batch_size)``.

    ``batch_size=None`` means full-batch gradient descent: one step per epoch.
    """
    if batch_size is None:
        return 1
    return math.ceil(n_samples / batch_size)


def minibatches(
    n_samples: int, batch_size: int, rng: np.random.Generator | None = None
) -> list[np.ndarray]:
    """Index arrays of one epoch: ``order`` cut into consecutive slices of ``batch_size``.

    ``order = rng.permutation(n_samples)`` when ``rng`` is given, else
    ``arange(n_samples)``. The last slice may be shorter; every index appears once.
    """
    order = rng.permutation(n_samples) if rng is not None else np.arange(n_samples)
    return [order[start : start + batch_size] for start in range(0, n_samples, batch_size)]


def linreg_grad(w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Gradient of ``mean((X w + b - y)^2)``: ``X (N, d)``, ``w (d,)``, ``y (N,)``.

    With residual ``r = X w + b - y``: ``dw = 2 X^T r / N`` (shape ``(d,)``),
    ``db = 2 mean(r)``.
    """
    n = X.shape[0]
    residual = X @ w + b - y
    dw = 2.0 * X.T @ residual / n
    db = 2.0 * float(np.mean(residual))
    return dw, db


def fit_linear_regression(
    X: np.ndarray,
    y: np.ndarray,
    lr: float,
    epochs: int,
    batch_size: int | None = None,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, float, list[float]]:
    """Fit ``y ~ X w + b`` by (mini-batch) gradient descent from ``w = 0``, ``b = 0``.

    Each epoch takes one step ``w -= lr dw``, ``b -= lr db`` per batch of
    ``minibatches(N, batch_size or N, rng)``, the gradient evaluated at the
    current parameters on that batch. ``history[e]`` is the full-data MSE after
    epoch ``e``. Returns ``(w (d,), b, history)``.
    """
    n, d = X.shape
    w = np.zeros(d)
    b = 0.0
    history: list[float] = []
    for _ in range(epochs):
        for batch in minibatches(n, batch_size or n, rng):
            dw, db = linreg_grad(w, b, X[batch], y[batch])
            w = w - lr * dw
            b = b - lr * db
        history.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, b, history


def normal_equation(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Closed-form least squares with a bias: solve ``A^T A theta = A^T y``.

    ``A = [X, 1]`` is the design matrix ``(N, d + 1)`` with a column of ones;
    ``theta = (w, b)``. Needs full column rank (``N > d``, no collinear features).
    """
    n, d = X.shape
    A = np.column_stack([X, np.ones(n)])
    theta = np.linalg.solve(A.T @ A, A.T @ y)
    return theta[:d], float(theta[d])
