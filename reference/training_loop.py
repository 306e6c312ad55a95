"""Reference for exercise 8, ``training_loop``: the PyTorch training loop.

The pieces every PyTorch project rewrites: a ``Dataset`` over numpy arrays,
leak-free standardisation, one training epoch, an evaluation pass and a ``fit``
loop with early stopping that keeps the best validation weights.

Averaging convention: an epoch's loss is the per-sample mean over the whole
epoch, ``sum_batches(loss_batch * n_batch) / N``, so a short last batch weighs
what its samples weigh (the mean of batch means would over-weight it).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class WineDataset(Dataset):
    """Dataset over a feature matrix ``X (N, d)`` and labels ``y (N,)``.

    Item ``i`` is ``(x_i, y_i)``: a float32 tensor ``(d,)`` and an int64 scalar
    tensor. The arrays are copied, so later changes to ``X`` or ``y`` do not leak in.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X = torch.tensor(np.asarray(X), dtype=torch.float32)  # (N, d)
        self.y = torch.tensor(np.asarray(y), dtype=torch.int64)  # (N,)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.X[i], self.y[i]


def standardize(X_train: np.ndarray, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale both splits with the training split's statistics only.

    ``mu`` and the population std ``sigma`` (ddof 0) are computed per column on
    ``X_train (N, d)``; both splits become ``(X - mu) / sigma``. Fitting on the test
    split, or on both, would leak test information into training.
    """
    mu = X_train.mean(axis=0)  # mu_j = mean_i X_ij
    sigma = X_train.std(axis=0)  # sigma_j = sqrt(mean_i (X_ij - mu_j)^2)
    return (X_train - mu) / sigma, (X_test - mu) / sigma


def _run_epoch(
    model: nn.Module,
    loader: DataLoader,
    criterion: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    device: str | torch.device,
    optimizer: torch.optim.Optimizer | None,
) -> tuple[float, float]:
    """One pass over ``loader``; a step per batch when ``optimizer`` is given.

    Returns the per-sample mean loss and the accuracy over every sample seen.
    """
    total_loss, correct, seen = 0.0, 0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        if optimizer is not None:
            optimizer.zero_grad()
        logits = model(xb)  # (B, K)
        loss = criterion(logits, yb)  # mean over the batch
        if optimizer is not None:
            loss.backward()
            optimizer.step()
        n = yb.shape[0]
        total_loss += loss.item() * n  # undo the batch mean: sum of per-sample losses
        correct += (logits.argmax(dim=1) == yb).sum().item()
        seen += n
    return total_loss / seen, correct / seen


def train_one_epoch(
    model: nn.Module,
    loader: DataLoader,
    optimizer: torch.optim.Optimizer,
    criterion: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    device: str | torch.device,
) -> tuple[float, float]:
    """Train ``model`` for one epoch over ``loader``.

    Train mode; per batch: move to ``device``, zero the gradients, forward, loss,
    backward, step. Returns ``(loss, accuracy)``: the per-sample mean loss
    ``sum(loss_b * n_b) / N`` and the fraction of correct argmax predictions
    (computed on each batch's logits before its step).
    """
    model.train()
    return _run_epoch(model, loader, criterion, device, optimizer)


def evaluate(
    model: nn.Module,
    loader: DataLoader,
    criterion: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    device: str | torch.device,
) -> tuple[float, float]:
    """Evaluate ``model`` on ``loader``: ``(loss, accuracy)`` averaged as in training.

    Eval mode (dropout off, batch norm uses its running statistics) and no
    gradient tracking, so neither parameters, their ``.grad`` nor running
    statistics change.
    """
    model.eval()
    with torch.no_grad():
        return _run_epoch(model, loader, criterion, device, optimizer=None)


def fit(
    model: nn.Module,
    train_loader: DataLoader,
    val_loader: DataLoader,
    optimizer: torch.optim.Optimizer,
    criterion: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    epochs: int,
    device: str | torch.device,
    patience: int | None = None,
) -> dict[str, list[float]]:
    """Train for up to ``epochs`` epochs, validating after each.

    Returns the history: lists ``train_loss``, ``train_acc``, ``val_loss``,
    ``val_acc``, one Python float per epoch run. With ``patience``, training stops
    once ``patience`` consecutive epochs bring no strict val-loss improvement, and
    the model ends with the weights of its best validation epoch whether or not it
    stopped early. Without ``patience`` every epoch runs and the last weights stay.
    """
    history: dict[str, list[float]] = {
        "train_loss": [],
        "train_acc": [],
        "val_loss": [],
        "val_acc": [],
    }
    best_loss = float("inf")
    best_state = None
    epochs_without_improvement = 0
    for _ in range(epochs):
        train_loss, train_acc = train_one_epoch(model, train_loader, optimizer, criterion, device)
        val_loss, val_acc = evaluate(model, val_loader, criterion, device)
        history["train_loss"].append(train_loss)
        history["train_acc"].append(train_acc)
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        if patience is None:
            continue
        if val_loss < best_loss:
            best_loss = val_loss
            best_state = copy.deepcopy(model.state_dict())  # a snapshot, not live views
            epochs_without_improvement = 0
        else:
            epochs_without_improvement += 1
            if epochs_without_improvement >= patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
