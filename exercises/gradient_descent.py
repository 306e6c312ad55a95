# neurograde exercise `gradient_descent`: write your code where a function raises
# NotImplementedError, save, then grade it with:  neurograde grade gradient_descent
# (`neurograde watch gradient_descent` grades on every save; `neurograde hint gradient_descent` helps;
# `neurograde docs gradient_descent` is the full contract.)
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
    raise NotImplementedError("updates_per_epoch: write your code here")


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
    raise NotImplementedError("minibatches: write your code here")


def linreg_grad(w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Return ``(dw, db)``, the gradient of ``mean((X w + b - y)^2)``.

    With the residual ``r = X w + b - y`` (shape ``(N,)``):
    ``dw = 2 X^T r / N`` (shape ``(d,)``) and ``db = 2 mean(r)`` (a float).

    Pitfall: it is a mean, so divide by N; and keep the factor 2.
    """
    raise NotImplementedError("linreg_grad: write your code here")


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
    raise NotImplementedError("fit_linear_regression: write your code here")


def normal_equation(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Return the least-squares ``(w, b)`` in closed form (the normal equation).

    Append a column of ones to ``X`` to get the design matrix ``A`` of shape
    ``(N, d + 1)``; then ``theta = (w, b)`` solves ``A^T A theta = A^T y``.
    Use ``np.linalg.solve`` rather than inverting ``A^T A``. Return ``w``
    (shape ``(d,)``) and ``b`` (a float). ``X`` has full column rank.
    """
    raise NotImplementedError("normal_equation: write your code here")
