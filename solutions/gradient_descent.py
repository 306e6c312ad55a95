"""Exercise: batch, stochastic and mini-batch gradient descent.

You will fit a linear regression ``y ~ X w + b`` by minimising the mean squared
error

    L(w, b) = mean((X w + b - y)^2)

with gradient descent, ``theta <- theta - lr * grad L(theta)``. The three
flavours of gradient descent differ only in how many samples each step sees:

* batch GD uses all N samples: one update per epoch;
* stochastic GD uses one sample: N updates per epoch;
* mini-batch GD uses ``batch_size`` samples: ``ceil(N / batch_size)`` updates
  per epoch, the last batch possibly shorter.

Finally you will compute the same optimum in one shot with the normal equation
and see that gradient descent gets there too.

Shapes: ``X`` is ``(N, d)``, ``y`` and ``X w + b`` are ``(N,)``, ``w`` is ``(d,)``
and ``b`` is a float. Use numpy only; do not modify the input arrays.
"""

import math

import numpy as np


def updates_per_epoch(n_samples: int, batch_size: int | None) -> int:
    """Return how many gradient steps one epoch takes.

    That is ``ceil(n_samples / batch_size)``: the last, shorter batch still
    counts as a step. ``batch_size=None`` means full-batch gradient descent,
    so exactly one step per epoch.

    Pitfall: ``n_samples // batch_size`` rounds down and forgets the last batch.
    """
    # BEGIN SOLUTION
    if batch_size is None:
        return 1
    return math.ceil(n_samples / batch_size)
    # END SOLUTION


def minibatches(
    n_samples: int, batch_size: int, rng: np.random.Generator | None = None
) -> list[np.ndarray]:
    """Return the index arrays of one epoch's mini-batches.

    Take ``order = rng.permutation(n_samples)`` when ``rng`` is given (call it
    exactly once), else ``order = np.arange(n_samples)``, and cut ``order`` into
    consecutive slices of ``batch_size`` indices: ``order[0:batch_size]``,
    ``order[batch_size:2 * batch_size]``, ... The last slice may be shorter;
    together the slices contain every index exactly once.

    Example: ``minibatches(5, 2)`` is ``[array([0, 1]), array([2, 3]), array([4])]``.
    """
    # BEGIN SOLUTION
    order = rng.permutation(n_samples) if rng is not None else np.arange(n_samples)
    batches = []
    for start in range(0, n_samples, batch_size):
        batches.append(order[start : start + batch_size])
    return batches
    # END SOLUTION


def linreg_grad(w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Return ``(dw, db)``, the gradient of ``mean((X w + b - y)^2)``.

    With the residual ``r = X w + b - y`` (shape ``(N,)``):
    ``dw = 2 X^T r / N`` (shape ``(d,)``) and ``db = 2 mean(r)`` (a float).

    Pitfall: it is a mean, so divide by N; and keep the factor 2.
    """
    # BEGIN SOLUTION
    n = X.shape[0]
    r = X @ w + b - y
    dw = 2.0 * (X.T @ r) / n
    db = 2.0 * float(r.mean())
    return dw, db
    # END SOLUTION


def fit_linear_regression(
    X: np.ndarray,
    y: np.ndarray,
    lr: float,
    epochs: int,
    batch_size: int | None = None,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, float, list[float]]:
    """Fit ``y ~ X w + b`` by gradient descent; return ``(w, b, history)``.

    Start from ``w = np.zeros(d)`` and ``b = 0.0``. In each of the ``epochs``
    epochs, loop over ``minibatches(N, batch_size or N, rng)`` (a fresh call
    every epoch, so the data are reshuffled each epoch when ``rng`` is given)
    and for each batch of indices take one step
    ``w <- w - lr * dw``, ``b <- b - lr * db`` with the gradient of the MSE on
    that batch only, ``linreg_grad(w, b, X[batch], y[batch])``.

    After each epoch append the MSE on the full data, as a float, to
    ``history``, so that ``history[e]`` is the loss after epoch ``e``.

    Pitfall: recompute the gradient for every batch at the current ``w, b``;
    a gradient computed once per epoch is batch gradient descent in disguise.
    """
    # BEGIN SOLUTION
    n, d = X.shape
    w = np.zeros(d)
    b = 0.0
    history = []
    for _ in range(epochs):
        for batch in minibatches(n, batch_size or n, rng):
            dw, db = linreg_grad(w, b, X[batch], y[batch])
            w = w - lr * dw
            b = b - lr * db
        history.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, b, history
    # END SOLUTION


def normal_equation(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Return the least-squares ``(w, b)`` in closed form (the normal equation).

    Append a column of ones to ``X`` to get the design matrix ``A`` of shape
    ``(N, d + 1)``; then ``theta = (w, b)`` solves ``A^T A theta = A^T y``.
    Use ``np.linalg.solve`` rather than inverting ``A^T A``. Return ``w``
    (shape ``(d,)``) and ``b`` (a float). ``X`` has full column rank.
    """
    # BEGIN SOLUTION
    n, d = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    theta = np.linalg.solve(A.T @ A, A.T @ y)
    return theta[:d], float(theta[d])
    # END SOLUTION
