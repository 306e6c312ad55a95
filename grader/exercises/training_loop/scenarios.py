"""Runs of `training_loop` that need torch objects: a model, loaders, an optimizer, a loss.

Models, loaders and optimizers cannot cross to the worker, so these functions
build them there around the learner's module (and in the grader around the
reference or a mutant) from a configuration (a dict: seed, sizes, optimizer,
...; the Wine samples are drawn here from scikit-learn's copy) and return plain
data: losses, accuracies, parameters, and what was observed while the learner's
code ran, counted at the top of the run's report.

What is observed, on every machine:

- devices: every batch the loader yields is a `Batch`, a tensor that notes
  where it is sent. `.to(device)` (or `.cuda()`, or any call naming a device)
  turns it into a plain tensor; the model's forward and the loss note whether
  what reaches them was moved, and to the device given. A learner who ignores
  `device` is seen on a CPU-only machine too, and on CUDA the same learner
  computes the same numbers (unmoved batches are carried over where an
  operation mixes them with tensors on the device), so a grade does not depend
  on whether a GPU is present;
- modes: each forward notes `model.training` and `torch.is_grad_enabled()`.

Everything is seeded (torch's generator before the model is built and again
before the learner's code runs), so both sides compute the same numbers.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from typing import Any

import numpy as np
import torch
from torch import nn
from torch._C import DisableTorchFunctionSubclass
from torch.overrides import TorchFunctionMode
from torch.utils.data import DataLoader, Dataset, Subset, TensorDataset

from grader.engine.scenarios import batched
from grader.engine.values import sklearn_data

CLASSES = 3
"""Wine has three classes; every model here has three outputs."""


# -- the data -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def wine() -> tuple[np.ndarray, np.ndarray]:
    """All 178 Wine samples, standardised (float64 (178, 13)), and their labels (int64).

    Read from the copy scikit-learn ships (`load_wine`'s file), without importing it.
    """
    data = sklearn_data("wine_data.csv", skiprows=1)
    if data is None:  # pragma: no cover - another layout of scikit-learn's files
        from sklearn.datasets import load_wine

        X, y = load_wine(return_X_y=True)
    else:
        X, y = data[:, :-1], data[:, -1]
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y).astype(np.int64)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def subset(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` Wine samples chosen by `seed`."""
    X, y = wine()
    index = np.random.default_rng(seed).choice(len(y), size=n, replace=False)
    return X[index], y[index]


def fit_data(config: dict[str, Any]) -> tuple[np.ndarray, ...]:
    """`config["n"]` training and `config["n_val"]` validation samples; with `noisy_val`, the
    validation labels are ones the model cannot learn (its validation loss rises)."""
    X, y = subset(config["seed"], config["n"] + config["n_val"])
    X_val, y_val = X[config["n"] :], y[config["n"] :]
    if config.get("noisy_val"):
        y_val = (y_val + 1 + np.arange(len(y_val)) % 2) % 3
    return X[: config["n"]], y[: config["n"]], X_val, y_val


# -- observing devices, modes and gradient tracking ----------------------------------------


def same_device(a: torch.device, b: torch.device) -> bool:
    """`cuda` and `cuda:0` are the same device; `cpu` and `cuda` are not."""
    return a.type == b.type and (a.index is None or b.index is None or a.index == b.index)


def start(device: str) -> torch.device:
    """One thread (tiny models), exact float32 on CUDA; the device as a torch.device."""
    if torch.get_num_threads() != 1:
        # tiny models: threads only add overhead (up to 10x on a busy machine)
        torch.set_num_threads(1)
    target = torch.device(device)
    if target.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    return target


class Observer:
    """What the learner's code did with the batches and the model, counted."""

    def __init__(self) -> None:
        self.device = torch.device("cpu")
        self.seen: Counter[str] = Counter()

    def start(self, device: str) -> torch.device:
        """Forget what was seen; the device every batch must now be sent to."""
        self.device = start(device)
        self.seen = Counter()
        return self.device

    def arrived(self, what: str, value: Any) -> torch.Tensor:
        """Note how a batch tensor reached the model or the loss; return it, on the device."""
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"the {what} must be a tensor, not {type(value).__name__}")
        self.seen[what] += 1
        if type(value) is Batch:
            self.seen[f"{what}_unmoved"] += 1
        elif not same_device(value.device, self.device):
            self.seen[f"{what}_elsewhere"] += 1
        return plain(value).to(self.device)

    def forward(self, module: nn.Module) -> None:
        """Note the mode and gradient tracking of one forward pass."""
        self.seen["train_mode" if module.training else "eval_mode"] += 1
        self.seen["grad_on" if torch.is_grad_enabled() else "grad_off"] += 1

    def report(self) -> dict[str, Any]:
        """What was seen (counts by kind: "input", "input_unmoved", "eval_mode", ...) and the
        device the batches were due on."""
        return {**{key: int(n) for key, n in self.seen.items()}, "device": str(self.device)}


