"""logistic: logistic regression as a network of one neuron.

One neuron with a sigmoid activation, trained by gradient descent on the
binary cross-entropy, is logistic regression:

    z = X @ w + b          (n,)      the neuron's weighted sum, one per sample
    p = sigmoid(z)         (n,)      the predicted probability of class 1
    L = mean(BCE(p, y))              the loss
    dL/dz = (p - y) / n              why sigmoid and BCE go together

Shapes: X (n, d) samples in rows, y (n,) labels in {0, 1}, w (d,), b a float.
"""

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z), elementwise, without overflow for any finite z."""
    # BEGIN SOLUTION
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    # END SOLUTION


def predict_proba(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """p = sigmoid(X @ w + b): the probability of class 1 for each row of X. Returns (n,)."""
    # BEGIN SOLUTION
    return sigmoid(X @ w + b)
    # END SOLUTION


def bce_loss(p: np.ndarray, y: np.ndarray, eps: float = 1e-12) -> float:
    """Mean binary cross-entropy -(y log p + (1 - y) log(1 - p)), p clipped to [eps, 1 - eps]."""
    # BEGIN SOLUTION
    p = np.clip(p, eps, 1.0 - eps)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
    # END SOLUTION


def gradients(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> tuple[np.ndarray, float]:
    """(dL/dw (d,), dL/db) of the mean BCE of predict_proba(X, w, b) against y."""
    # BEGIN SOLUTION
    delta = predict_proba(X, w, b) - y  # dL/dz times n
    return X.T @ delta / len(y), float(np.mean(delta))
    # END SOLUTION


def fit(
    X: np.ndarray, y: np.ndarray, lr: float = 0.5, epochs: int = 20
) -> tuple[np.ndarray, float]:
    """Gradient descent from w = 0, b = 0: `epochs` full-batch steps of size lr. Returns (w, b)."""
    # BEGIN SOLUTION
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(epochs):
        dw, db = gradients(X, y, w, b)
        w, b = w - lr * dw, b - lr * db
    return w, b
    # END SOLUTION
