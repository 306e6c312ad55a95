# neurograde exercise `backprop`: write your code where a function raises
# NotImplementedError, save, then grade it with:  neurograde grade backprop
# (`neurograde watch backprop` grades on every save; `neurograde hint backprop` helps;
# `neurograde docs backprop` is the full contract.)
"""Exercise: backpropagation through a two-layer network.

The network of the notes maps ``d`` inputs to ``O`` class probabilities
through ``H`` ReLU hidden units. Parameters live in a dict:

    params = {"W1": (H, d), "b1": (H,), "W2": (O, H), "b2": (O,)}

Forward pass, for a batch X of shape (N, d):

    z1 = X W1^T + b1        (N, H)
    a1 = relu(z1)           (N, H)
    z2 = a1 W2^T + b2       (N, O)   the logits
    probs = softmax(z2)     (N, O)
    L = mean_n(-log probs[n, label_n])     the mean cross-entropy

Backward pass: the chain rule, from the loss back to each parameter, reusing
what the forward pass computed:

    delta2 = (probs - onehot(labels)) / N      dL/dz2, (N, O)
    dW2 = delta2^T a1,    db2 = sum over the batch of delta2
    delta1 = (delta2 W2) * relu_grad(z1)       dL/dz1, (N, H)
    dW1 = delta1^T X,     db1 = sum over the batch of delta1

Finally you will write a numerical gradient check, the standard way to test a
backward pass: compare it with central differences.

``relu``, ``relu_grad``, ``softmax`` and ``cross_entropy`` from the earlier
exercises are given below. Use numpy only; do not modify the inputs (except
where numerical_gradient says so).
"""

from collections.abc import Callable

import numpy as np


def relu(z: np.ndarray) -> np.ndarray:
    """ReLU (given): max(0, z), elementwise."""
    return np.maximum(0.0, z)


def relu_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of ReLU at z (given): 1 where z > 0, else 0."""
    return (z > 0).astype(np.float64)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along `axis` (given): e^(z_k - max z) / sum_j e^(z_j - max z)."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of logits (N, K) against int labels (N,) (given), via log-sum-exp."""
    N = logits.shape[0]
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return float(-np.mean(log_probs[np.arange(N), labels]))


def init_params(d: int, H: int, O: int, rng: np.random.Generator) -> dict[str, np.ndarray]:  # noqa: E741
    """He initialisation of the network's parameters.

    d: number of inputs; H: hidden units; O: output classes;
    rng: a numpy Generator (np.random.default_rng(seed)).
    Returns {"W1": (H, d), "b1": (H,), "W2": (O, H), "b2": (O,)} with
        W1 = rng.normal(0.0, sqrt(2 / d), size=(H, d))    drawn first,
        W2 = rng.normal(0.0, sqrt(2 / H), size=(O, H))    drawn second,
    and both biases zero. The standard deviation is sqrt(2 / fan_in), where
    fan_in is the number of inputs of the layer. Draw in exactly this order,
    so that the same seed gives the same weights.
    """
    raise NotImplementedError("init_params: write your code here")


def forward(
    X: np.ndarray, params: dict[str, np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Forward pass of the network.

    X: shape (N, d); params: as returned by init_params.
    Returns (probs, cache): probs has shape (N, O), each row summing to 1:
        z1 = X W1^T + b1,  a1 = relu(z1),  z2 = a1 W2^T + b2,  probs = softmax(z2)
    cache is a dict of whatever backward (and loss_and_grads) will need --
    e.g. X, z1, a1, z2 and probs.
    Pitfall: softmax over the classes (axis 1), not over the batch.
    """
    raise NotImplementedError("forward: write your code here")


def backward(
    params: dict[str, np.ndarray], cache: dict[str, np.ndarray], labels: np.ndarray
) -> dict[str, np.ndarray]:
    """Backward pass: gradients of the mean cross-entropy loss.

    params: the parameters; cache: from forward; labels: int classes, (N,).
    Returns a dict with the same keys and shapes as params:
        delta2 = (probs - onehot(labels)) / N                 (N, O)
        dW2 = delta2^T a1          (O, H)    db2 = delta2 summed over the batch  (O,)
        delta1 = (delta2 W2) * relu_grad(z1)                  (N, H)
        dW1 = delta1^T X           (H, d)    db1 = delta1 summed over the batch  (H,)
    Pitfalls: the ReLU derivative is taken at z1, not at a1; check every
    shape (a transposition mistake only shows when the matrices are not square).
    """
    raise NotImplementedError("backward: write your code here")


def loss_and_grads(
    params: dict[str, np.ndarray], X: np.ndarray, labels: np.ndarray
) -> tuple[float, dict[str, np.ndarray]]:
    """Loss and gradients in one call: forward, then backward.

    X: shape (N, d); labels: int classes, shape (N,).
    Returns (loss, grads): loss is the mean cross-entropy (a float), grads is
    what backward returns.
    Tip: compute the loss from the logits z2 with cross_entropy -- taking
    np.log of probs gives -inf when a probability underflows to 0.
    """
    raise NotImplementedError("loss_and_grads: write your code here")


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Numerical gradient of a scalar function by central differences.

    f: called as f(x), returns a float; x: float array of any shape.
    Returns an array of x's shape whose entry i is
        (f(x with x_i + h) - f(x with x_i - h)) / (2 h).
    You may change x in place to evaluate f, but every entry must hold its
    original value afterwards. Pitfall: save the original value and put it
    back -- adding h and subtracting it again does not always give the same
    float. Tip: np.ndindex(x.shape) walks over every index of x.
    """
    raise NotImplementedError("numerical_gradient: write your code here")