OBSERVER = Observer()


def plain(value: torch.Tensor) -> torch.Tensor:
    """The same data as a plain `torch.Tensor` (no copy)."""
    return value.as_subclass(torch.Tensor) if type(value) is not torch.Tensor else value


def _move(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """If this call sends a batch somewhere (`to(device)`, `cuda()`, `device=`): the call to make.

    A device written in the code rather than the one given (a string such as
    "cpu", a GPU index, `.cuda()`) is noted, and replaced by the one given: it
    would be the wrong device on some machine, and only the device check
    should say so, on every machine alike. None if the call moves nothing.
    """
    if func is torch.Tensor.cuda:
        OBSERVER.seen["moved_by_cuda_call"] += 1
        return torch.Tensor.to, (args[0], OBSERVER.device), {}
    if "device" in kwargs:
        if isinstance(kwargs["device"], (str, int)):
            OBSERVER.seen["moved_to_literal"] += 1
            kwargs = {**kwargs, "device": OBSERVER.device}
        return func, args, kwargs
    if func is torch.Tensor.to and len(args) > 1:
        if isinstance(args[1], (str, int)):
            OBSERVER.seen["moved_to_literal"] += 1
            return func, (args[0], OBSERVER.device, *args[2:]), kwargs
        if isinstance(args[1], (torch.device, torch.Tensor)):
            return func, args, kwargs
    return None


def _carried(value: Any) -> Any:
    if type(value) is Batch and not same_device(value.device, OBSERVER.device):
        with DisableTorchFunctionSubclass():
            return torch.Tensor.to(value, OBSERVER.device).as_subclass(Batch)
    return value


def _mixes_devices(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    values = [*args, *kwargs.values()]
    flat = [v for value in values for v in (value if isinstance(value, (list, tuple)) else [value])]
    return any(
        isinstance(v, torch.Tensor) and type(v) is not Batch and v.device.type != "cpu"
        for v in flat
    )


class Batch(torch.Tensor):
    """A tensor from the loader that notes whether the learner's code sent it somewhere.

    A call naming a device returns a plain tensor (the batch was moved); any
    other operation keeps the result a `Batch` (still not moved). Where an
    operation mixes a `Batch` with tensors on an accelerator, the batch is
    carried there first, so that ignoring the device costs the device check
    and nothing else.
    """

    @classmethod
    def __torch_function__(
        cls, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        kwargs = kwargs or {}
        move = _move(func, args, kwargs)
        if move is not None:
            func, args, kwargs = move
            with DisableTorchFunctionSubclass():
                result = func(*args, **kwargs)
            return plain(result) if isinstance(result, torch.Tensor) else result
        if OBSERVER.device.type != "cpu" and _mixes_devices(args, kwargs):
            args = tuple(_carried(a) for a in args)
            kwargs = {k: _carried(v) for k, v in kwargs.items()}
        return super().__torch_function__(func, types, args, kwargs)


class Watcher(TorchFunctionMode):
    """A torch function mode that runs each call, then hands it with its result to the subclass's
    `seen(func, args, kwargs, result)`, whose return the learner's code gets."""

    def __torch_function__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        kwargs = kwargs or {}
        return self.seen(func, args, kwargs, func(*args, **kwargs))  # type: ignore[attr-defined]


class Moves(Watcher):
    """Active while the learner's code runs: `torch.as_tensor(batch, device=...)` moves too.

    `as_tensor` and `asarray` do not consult a tensor subclass, only modes, and
    hand back the very same `Batch` when no copy is needed (on the CPU).
    """

    def seen(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> Any:
        if (
            func in (torch.as_tensor, torch.asarray)
            and kwargs.get("device") is not None
            and type(result) is Batch
        ):
            if isinstance(kwargs["device"], str):
                OBSERVER.seen["moved_to_literal"] += 1
            return plain(result)
        return result


class Loader:
    """Stands for a DataLoader: the same batches, in order, every time it is iterated.

    Each batch comes as fresh `Batch` tensors on the CPU, as a DataLoader yields
    them; `dataset`, `batch_size` and `len()` are there for code that reads them.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, batch_size: int) -> None:
        features = torch.as_tensor(np.asarray(X), dtype=torch.float32)
        labels = torch.as_tensor(np.asarray(y), dtype=torch.int64)
        self.dataset = TensorDataset(features, labels)
        self.batch_size = batch_size
        self.batches = [
            (features[i : i + batch_size], labels[i : i + batch_size])
            for i in range(0, len(labels), batch_size)
        ]

    def __iter__(self) -> Any:
        for xb, yb in self.batches:
            yield xb.clone().as_subclass(Batch), yb.clone().as_subclass(Batch)

    def __len__(self) -> int:
        return len(self.batches)


# -- the model, the loss and the optimizers --------------------------------------------------


class Net(nn.Module):
    """A small MLP: linear, (batch norm), ReLU, dropout, linear; notes every forward."""

    def __init__(self, features: int, hidden: int, dropout: float, batchnorm: bool) -> None:
        super().__init__()
        # no bias before batch norm: its gradient is 0 up to rounding, which Adam would amplify
        self.fc1 = nn.Linear(features, hidden, bias=not batchnorm)
        self.bn = nn.BatchNorm1d(hidden) if batchnorm else nn.Identity()
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = OBSERVER.arrived("input", x)
        OBSERVER.forward(self)
        return self.fc2(self.drop(torch.relu(self.bn(self.fc1(x)))))


class Loss(nn.Module):
    """Cross-entropy (the batch mean) that notes how the labels reached it."""

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        target = OBSERVER.arrived("target", target)
        return nn.functional.cross_entropy(plain(logits), target)


def build(config: dict[str, Any], features: int, device: torch.device) -> Net:
    """The seeded model of a run, on the device; batch-norm statistics spread out."""
    torch.manual_seed(int(config["seed"]))
    model = Net(
        features,
        int(config.get("hidden", 8)),
        float(config.get("dropout", 0.0)),
        bool(config.get("batchnorm", False)),
    )
    if isinstance(model.bn, nn.BatchNorm1d):
        with torch.no_grad():
            # running statistics far from any batch's, so train and eval mode differ clearly
            model.bn.running_mean.uniform_(-2.0, 2.0)
            model.bn.running_var.uniform_(0.5, 3.0)
    return model.to(device)


class Optimizer:
    """SGD (with momentum) or Adam, computed as `torch.optim` computes them.

    The learner's code only calls `zero_grad()` and `step()` (and may read
    `param_groups`). `torch.optim`'s optimizers load `torch._dynamo` the first
    time one is built, about two seconds per process, which a grade cannot afford.
    """

    def __init__(
        self, params: Any, kind: str, lr: float, momentum: float = 0.0, betas=(0.9, 0.999)
    ) -> None:
        self.params = [p for p in params if p.requires_grad]
        self.param_groups = [{"params": self.params, "lr": lr}]
        self.kind, self.lr, self.momentum, self.betas, self.eps = kind, lr, momentum, betas, 1e-8
        self.state: dict[int, dict[str, Any]] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.detach_()
                p.grad.zero_()

    @torch.no_grad()
    def step(self, closure: Any = None) -> None:
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g, state = p.grad, self.state.setdefault(i, {})
            if self.kind == "adam":
                beta1, beta2 = self.betas
                if not state:
                    state.update(step=0, m=torch.zeros_like(p), v=torch.zeros_like(p))
                state["step"] += 1
                state["m"].lerp_(g, 1 - beta1)
                state["v"].mul_(beta2).addcmul_(g, g, value=1 - beta2)
                correction1 = 1 - beta1 ** state["step"]
                correction2 = 1 - beta2 ** state["step"]
                denom = (state["v"].sqrt() / math.sqrt(correction2)).add_(self.eps)
                p.addcdiv_(state["m"], denom, value=-self.lr / correction1)
            else:
                if self.momentum:
                    if "buffer" not in state:
                        state["buffer"] = g.clone()
                    else:
                        state["buffer"].mul_(self.momentum).add_(g)
                    g = state["buffer"]
                p.add_(g, alpha=-self.lr)


def optimizer_for(config: dict[str, Any], model: nn.Module) -> Optimizer:
    """The run's optimizer: "sgd", "momentum" (0.9) or "adam", with `config["lr"]`."""
    name, lr = config.get("optimizer", "sgd"), float(config.get("lr", 0.1))
    if name == "adam":
        return Optimizer(model.parameters(), "adam", lr)
    return Optimizer(model.parameters(), "sgd", lr, momentum=0.9 if name == "momentum" else 0.0)


def state(model: nn.Module, grads: bool = False) -> dict[str, Any]:
    """Parameters and buffers as float64 arrays (and `.grad`, "None" where there is none)."""
    out: dict[str, Any] = {
        name: value.detach().cpu().double().numpy() for name, value in model.state_dict().items()
    }
    if grads:
        for name, p in model.named_parameters():
            out[f"{name}.grad"] = (
                "None" if p.grad is None else p.grad.detach().cpu().double().numpy()
            )
    return out


def number(value: Any) -> Any:
    """A returned loss or accuracy as a float when it is one number (tensor, numpy or Python)."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.detach().cpu().item())
    if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        return float(value)
    return value


def pair(value: Any) -> Any:
    """A returned `(loss, accuracy)` with its numbers as floats, or the value as it came."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return (number(value[0]), number(value[1]))
    return value


# -- the scenarios -----------------------------------------------------------------------------


def described(where: str, value: Any) -> dict[str, Any]:
    """Type, dtype, shape and values of what should be a tensor, keyed for feedback."""
    if not isinstance(value, torch.Tensor):
        return {f"the type of {where}": type(value).__name__}
    return {
        f"the type of {where}": "Tensor",
        f"the dtype of {where}": str(value.dtype).replace("torch.", ""),
        f"the shape of {where}": tuple(int(n) for n in value.shape),
        where: value.detach().cpu().double().numpy(),
    }


def dataset_items(module: Any, X: np.ndarray, y: np.ndarray, indices: list[int]) -> dict[str, Any]:
    """`WineDataset(X, y)`: its type, length, the items at `indices`, and one collated batch."""
    dataset = module.WineDataset(X, y)
    seen = {"isinstance(dataset, Dataset)": isinstance(dataset, Dataset), "len(dataset)": len(dataset)}
    for i in indices:
        item = dataset[int(i)]
        pair = isinstance(item, (tuple, list)) and len(item) == 2
        seen[f"the type of dataset[{i}]"] = "pair" if pair else type(item).__name__
        if pair:
            seen |= described(f"dataset[{i}][0] (x)", item[0]) | described(f"dataset[{i}][1] (y)", item[1])
    loader = DataLoader(Subset(dataset, [int(i) for i in indices]), batch_size=len(indices))
    xb, yb = next(iter(loader))
    return seen | described("a DataLoader's batch of x", xb) | described("its batch of y", yb)


def train_epochs(module: Any, config: dict[str, Any], device: str) -> dict[str, Any]:
    """`train_one_epoch` for `config["epochs"]` epochs on a seeded model.

    `config`: seed, batch_size, epochs, optimizer ("sgd", "momentum", "adam"), lr,
    dropout, batchnorm, hidden, start ("eval" puts the model in eval mode first,
    so that forgetting `model.train()` shows). Returns the per-epoch
    `(loss, accuracy)`, the model's state afterwards and what was observed.
    """
    X, y = subset(config["seed"], config["n"])
    target = OBSERVER.start(device)
    model = build(config, X.shape[1], target)
    if config.get("start") == "eval":
        model.eval()
    loader = Loader(X, y, int(config["batch_size"]))
    optimizer = optimizer_for(config, model)
    criterion = Loss()
    torch.manual_seed(int(config["seed"]) + 1)
    results = []
    with Moves():
        for _ in range(int(config.get("epochs", 1))):
            results.append(
                pair(module.train_one_epoch(model, loader, optimizer, criterion, target))
            )
    return {"results": results, "state": state(model), **OBSERVER.report()}


def evaluate_runs(module: Any, config: dict[str, Any], device: str) -> dict[str, Any]:
    """`evaluate` called `config["calls"]` times on a seeded model left in *training* mode.

    Every parameter has a `.grad` (from one backward pass made here), so that
    evaluation code that touches gradients shows. Returns each call's
    `(loss, accuracy)`, the state (with `.grad`) before and after, and what was observed.
    """
    X, y = subset(config["seed"], config["n"])
    target = OBSERVER.start(device)
    model = build(config, X.shape[1], target)
    loader = Loader(X, y, int(config["batch_size"]))
    xb, yb = loader.batches[0]
    model.eval()
    nn.functional.cross_entropy(model(xb.to(target)), yb.to(target)).backward()
    model.train()
    OBSERVER.seen.clear()
    before = state(model, grads=True)
    criterion = Loss()
    torch.manual_seed(int(config["seed"]) + 1)
    with Moves():
        results = [
            pair(module.evaluate(model, loader, criterion, target))
            for _ in range(int(config.get("calls", 1)))
        ]
    return {
        "results": results,
        "before": before,
        "after": state(model, grads=True),
        **OBSERVER.report(),
    }


def fit_run(module: Any, config: dict[str, Any], device: str) -> dict[str, Any]:
    """`fit` on a seeded model: its history, the final state and what was observed.

    `config` as for `train_epochs`, plus `patience` (None: `fit` is called
    without it, so its default is used).
    """
    X, y, X_val, y_val = fit_data(config)
    target = OBSERVER.start(device)
    model = build(config, X.shape[1], target)
    train_loader = Loader(X, y, int(config["batch_size"]))
    val_loader = Loader(X_val, y_val, int(config.get("val_batch_size", config["batch_size"])))
    optimizer = optimizer_for(config, model)
    criterion = Loss()
    epochs = int(config["epochs"])
    extra = {} if config.get("patience") is None else {"patience": int(config["patience"])}
    torch.manual_seed(int(config["seed"]) + 1)
    with Moves():
        history = module.fit(
            model, train_loader, val_loader, optimizer, criterion, epochs, target, **extra
        )
    if isinstance(history, dict):
        history = {
            str(k): [number(v) for v in values] if isinstance(values, (list, tuple)) else values
            for k, values in history.items()
        }
    return {"history": history, "state": state(model), **OBSERVER.report()}


SCENARIOS = {f.__name__: f for f in (dataset_items, train_epochs, evaluate_runs, fit_run)}
many = batched(SCENARIOS, __name__)
"""`many(module, name, cases)`: several runs of one scenario in one round trip."""
