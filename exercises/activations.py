# neurograde exercise `activations`: write your code where a function raises
# NotImplementedError, save, then grade it with:  neurograde grade activations
# (`neurograde watch activations` grades on every save; `neurograde hint activations` helps;
# `neurograde docs activations` is the full contract.)
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
    raise NotImplementedError("sigmoid: write your code here")


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid at z: s'(z) = s(z) (1 - s(z)).

    z: the pre-activation, any shape -> same shape. Compute s = sigmoid(z)
    first; s'(z) is NOT z (1 - z).
    """
    raise NotImplementedError("sigmoid_grad: write your code here")


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, elementwise, values in (-1, 1). z: any shape -> same shape."""
    raise NotImplementedError("tanh: write your code here")


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of tanh at z: 1 - tanh(z)^2. z: any shape -> same shape."""
    raise NotImplementedError("tanh_grad: write your code here")


def relu(z: np.ndarray) -> np.ndarray:
    """Rectified linear unit: max(0, z), elementwise. z: any shape -> same shape."""
    raise NotImplementedError("relu: write your code here")


def relu_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of ReLU: 1.0 where z > 0, 0.0 elsewhere — including at z = 0.

    z: any shape -> float array of the same shape.
    """
    raise NotImplementedError("relu_grad: write your code here")


def leaky_relu(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Leaky ReLU: z where z > 0, alpha * z elsewhere. z: any shape -> same shape."""
    raise NotImplementedError("leaky_relu: write your code here")


def leaky_relu_grad(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Derivative of leaky ReLU: 1.0 where z > 0, alpha elsewhere (alpha at z = 0)."""
    raise NotImplementedError("leaky_relu_grad: write your code here")


def elu(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Exponential linear unit: z where z > 0, alpha (e^z - 1) elsewhere.

    z: any shape -> same shape. The negative branch goes to 0 as z goes to 0,
    so the function is continuous. np.exp of a large positive z overflows
    (even in the branch np.where discards): exponentiate min(z, 0).
    """
    raise NotImplementedError("elu: write your code here")


def elu_grad(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Derivative of ELU: 1.0 where z > 0, alpha e^z elsewhere. z: any shape -> same shape."""
    raise NotImplementedError("elu_grad: write your code here")


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along `axis`: e^z_k / sum_j e^z_j, so values along `axis` sum to 1.

    z: logits of any shape (e.g. (N, K): one row per sample) -> same shape.
    Stable for logits up to 1000: subtract the max along `axis` first
    (keepdims=True); it does not change the result but keeps e^z finite.
    """
    raise NotImplementedError("softmax: write your code here")
