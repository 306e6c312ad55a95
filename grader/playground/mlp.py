"""A multi-layer perceptron of any depth and width, trained from the curriculum's blocks.

The two-layer network of `reference.backprop`, generalised: ``depth`` hidden
layers of ``width`` units (``depth = 0`` is softmax regression), softmax
output, mean cross-entropy loss. Layer ``l`` computes

    z_l = a_(l-1) W_l^T + b_l        a_0 = X (N, d),  W_l (out, in)
    a_l = g(z_l)                      (dropped out while training)
    logits = z_(depth+1)              (N, 2)

and backpropagation runs the notes' recursion from ``delta = dL/dlogits``:

    dW_l = delta_l^T a_(l-1),  db_l = sum_n delta_l
    delta_(l-1) = (delta_l W_l) * dropout mask / (1 - p) * g'(z_(l-1))

Nothing here computes an activation, a loss, an update or a penalty itself:
those come from `Blocks` — the reference's modules in the grader process, the
learner's in the worker (`grader.playground.scenario`). This module imports
numpy only, because the worker imports it.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "elu")
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adagrad", "adam")
MOMENTUM = 0.9
"""The momentum of the `momentum` optimizer (SGD with momentum)."""


@dataclass(frozen=True)
class Blocks:
    """The curriculum modules a network is built from.

    ``activations`` (``relu``, ``relu_grad``, ..., ``softmax``), ``losses``
    (``cross_entropy``, ``cross_entropy_grad``), ``optimizers`` (``SGD``,
    ``RMSProp``, ``Adagrad``, ``Adam``) and ``regularization`` (``dropout``,
    ``l2_penalty``, ``l2_penalty_grad``; only needed with L2 or dropout).
    """

    activations: Any
    losses: Any
    optimizers: Any
    regularization: Any = None


def make_optimizer(blocks: Blocks, name: str, lr: float) -> Any:
    """The curriculum optimizer called ``name`` (one of `OPTIMIZERS`) with learning rate ``lr``."""
    opt = blocks.optimizers
    if name == "sgd":
        return opt.SGD(lr=lr)
    if name == "momentum":
        return opt.SGD(lr=lr, momentum=MOMENTUM)
    if name == "rmsprop":
        return opt.RMSProp(lr=lr)
    if name == "adagrad":
        return opt.Adagrad(lr=lr)
    if name == "adam":
        return opt.Adam(lr=lr)
    raise ValueError(f"unknown optimizer {name!r} (choose from {', '.join(OPTIMIZERS)})")


def init_params(sizes: list[int], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """He initialisation of every layer, as `reference.backprop.init_params` does for two.

    ``sizes = [d, width, ..., width, classes]``; ``W_l`` (sizes[l], sizes[l-1]) is
    drawn from ``N(0, 2 / fan_in)`` in layer order, ``b_l`` is zero.
    """
    params: dict[str, np.ndarray] = {}
    for layer, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes), start=1):
        params[f"W{layer}"] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
        params[f"b{layer}"] = np.zeros(fan_out)
    return params


class Network:
    """An MLP's parameters and its forward and backward passes over `Blocks`."""

    def __init__(self, blocks: Blocks, params: dict[str, np.ndarray], activation: str) -> None:
        self.blocks = blocks
        self.params = params
        self.layers = len(params) // 2
        self.g = getattr(blocks.activations, activation)
        self.g_grad = getattr(blocks.activations, f"{activation}_grad")

    def forward(
        self, X: np.ndarray, dropout: float = 0.0, rng: np.random.Generator | None = None
    ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
        """logits (N, classes) and, per hidden layer, (input a_(l-1), z_l, dropout mask)."""
        a, cache = X, []
        for layer in range(1, self.layers):
            z = a @ self.params[f"W{layer}"].T + self.params[f"b{layer}"]
            h = np.asarray(self.g(z), dtype=np.float64)
            if dropout > 0.0 and rng is not None:
                h, mask = self.blocks.regularization.dropout(h, dropout, True, rng)
            else:
                mask = None
            cache.append((a, z, mask))
            a = h
        last = self.layers
        logits = a @ self.params[f"W{last}"].T + self.params[f"b{last}"]
        cache.append((a, logits, None))
        return logits, cache

    def backward(
        self, delta: np.ndarray, cache: list[tuple[np.ndarray, np.ndarray, Any]], dropout: float
    ) -> dict[str, np.ndarray]:
        """Gradients of the loss for every parameter, from ``delta = dL/dlogits``."""
        grads: dict[str, np.ndarray] = {}
        for layer in range(self.layers, 0, -1):
            a_prev = cache[layer - 1][0]
            grads[f"W{layer}"] = delta.T @ a_prev
            grads[f"b{layer}"] = np.sum(delta, axis=0)
            if layer > 1:
                _, z_prev, mask = cache[layer - 2]
                delta = delta @ self.params[f"W{layer}"]
                if mask is not None:
                    delta = delta * mask / (1.0 - dropout)
                delta = delta * np.asarray(self.g_grad(z_prev), dtype=np.float64)
        return grads

    def loss_and_accuracy(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """Mean cross-entropy and accuracy on (X, y), no dropout."""
        logits, _ = self.forward(X)
        loss = float(self.blocks.losses.cross_entropy(logits, y))
        return loss, float(np.mean(np.argmax(logits, axis=1) == y))

    def probability(self, X: np.ndarray) -> np.ndarray:
        """P(class 1 | x) for every row of X (N,), no dropout."""
        logits, _ = self.forward(X)
        probs = np.asarray(self.blocks.activations.softmax(logits, axis=1), dtype=np.float64)
        return probs[:, 1]


def train(
    blocks: Blocks,
    config: dict[str, Any],
    data: dict[str, np.ndarray],
    grid: np.ndarray,
    snapshots: list[int],
) -> dict[str, Any]:
    """Train one network; its curves and decision regions as plain data.

    ``config``: ``depth``, ``width``, ``activation``, ``optimizer``, ``lr``,
    ``batch_size`` (None: full batch), ``epochs``, ``l2``, ``dropout``, ``seed``.
    ``data``: ``X_train`` (N, 2), ``y_train`` (N,), ``X_val``, ``y_val``.
    ``grid`` (G, 2): points where P(class 1) is recorded at each epoch of
    ``snapshots`` (0 is before training). Each epoch shuffles the training set
    and takes one optimizer step per batch on the batch's mean cross-entropy
    plus the L2 penalty of every ``W``. Training stops at the first epoch whose
    training loss is not finite (``epochs_run`` says where).

    Returns ``train_loss``, ``val_loss``, ``train_acc``, ``val_acc`` (epochs_run + 1,
    index 0 before training), ``update_loss`` (the batch loss before each step),
    ``boundaries`` (snapshots reached, G), ``snapshot_epochs``, ``epochs_run``,
    ``updates_per_epoch`` and ``wall_s``.
    """
    started = time.perf_counter()
    rng = np.random.default_rng(config["seed"])
    X, y = data["X_train"], data["y_train"]
    n, d = X.shape
    sizes = [d] + [config["width"]] * config["depth"] + [2]
    net = Network(blocks, init_params(sizes, rng), config["activation"])
    optimizer = make_optimizer(blocks, config["optimizer"], config["lr"])
    batch = config["batch_size"] or n
    l2, p_drop = config["l2"], config["dropout"]
    curves: dict[str, list[float]] = {k: [] for k in ("train_loss", "train_acc", "val_loss", "val_acc")}
    update_loss: list[float] = []
    boundaries: list[np.ndarray] = []
    reached: list[int] = []

    def record(epoch: int) -> bool:
        for split in ("train", "val"):
            loss, acc = net.loss_and_accuracy(data[f"X_{split}"], data[f"y_{split}"])
            curves[f"{split}_loss"].append(loss)
            curves[f"{split}_acc"].append(acc)
        if epoch in snapshots:
            boundaries.append(net.probability(grid))
            reached.append(epoch)
        return bool(np.isfinite(curves["train_loss"][-1]))

    epochs_run = 0
    with np.errstate(all="ignore"):
        finite = record(0)
        for epoch in range(1, config["epochs"] + 1):
            if not finite:
                break
            order = rng.permutation(n)
            for start in range(0, n, batch):
                rows = order[start : start + batch]
                logits, cache = net.forward(X[rows], p_drop, rng)
                loss = float(blocks.losses.cross_entropy(logits, y[rows]))
                delta = np.asarray(blocks.losses.cross_entropy_grad(logits, y[rows]))
                grads = net.backward(delta, cache, p_drop)
                if l2 > 0.0:
                    loss += float(blocks.regularization.l2_penalty(net.params, l2))
                    penalty = blocks.regularization.l2_penalty_grad(net.params, l2)
                    grads = {k: g + penalty[k] for k, g in grads.items()}
                update_loss.append(loss)
                optimizer.step(net.params, grads)
            epochs_run = epoch
            finite = record(epoch)
        if finite and epochs_run not in reached:
            boundaries.append(net.probability(grid))
            reached.append(epochs_run)
    return {
        **{k: np.array(v, dtype=np.float64) for k, v in curves.items()},
        "update_loss": np.array(update_loss, dtype=np.float64),
        "boundaries": np.array(boundaries, dtype=np.float64).reshape(len(reached), len(grid)),
        "snapshot_epochs": reached,
        "epochs_run": epochs_run,
        "updates_per_epoch": -(-n // batch),
        "wall_s": time.perf_counter() - started,
    }
