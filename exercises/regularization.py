# neurograde exercise `regularization`: write your code where a function raises
# NotImplementedError, save, then grade it with:  neurograde grade regularization
# (`neurograde watch regularization` grades on every save; `neurograde hint regularization` helps;
# `neurograde docs regularization` is the full contract.)
"""Exercise: regularization — dropout, L2 penalty, batch normalization, early stopping.

* Inverted dropout: during training, zero each unit with probability ``p`` and
  scale the survivors by ``1 / (1 - p)`` so the expected activation is
  unchanged; at evaluation time, do nothing.
* L2 penalty (weight decay): add ``lam * sum ||W||^2`` to the loss for the
  weight matrices only (keys starting with ``"W"``); biases are not penalised.
* Batch normalization: normalize each feature with the batch's mean and
  variance during training, keep running averages of them, and use those
  running averages at evaluation time (exactly like ``torch.nn.BatchNorm1d``).
* Early stopping: stop once the validation loss has not improved for
  ``patience`` epochs in a row.

Use numpy only, and do not modify the input arrays.
"""

import numpy as np


def dropout(
    x: np.ndarray, p: float, training: bool, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Inverted dropout; return ``(out, mask)``, both of ``x``'s shape.

    Training: ``mask = rng.random(x.shape) >= p`` (a boolean array: True keeps
    the unit; draw it exactly this way, once) and ``out = x * mask / (1 - p)``.
    ``p`` is the probability of DROPPING a unit. For ``p == 1`` every unit is
    dropped: return zeros, without dividing by zero.

    Evaluation (``training=False``): ``out`` equals ``x`` and ``mask`` is all
    True; do not use ``rng``.

    Pitfall: without the ``1 / (1 - p)`` scaling, activations shrink at
    training time and the network behaves differently at evaluation time.
    """
    raise NotImplementedError("dropout: write your code here")


def l2_penalty(params: dict[str, np.ndarray], lam: float) -> float:
    """Return ``lam`` times the sum of squares of every array whose key starts with ``"W"``.

    Example: ``{"W1": W1, "b1": b1, "W2": W2}`` gives
    ``lam * (sum(W1**2) + sum(W2**2))``; the bias ``b1`` is not penalised.
    """
    raise NotImplementedError("l2_penalty: write your code here")


def l2_penalty_grad(params: dict[str, np.ndarray], lam: float) -> dict[str, np.ndarray]:
    """Return the gradient of ``l2_penalty`` as a dict with the same keys and shapes.

    ``2 * lam * W`` for keys starting with ``"W"``, an array of zeros for the
    other keys. Return new arrays, not the inputs.
    """
    raise NotImplementedError("l2_penalty_grad: write your code here")


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
    """Batch normalization; return ``(out, new_running_mean, new_running_var)``.

    ``x`` is ``(N, D)`` with ``N >= 2``; ``gamma``, ``beta`` and the running
    statistics are ``(D,)``. Statistics are per feature (over axis 0).

    Training: with the batch mean ``mu`` and the biased variance ``var``
    (``x.var(axis=0)``, dividing by N),
    ``out = gamma * (x - mu) / sqrt(var + eps) + beta``; the running stats
    become ``(1 - momentum) * old + momentum * new``, where ``new`` is ``mu``
    for the mean and the UNBIASED variance ``var * N / (N - 1)`` for the variance.

    Evaluation: ``out = gamma * (x - running_mean) / sqrt(running_var + eps) + beta``,
    and the running stats are returned unchanged.

    Return new arrays for the running stats; do not modify the inputs.
    Pitfall: at evaluation time, never use the batch's own statistics.
    """
    raise NotImplementedError("batchnorm_forward: write your code here")


class EarlyStopping:
    """Early stopping on the validation loss.

    Call ``step(val_loss)`` once per epoch. A call is an improvement when
    ``val_loss < best_loss - min_delta``; the first call always counts as one.
    On an improvement, remember ``best_loss`` and ``best_epoch`` (the 0-based
    index of that call). ``step`` returns True once ``patience`` consecutive
    calls brought no improvement, False otherwise.

    Example with ``patience=2``: losses ``3, 2, 2.5, 2.1`` give
    ``False, False, False, True`` and ``best_epoch == 1``.

    Pitfall: count carefully — stopping one call early or late is the classic bug.
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0) -> None:
        self.patience = patience
        self.min_delta = min_delta
        raise NotImplementedError("__init__: write your code here")

    def step(self, val_loss: float) -> bool:
        """Record this epoch's validation loss; return True when training should stop."""
        raise NotImplementedError("step: write your code here")
