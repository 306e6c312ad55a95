# neurograde exercise `losses`: write your code where a function raises
# NotImplementedError, save, then grade it with:  neurograde grade losses
# (`neurograde watch losses` grades on every save; `neurograde hint losses` helps;
# `neurograde docs losses` is the full contract.)
"""Exercise: loss functions and their gradients.

A loss measures how far the predictions are from the targets. Training
minimises the *mean* of the loss over the batch (the cost function), so every
loss here averages, and every gradient carries the matching ``1 / size``
factor. You will write three classic losses:

* mean squared error, for regression:
      L = mean((y_pred - y_true)^2)
* binary cross-entropy, for a predicted probability ``p`` of class 1:
      L = mean(-(y log p + (1 - y) log(1 - p)))
* cross-entropy on ``K`` logits (unnormalised scores), for ``K`` classes:
      L = mean_n(-log softmax(z_n)[label_n])

Numerical stability is part of the job: ``log 0`` is ``-inf``, and
``exp(1000)`` overflows. Your functions must return finite, correct values for
probabilities of exactly 0 or 1 and for logits as large as 1e3.

``softmax`` from the activations exercise is given below. Use numpy only;
inputs are float64 arrays and must not be modified.
"""

import numpy as np


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along `axis` (given): e^(z_k - max z) / sum_j e^(z_j - max z)."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def mse(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """Mean squared error.

    y_pred, y_true: arrays of the same shape (any shape).
    Returns the scalar  L = mean((y_pred - y_true)^2), the mean over *all*
    elements.
    """
    raise NotImplementedError("mse: write your code here")


def mse_grad(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """Gradient of mse with respect to y_pred.

    y_pred, y_true: same shape. Returns an array of that shape:
        dL/dy_pred = 2 (y_pred - y_true) / y_pred.size
    Pitfall: the factor 2 comes from differentiating the square; the division
    by the number of elements comes from the mean.
    """
    raise NotImplementedError("mse_grad: write your code here")


def binary_cross_entropy(p: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy.

    p: predicted probabilities of class 1, any shape, values in [0, 1].
    y: targets of the same shape (0 or 1).
    Returns the scalar  L = mean(-(y log p + (1 - y) log(1 - p))).
    Pitfall: p may be exactly 0 or 1, and log 0 = -inf. Clip p into
    [eps, 1 - eps] with a tiny eps (at most 1e-7, e.g. 1e-12) first.
    """
    raise NotImplementedError("binary_cross_entropy: write your code here")


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of logits against integer class labels.

    logits: shape (N, K), one row of K class scores per sample.
    labels: integer class indices, shape (N,).
    Returns the scalar  L = mean_n(-log softmax(z_n)[label_n]).
    Pitfall: np.log(softmax(z)) gives log 0 = -inf when a probability
    underflows (logits of size 1e3). Use the log-sum-exp form instead:
        log softmax(z)_k = (z_k - m) - log sum_j e^(z_j - m),   m = max_j z_j.
    """
    raise NotImplementedError("cross_entropy: write your code here")


def cross_entropy_grad(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Gradient of cross_entropy with respect to the logits.

    logits: shape (N, K); labels: integer class indices, shape (N,).
    Returns an array of shape (N, K):
        dL/dz = (softmax(z) - onehot(labels)) / N
    where onehot(labels)[n, k] is 1 if k == labels[n], else 0.
    Pitfall: do not forget the division by N -- the loss is a mean.
    """
    raise NotImplementedError("cross_entropy_grad: write your code here")
