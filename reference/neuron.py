"""The single neuron, a dense layer, and the perceptron.

A neuron weighs each input, adds a bias, and passes the result through an
activation function:

    z = sum_i w_i x_i + b,    a = g(z).

A dense (fully connected) layer is ``H`` neurons reading the same ``d``
inputs. Stacking the weight vectors as the rows of ``W`` (shape ``(H, d)``,
as in ``torch.nn.Linear``) and the samples as the rows of ``X`` (shape
``(N, d)``) computes the whole batch at once:

    Z = X W^T + b.

The perceptron is a neuron with a step activation (1 if z > 0, else 0),
trained one sample at a time by Rosenblatt's rule: move the weights towards
``x`` when it predicted 0 for a 1, away from ``x`` when it predicted 1 for a
0, and leave them alone when it was right.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def weighted_sum(x: np.ndarray, w: np.ndarray, b: float) -> float:
    """Pre-activation of one neuron: x, w (n,), b scalar -> scalar.  z = sum_i w_i x_i + b"""
    return float(np.dot(w, x) + b)


def neuron_output(
    x: np.ndarray, w: np.ndarray, b: float, activation: Callable[[np.ndarray], np.ndarray]
) -> float:
    """Output of one neuron: x, w (n,), b scalar -> scalar.  a = activation(w . x + b)"""
    z = weighted_sum(x, w, b)
    return float(activation(z))


def dense_forward(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dense layer: X (N, d), W (H, d), b (H,) -> Z (N, H).  Z = X W^T + b"""
    return X @ W.T + b


def perceptron_predict(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """Step-activated neuron: X (N, d), w (d,), b scalar -> int64 (N,).  y_hat = [X w + b > 0]"""
    z = X @ w + b
    return (z > 0).astype(np.int64)


def perceptron_update(
    w: np.ndarray, b: float, x: np.ndarray, y: int, lr: float
) -> tuple[np.ndarray, float]:
    """Rosenblatt's rule on one sample x (d,), label y in {0, 1} -> new (w (d,), b).

    w <- w + lr (y - y_hat) x,   b <- b + lr (y - y_hat),   y_hat = perceptron_predict(x)
    """
    y_hat = perceptron_predict(x[np.newaxis, :], w, b)[0]
    error = y - y_hat
    w_new = w + lr * error * x
    b_new = b + lr * error
    return w_new, float(b_new)
