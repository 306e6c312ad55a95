"""The named answer functions of parameterised quiz questions.

A parameterised question in the bank names one of these functions
(`function = "updates_per_epoch"`) and declares a range or a list of values
for each of its parameters; the quiz draws the numbers per attempt and calls
the function to get the answer key. No `eval`, and nothing but the standard
library: the quiz must not import torch or the reference implementation (the
tests compare these functions against both).

Parameter names are the placeholders of the question text, so keep them short
and readable. Every function returns an int or a float.
"""

from __future__ import annotations

import math
from collections.abc import Callable


def updates_per_epoch(n_samples: int, batch_size: int) -> int:
    """Parameter updates in one epoch: one per mini-batch, the last may be short."""
    return math.ceil(n_samples / batch_size)


def total_updates(n_samples: int, batch_size: int, epochs: int) -> int:
    """Parameter updates in `epochs` epochs of mini-batch training."""
    return updates_per_epoch(n_samples, batch_size) * epochs


def last_batch_size(n_samples: int, batch_size: int) -> int:
    """Samples in the last mini-batch of an epoch (a full batch when it divides evenly)."""
    return n_samples - (updates_per_epoch(n_samples, batch_size) - 1) * batch_size


def batches_dropping_last(n_samples: int, batch_size: int) -> int:
    """Batches of a `DataLoader` with `drop_last=True`: only full batches."""
    return n_samples // batch_size


def dense_parameters(n_in: int, n_out: int) -> int:
    """Trainable scalars of a dense layer: an `n_out x n_in` weight matrix and `n_out` biases."""
    return n_out * n_in + n_out


def network_parameters(n_in: int, hidden: int, n_out: int) -> int:
    """Trainable scalars of a two-layer network `n_in -> hidden -> n_out`."""
    return dense_parameters(n_in, hidden) + dense_parameters(hidden, n_out)


def weight_gradient_entries(n_out: int, n_in: int, batch: int) -> int:
    """Entries of dL/dW for a dense layer: W's shape, whatever the batch size.

    `batch` is part of the question on purpose: the loss is a mean over the
    batch, so the gradient has one entry per weight however many samples went in.
    """
    del batch
    return n_out * n_in


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Spatial output size of a convolution or pooling window: floor((n + 2p - k) / s) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def conv_parameters(in_channels: int, out_channels: int, kernel: int) -> int:
    """Trainable scalars of a `kernel x kernel` conv layer: one filter and one bias per output channel."""
    return out_channels * (in_channels * kernel * kernel + 1)


def float32_megabytes(batch: int, channels: int, height: int, width: int) -> float:
    """Size in MB (10^6 bytes) of a float32 tensor of shape (batch, channels, height, width)."""
    return batch * channels * height * width * 4 / 1e6


def sigmoid(z: float) -> float:
    """The logistic function 1 / (1 + e^-z)."""
    return 1.0 / (1.0 + math.exp(-z))


def sigmoid_grad(z: float) -> float:
    """The sigmoid's derivative at the pre-activation z: s(z) (1 - s(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def leaky_relu(z: float, alpha: float) -> float:
    """z for z > 0, else alpha z."""
    return z if z > 0 else alpha * z


def binary_cross_entropy(p: float, y: int) -> float:
    """Binary cross-entropy of one prediction p for the label y in {0, 1} (natural log)."""
    return -(y * math.log(p) + (1 - y) * math.log(1.0 - p))


def uniform_cross_entropy(classes: int) -> float:
    """Cross-entropy of a prediction that spreads its probability evenly over `classes`: ln K."""
    return math.log(classes)


def adam_bias_correction(beta: float, step: int) -> float:
    """The divisor 1 - beta^t that Adam applies to a moment estimate at step t."""
    return 1.0 - beta**step


def momentum_step_multiplier(momentum: float) -> float:
    """How much larger than lr * g the SGD-momentum step gets under a constant gradient g."""
    return 1.0 / (1.0 - momentum)


def step_lr(initial_lr: float, epoch: int, step_size: int, gamma: float) -> float:
    """The learning rate of a step schedule: initial_lr * gamma^(epoch // step_size)."""
    return initial_lr * gamma ** (epoch // step_size)


def inverted_dropout_scale(p: float) -> float:
    """The factor inverted dropout multiplies the kept activations by during training."""
    return 1.0 / (1.0 - p)


def grid_search_trainings(values_a: int, values_b: int, values_c: int, folds: int) -> int:
    """Models trained by a grid search over three hyperparameters with k-fold cross-validation."""
    return values_a * values_b * values_c * folds


ANSWER_FUNCTIONS: dict[str, Callable[..., float]] = {
    f.__name__: f
    for f in (
        updates_per_epoch,
        total_updates,
        last_batch_size,
        batches_dropping_last,
        dense_parameters,
        network_parameters,
        weight_gradient_entries,
        conv_output_size,
        conv_parameters,
        float32_megabytes,
        sigmoid,
        sigmoid_grad,
        leaky_relu,
        binary_cross_entropy,
        uniform_cross_entropy,
        adam_bias_correction,
        momentum_step_multiplier,
        step_lr,
        inverted_dropout_scale,
        grid_search_trainings,
    )
}
"""Every function a bank question may name, by name."""
