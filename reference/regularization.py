"""Regularization: dropout, L2 weight penalty, batch normalization and early stopping.

* Inverted dropout zeroes each unit with probability ``p`` during training and
  scales the survivors by ``1 / (1 - p)``, so that evaluation needs no change.
* The L2 penalty ``lam * sum ||W||^2`` applies to weight matrices (keys
  starting with ``"W"``), not to biases.
* Batch normalization normalizes each feature with the batch's statistics
  during training and with running averages of them at evaluation time, as
  ``torch.nn.BatchNorm1d`` does.
* Early stopping ends training once the validation loss has not improved for
  ``patience`` consecutive epochs.
"""

import numpy as np


def dropout(
    x: np.ndarray, p: float, training: bool, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Inverted dropout: ``mask = rng.random(x.shape) >= p``, ``out = x * mask / (1 - p)``.

    ``p`` is the probability of dropping a unit; ``p == 1`` gives zeros. With
    ``training=False``, ``out`` equals ``x``, the mask is all True and ``rng``
    is not used. Returns ``(out, mask)``, both of ``x``'s shape.
    """
    if not training:
        return x.copy(), np.ones(x.shape, dtype=bool)
    mask = rng.random(x.shape) >= p
    if p == 1.0:
        return np.zeros_like(x), mask
    return x * mask / (1.0 - p), mask


def l2_penalty(params: dict[str, np.ndarray], lam: float) -> float:
    """``lam * sum of W**2`` over every array whose key starts with ``"W"``."""
    return lam * sum(
        (float(np.sum(W**2)) for key, W in params.items() if key.startswith("W")), start=0.0
    )


def l2_penalty_grad(params: dict[str, np.ndarray], lam: float) -> dict[str, np.ndarray]:
    """Gradient of ``l2_penalty``: ``2 lam W`` for ``"W*"`` keys, zeros for the others."""
    return {
        key: 2.0 * lam * value if key.startswith("W") else np.zeros_like(value)
        for key, value in params.items()
    }


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batch normalization of ``x (N, D)`` per feature; ``gamma``, ``beta``, running stats ``(D,)``.

    Training: ``out = gamma (x - mu) / sqrt(var + eps) + beta`` with the batch mean
    ``mu`` and biased variance ``var``; the running stats become
    ``(1 - momentum) old + momentum new``, using the unbiased variance
    ``var * N / (N - 1)``. Evaluation: normalize with the running stats and
    return them unchanged. Returns ``(out, running_mean, running_var)`` as new arrays.
    """
    if not training:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        return gamma * x_hat + beta, running_mean.copy(), running_var.copy()
    n = x.shape[0]
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    new_mean = (1.0 - momentum) * running_mean + momentum * mu
    new_var = (1.0 - momentum) * running_var + momentum * var * n / (n - 1)
    return gamma * x_hat + beta, new_mean, new_var


class EarlyStopping:
    """Stop once ``patience`` consecutive calls brought no improvement of the validation loss.

    A call improves when ``val_loss < best_loss - min_delta``; the first call
    always sets the best. ``best_loss`` and ``best_epoch`` (0-based index of the
    best call) are ``None`` until the first call.
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0) -> None:
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss: float | None = None
        self.best_epoch: int | None = None
        self.epoch = -1
        self.calls_without_improvement = 0

    def step(self, val_loss: float) -> bool:
        """Record one epoch's validation loss; return True when training should stop."""
        self.epoch += 1
        if self.best_loss is None or val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_epoch = self.epoch
            self.calls_without_improvement = 0
        else:
            self.calls_without_improvement += 1
        return self.calls_without_improvement >= self.patience
