"""Exercise: activation functions and their derivatives.

An activation function g turns a neuron's pre-activation z into its output
a = g(z). Backpropagation also needs its derivative g'(z): every `*_grad`
function below takes the pre-activation z (not the output a) and returns
g'(z), elementwise, with the same shape as z.

Numerical stability is part of correctness: e^z overflows for z > 709, so
inputs of magnitude 1000 must still give finite, correct results.

Write each function with numpy operations on whole arrays (no Python loops).
Inputs are float64 arrays of any shape and must not be modified.
"""

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic sigmoid, elementwise: s(z) = 1 / (1 + e^-z), values in (0, 1).

    z: any shape -> same shape.
    Stable for |z| up to 1000: e^-z overflows for z < -709, so use e^-|z| and
    treat z >= 0 and z < 0 separately (np.where).
    """
    # BEGIN SOLUTION
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    # END SOLUTION


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid at z: s'(z) = s(z) (1 - s(z)).

    z: the pre-activation, any shape -> same shape. Compute s = sigmoid(z)
    first; s'(z) is NOT z (1 - z).
    """
    # BEGIN SOLUTION
    s = sigmoid(z)
    return s * (1.0 - s)
    # END SOLUTION


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, elementwise, values in (-1, 1). z: any shape -> same shape."""
    # BEGIN SOLUTION
    return np.tanh(z)
    # END SOLUTION


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of tanh at z: 1 - tanh(z)^2. z: any shape -> same shape."""
    # BEGIN SOLUTION
    return 1.0 - np.tanh(z) ** 2
    # END SOLUTION


def relu(z: np.ndarray) -> np.ndarray:
    """Rectified linear unit: max(0, z), elementwise. z: any shape -> same shape."""
    # BEGIN SOLUTION
    return np.maximum(0.0, z)
    # END SOLUTION


def relu_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of ReLU: 1.0 where z > 0, 0.0 elsewhere — including at z = 0.

    z: any shape -> float array of the same shape.
    """
    # BEGIN SOLUTION
    return (z > 0).astype(np.float64)
    # END SOLUTION


def leaky_relu(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Leaky ReLU: z where z > 0, alpha * z elsewhere. z: any shape -> same shape."""
    # BEGIN SOLUTION
    return np.where(z > 0, z, alpha * z)
    # END SOLUTION


def leaky_relu_grad(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Derivative of leaky ReLU: 1.0 where z > 0, alpha elsewhere (alpha at z = 0)."""
    # BEGIN SOLUTION
    return np.where(z > 0, 1.0, alpha)
    # END SOLUTION


def elu(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Exponential linear unit: z where z > 0, alpha (e^z - 1) elsewhere.

    z: any shape -> same shape. The negative branch goes to 0 as z goes to 0,
    so the function is continuous. np.exp of a large positive z overflows
    (even in the branch np.where discards): exponentiate min(z, 0).
    """
    # BEGIN SOLUTION
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))
    # END SOLUTION


def elu_grad(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Derivative of ELU: 1.0 where z > 0, alpha e^z elsewhere. z: any shape -> same shape."""
    # BEGIN SOLUTION
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))
    # END SOLUTION


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along `axis`: e^z_k / sum_j e^z_j, so values along `axis` sum to 1.

    z: logits of any shape (e.g. (N, K): one row per sample) -> same shape.
    Stable for logits up to 1000: subtract the max along `axis` first
    (keepdims=True); it does not change the result but keeps e^z finite.
    """
    # BEGIN SOLUTION
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
    # END SOLUTION
