"""Loss functions and their gradients.

A loss measures how far predictions are from targets; training minimises its
mean over the batch (the cost function). Three classic choices:

* mean squared error, for regression:
  ``L = mean((y_pred - y_true)^2)``;
* binary cross-entropy, for a probability ``p`` of the positive class:
  ``L = mean(-(y log p + (1 - y) log(1 - p)))``;
* cross-entropy on ``K`` logits, for multi-class classification:
  ``L = mean_n(-log softmax(z_n)[label_n])``.

Each gradient is taken with respect to the loss's first argument. Because the
loss is a mean, every gradient carries a ``1 / size`` factor.

Numerical stability matters: ``log p`` is ``-inf`` at ``p = 0``, so BCE clips
``p`` into ``[EPS, 1 - EPS]``; and ``log(softmax(z))`` underflows to
``log 0`` for large logits, so cross-entropy uses the log-sum-exp form

    log softmax(z)_k = (z_k - m) - log sum_j e^(z_j - m),   m = max_j z_j.
"""

from __future__ import annotations

import numpy as np

from reference.activations import softmax

EPS = 1e-12
"""Clipping bound for probabilities in binary cross-entropy."""


def mse(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """Mean squared error over all elements, any shape.  L = mean((y_pred - y_true)^2)"""
    return float(np.mean((y_pred - y_true) ** 2))


def mse_grad(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """Gradient of the MSE w.r.t. y_pred, same shape.  dL/dy_pred = 2 (y_pred - y_true) / size"""
    return 2.0 * (y_pred - y_true) / y_pred.size


def binary_cross_entropy(p: np.ndarray, y: np.ndarray) -> float:
    """Mean BCE of probabilities p and targets y, same shape.  L = mean(-(y log p + (1-y) log(1-p)))

    p is clipped to [EPS, 1 - EPS] first, so p = 0 or 1 gives a finite loss.
    """
    p = np.clip(p, EPS, 1.0 - EPS)
    return float(np.mean(-(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))))


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy: logits (N, K), int labels (N,) -> scalar.

    L = mean_n(logsumexp(z_n) - z_n[label_n]), with the max subtracted before exponentiating.
    """
    N = logits.shape[0]
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return float(-np.mean(log_probs[np.arange(N), labels]))


def cross_entropy_grad(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Gradient of the mean cross-entropy w.r.t. logits (N, K) -> (N, K).

    dL/dz = (softmax(z) - onehot(labels)) / N
    """
    N = logits.shape[0]
    probs = softmax(logits, axis=1)
    onehot = np.zeros_like(probs)
    onehot[np.arange(N), labels] = 1.0
    return (probs - onehot) / N
