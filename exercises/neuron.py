# neurograde exercise `neuron`: write your code where a function raises
# NotImplementedError, save, then grade it with:  neurograde grade neuron
# (`neurograde watch neuron` grades on every save; `neurograde hint neuron` helps;
# `neurograde docs neuron` is the full contract.)
"""Exercise: the single neuron, a dense layer, and the perceptron.

A neuron weighs each of its inputs, adds a bias, and passes the result (the
pre-activation ``z``) through an activation function ``g``:

    z = sum_i w_i x_i + b,    a = g(z).

A dense (fully connected) layer is ``H`` neurons that all read the same ``d``
inputs. Put their weight vectors in the rows of a matrix ``W`` of shape
``(H, d)`` -- the same layout as ``torch.nn.Linear`` -- and the ``N`` samples
of a batch in the rows of ``X`` of shape ``(N, d)``; then the whole batch is
one matrix product:

    Z = X W^T + b        (N, H)

The perceptron is a single neuron with a step activation (1 if z > 0, else 0).
Rosenblatt's learning rule looks at one sample at a time and only changes the
weights when the prediction is wrong.

Write each function below. Use numpy only; inputs are float64 arrays and must
not be modified.
"""

from collections.abc import Callable

import numpy as np


def weighted_sum(x: np.ndarray, w: np.ndarray, b: float) -> float:
    """Pre-activation of one neuron.

    x: inputs, shape (n,); w: weights, shape (n,); b: bias, a scalar.
    Returns the scalar  z = sum_i w_i x_i + b.
    Do not forget the bias.
    """
    raise NotImplementedError("weighted_sum: write your code here")


def neuron_output(
    x: np.ndarray, w: np.ndarray, b: float, activation: Callable[[np.ndarray], np.ndarray]
) -> float:
    """Output of one neuron: the activation of its weighted sum.

    x, w: shape (n,); b: scalar; activation: a function such as np.tanh.
    Returns the scalar  a = activation(z)  with  z = sum_i w_i x_i + b.
    Reuse weighted_sum.
    """
    raise NotImplementedError("neuron_output: write your code here")


def dense_forward(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pre-activations of a dense layer for a whole batch.

    X: inputs, shape (N, d), one sample per row.
    W: weights, shape (H, d), one neuron per row (like torch.nn.Linear).
    b: biases, shape (H,).
    Returns Z, shape (N, H):  Z = X W^T + b.
    Pitfall: X @ W only has the right shape when H == d -- and even then it
    is the wrong product. Check the shapes.
    """
    raise NotImplementedError("dense_forward: write your code here")


def perceptron_predict(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """Perceptron predictions with the step activation.

    X: shape (N, d); w: shape (d,); b: scalar.
    Returns an integer array of shape (N,):  1 where X w + b > 0, else 0.
    Note the strict inequality: a point exactly on the boundary is class 0.
    """
    raise NotImplementedError("perceptron_predict: write your code here")


def perceptron_update(
    w: np.ndarray, b: float, x: np.ndarray, y: int, lr: float
) -> tuple[np.ndarray, float]:
    """One step of Rosenblatt's rule on a single sample.

    w: weights, shape (d,); b: bias, scalar; x: one sample, shape (d,);
    y: its label, 0 or 1; lr: learning rate.
    With  y_hat = perceptron_predict(x as a batch of one, w, b)  return the new
    values (do not modify w in place):
        w_new = w + lr (y - y_hat) x,    b_new = b + lr (y - y_hat).
    When the prediction is right, y - y_hat = 0 and nothing changes.
    """
    raise NotImplementedError("perceptron_update: write your code here")
