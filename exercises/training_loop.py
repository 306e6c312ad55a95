# neurograde exercise `training_loop`: write your code where a function raises
# NotImplementedError, save, then grade it with:  neurograde grade training_loop
# (`neurograde watch training_loop` grades on every save; `neurograde hint training_loop` helps;
# `neurograde docs training_loop` is the full contract.)
"""Exercise 8, ``training_loop``: the PyTorch training loop, on the Wine data.

Every PyTorch project rewrites the same few pieces; here you write them once,
carefully:

- a ``Dataset`` that turns numpy arrays into tensors of the right dtypes;
- standardisation that does not leak information from the test split;
- one training epoch and one evaluation pass, with correct averaging;
- a ``fit`` loop with early stopping that keeps the best weights.

``device`` is a string or ``torch.device`` ("cpu" or "cuda"): every batch must be
moved there (the model is already on it).
"""

import copy

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class WineDataset(Dataset):
    """A ``torch.utils.data.Dataset`` over features ``X (N, d)`` and labels ``y (N,)``.

    ``len(ds)`` is ``N``; ``ds[i]`` is the pair ``(x_i, y_i)`` where ``x_i`` is a
    float32 tensor of shape ``(d,)`` and ``y_i`` an int64 scalar tensor (shape ``()``).
    Pitfalls: ``nn.Linear`` wants float32 (numpy gives float64) and
    ``nn.CrossEntropyLoss`` wants int64 class indices; convert once, in ``__init__``.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        """Store ``X`` and ``y`` as tensors (float32 and int64)."""
        raise NotImplementedError("__init__: write your code here")

    def __len__(self) -> int:
        """Number of samples ``N``."""
        raise NotImplementedError("__len__: write your code here")

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Sample ``i``: ``(float32 tensor (d,), int64 scalar tensor)``."""
        raise NotImplementedError("__getitem__: write your code here")


def standardize(X_train: np.ndarray, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standardise both splits with statistics of the *training* split only.

    Per column ``j``: ``mu_j`` = mean of ``X_train[:, j]``, ``sigma_j`` = its
    population standard deviation (``ddof=0``, numpy's default). Return
    ``((X_train - mu) / sigma, (X_test - mu) / sigma)``, same shapes as the inputs.
    Pitfall: fitting ``mu`` and ``sigma`` on the test split, or on both splits
    together, leaks test information into training ("data leakage").
    """
    raise NotImplementedError("standardize: write your code here")


def train_one_epoch(
    model: nn.Module,
    loader: DataLoader,
    optimizer: torch.optim.Optimizer,
    criterion: nn.Module,
    device: str | torch.device,
) -> tuple[float, float]:
    """Train ``model`` for one pass over ``loader``; return ``(loss, accuracy)``.

    Put the model in training mode, then for each batch ``(xb, yb)``: move both to
    ``device``, zero the gradients, forward, compute ``criterion(logits, yb)``,
    backward, optimizer step.
    ``loss`` is the mean loss per *sample* over the epoch: ``criterion`` returns
    the batch mean, so add up ``loss.item() * batch_size`` and divide by the number
    of samples. ``accuracy`` (in [0, 1]) is the fraction of samples whose argmax
    logit is the label. Return Python floats.
    Pitfalls: forgetting ``optimizer.zero_grad()`` accumulates gradients across
    batches; averaging the batch means over-weights a short last batch.
    """
    raise NotImplementedError("train_one_epoch: write your code here")


def evaluate(
    model: nn.Module,
    loader: DataLoader,
    criterion: nn.Module,
    device: str | torch.device,
) -> tuple[float, float]:
    """Evaluate ``model`` on ``loader``: ``(loss, accuracy)``, averaged as in training.

    Put the model in evaluation mode (dropout off, batch norm uses its running
    statistics) and run the batches inside ``torch.no_grad()``. No optimizer: the
    parameters, their ``.grad`` and batch-norm statistics must not change.
    Pitfalls: staying in training mode makes results random and updates batch-norm
    statistics; tracking gradients wastes memory.
    """
    raise NotImplementedError("evaluate: write your code here")


def fit(
    model: nn.Module,
    train_loader: DataLoader,
    val_loader: DataLoader,
    optimizer: torch.optim.Optimizer,
    criterion: nn.Module,
    epochs: int,
    device: str | torch.device,
    patience: int | None = None,
) -> dict[str, list[float]]:
    """Train for up to ``epochs`` epochs, evaluating on ``val_loader`` after each.

    Return the history: a dict with the lists ``"train_loss"``, ``"train_acc"``,
    ``"val_loss"``, ``"val_acc"``, one float per epoch actually run.
    Early stopping when ``patience`` is an int: an epoch *improves* when its
    validation loss is strictly below the best so far; stop once ``patience``
    epochs in a row brought no improvement. Whether or not it stopped early, the
    model must end with the weights of its best validation epoch: save
    ``copy.deepcopy(model.state_dict())`` when it improves and load it at the end.
    With ``patience=None`` run every epoch and keep the final weights.
    Pitfall: ``model.state_dict()`` without a deep copy holds live references that
    keep changing as training goes on.
    """
    raise NotImplementedError("fit: write your code here")
