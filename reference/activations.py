"""Activation functions and their derivatives.

Every function is elementwise (except softmax) and takes an array `z` of any
shape: the *pre-activation*. Each `*_grad(z)` is the derivative with respect
to `z`, evaluated at `z` — not at the activation's output.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic sigmoid, any shape -> same shape.  s(z) = 1 / (1 + e^-z)

    Written with `e^-|z|` so that no exponential overflows for large |z|.
    """
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid at z.  s'(z) = s(z) (1 - s(z))"""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, any shape -> same shape, values in (-1, 1)."""
    return np.tanh(z)


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of tanh at z.  tanh'(z) = 1 - tanh(z)^2"""
    return 1.0 - np.tanh(z) ** 2


def relu(z: np.ndarray) -> np.ndarray:
    """Rectified linear unit.  relu(z) = max(0, z)"""
    return np.maximum(0.0, z)


def relu_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of ReLU: 1 where z > 0, else 0 (we choose 0 at the kink z = 0)."""
    return (z > 0).astype(np.float64)


def leaky_relu(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Leaky ReLU: z where z > 0, else alpha z."""
    return np.where(z > 0, z, alpha * z)


def leaky_relu_grad(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Derivative of leaky ReLU: 1 where z > 0, else alpha (alpha at z = 0)."""
    return np.where(z > 0, 1.0, alpha)


def elu(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Exponential linear unit: z where z > 0, else alpha (e^z - 1)."""
    # expm1(min(z, 0)) = e^z - 1 on the negative side, and never overflows.
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


def elu_grad(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Derivative of ELU: 1 where z > 0, else alpha e^z."""
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along `axis`: probabilities that sum to 1 along that axis.

    softmax(z)_k = e^(z_k - max z) / sum_j e^(z_j - max z)

    Subtracting the max changes nothing mathematically but keeps every
    exponent <= 0, so logits of magnitude 1e3 cannot overflow.
    """
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
