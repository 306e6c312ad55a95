"""Backpropagation through the two-layer network of the notes.

The network maps ``d`` inputs to ``O`` class probabilities through ``H``
ReLU hidden units:

    z1 = X W1^T + b1        (N, H)
    a1 = relu(z1)           (N, H)
    z2 = a1 W2^T + b2       (N, O)   the logits
    probs = softmax(z2)     (N, O)
    L = mean_n(-log probs[n, label_n])

Backpropagation applies the chain rule from the loss back to each parameter,
reusing the quantities stored by the forward pass:

    delta2 = (probs - onehot(labels)) / N      dL/dz2, (N, O)
    dW2 = delta2^T a1,    db2 = sum_n delta2
    delta1 = (delta2 W2) * relu'(z1)           dL/dz1, (N, H)
    dW1 = delta1^T X,     db1 = sum_n delta1

A gradient check compares these with central differences
``(f(x + h) - f(x - h)) / (2h)``, one entry at a time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from reference.activations import relu, relu_grad, softmax
from reference.losses import cross_entropy


def init_params(d: int, H: int, O: int, rng: np.random.Generator) -> dict[str, np.ndarray]:  # noqa: E741
    """He initialisation: W1 (H, d), b1 (H,), W2 (O, H), b2 (O,).  W ~ N(0, 2 / fan_in), b = 0

    W1 is drawn before W2, each with rng.normal(0.0, sqrt(2 / fan_in), size=shape).
    """
    W1 = rng.normal(0.0, np.sqrt(2.0 / d), size=(H, d))
    W2 = rng.normal(0.0, np.sqrt(2.0 / H), size=(O, H))
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(O)}


def forward(
    X: np.ndarray, params: dict[str, np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Forward pass: X (N, d) -> probs (N, O), cache.  probs = softmax(relu(X W1^T + b1) W2^T + b2)

    The cache holds X, z1, a1, z2 and probs for the backward pass.
    """
    z1 = X @ params["W1"].T + params["b1"]
    a1 = relu(z1)
    z2 = a1 @ params["W2"].T + params["b2"]
    probs = softmax(z2, axis=1)
    cache = {"X": X, "z1": z1, "a1": a1, "z2": z2, "probs": probs}
    return probs, cache


def backward(
    params: dict[str, np.ndarray], cache: dict[str, np.ndarray], labels: np.ndarray
) -> dict[str, np.ndarray]:
    """Gradients of the mean CE, same keys and shapes as params.  delta2 = (probs - onehot) / N

    dW2 = delta2^T a1, db2 = sum_n delta2, delta1 = (delta2 W2) * relu'(z1),
    dW1 = delta1^T X, db1 = sum_n delta1.
    """
    X, z1, a1, probs = cache["X"], cache["z1"], cache["a1"], cache["probs"]
    N = X.shape[0]
    onehot = np.zeros_like(probs)
    onehot[np.arange(N), labels] = 1.0

    delta2 = (probs - onehot) / N
    dW2 = delta2.T @ a1
    db2 = np.sum(delta2, axis=0)

    delta1 = (delta2 @ params["W2"]) * relu_grad(z1)
    dW1 = delta1.T @ X
    db1 = np.sum(delta1, axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def loss_and_grads(
    params: dict[str, np.ndarray], X: np.ndarray, labels: np.ndarray
) -> tuple[float, dict[str, np.ndarray]]:
    """Mean CE loss and its gradients: X (N, d), labels (N,) -> (scalar, grads).

    The loss is computed from the logits z2 with log-sum-exp, so it stays finite.
    """
    _, cache = forward(X, params)
    loss = cross_entropy(cache["z2"], labels)
    grads = backward(params, cache, labels)
    return loss, grads


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Central differences of scalar f w.r.t. every entry of x -> same shape as x.

    df/dx_i = (f(x + h e_i) - f(x - h e_i)) / (2h); x is perturbed in place and
    each entry is restored to its stored original value.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + h
        f_plus = f(x)
        x[i] = original - h
        f_minus = f(x)
        x[i] = original
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad
