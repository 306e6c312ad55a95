"""Runs of `cnn` that need torch objects: the learner's SimpleCNN and digits model.

Each function takes the exercise's module first (the learner's in the worker,
the reference or a mutant in the grader) and plain data after it, and
returns plain data. Beside them, what those runs are given and give back:
the models `count_models` builds (`COUNTED`), the digits split the grader
reads (`digits_args`) and the text of a described layer (`layer_text`).

No function of the exercise takes a device: the grader moves the learner's
models. So "honouring the device" here means that a model goes wholly where
`model.to(device)` sends it, and that its forward creates nothing on a fixed
device. `runs_anywhere` checks that on every machine: it looks for tensors and
layers kept in plain attributes (which `.to` does not move) and watches the
forward, run on the device being graded, for tensors created without
`device=` or sent to the CPU, which would meet the model's tensors on a GPU.
"""

from __future__ import annotations

import contextlib
import functools
import math
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.modules.lazy import LazyModuleMixin
from torch.utils._device import _device_constructors

from grader.exercises.training_loop.scenarios import Optimizer, Watcher, number, start

MODULE_INTERNALS = frozenset(vars(nn.Module()))
"""What every nn.Module keeps in its `__dict__`: registries, hooks, the mode."""

BATCH_SIZE = 64
LEARNING_RATE = 1e-3


def placed(model: nn.Module, target: torch.device) -> nn.Module:
    """`model.to(target)`; off the CPU, what `.to` leaves behind is carried there too.

    So a model that keeps a tensor in a plain attribute computes on a GPU what
    it computes on the CPU: the device check says what is wrong with it, and
    no other check depends on whether a GPU is present.
    """
    model.to(target)
    if target.type == "cpu":
        return model
    for _, sub in model.named_modules():
        for name, value in list(vars(sub).items()):
            if name not in MODULE_INTERNALS and _holds_tensors(value):
                setattr(sub, name, _carried(value, target))
    return model


def _holds_tensors(value: Any) -> bool:
    values = value.values() if isinstance(value, dict) else value
    items = list(values) if isinstance(value, (list, tuple, dict)) else [value]
    return any(isinstance(v, (torch.Tensor, nn.Module)) for v in items)


def _carried(value: Any, target: torch.device) -> Any:
    if isinstance(value, (torch.Tensor, nn.Module)):
        return value.to(target)
    if isinstance(value, list):
        return [_carried(v, target) for v in value]
    if isinstance(value, tuple):
        return tuple(_carried(v, target) for v in value)
    if isinstance(value, dict):
        return {k: _carried(v, target) for k, v in value.items()}
    return value


def on(target: torch.device) -> Any:
    """Off the CPU, tensors created without `device=` are created on `target` (as with CPU
    tensors on the CPU); on the CPU, nothing to do."""
    return torch.device(target) if target.type != "cpu" else contextlib.nullcontext()


def built(module: Any, which: str) -> nn.Module:
    """`module.SimpleCNN()` or `module.build_digits_model()`, checked to be a Module."""
    model = module.SimpleCNN() if which == "SimpleCNN" else module.build_digits_model()
    if not isinstance(model, nn.Module):
        made = "SimpleCNN()" if which == "SimpleCNN" else "build_digits_model()"
        raise TypeError(f"{made} must give a torch.nn.Module, got {type(model).__name__}")
    return model


# -- SimpleCNN --------------------------------------------------------------------------------


def _pair(value: Any) -> list[int]:
    return [int(v) for v in value] if isinstance(value, (tuple, list)) else [int(value)] * 2


def describe_layer(layer: Any) -> dict[str, Any]:
    """A layer's kind and hyper-parameters ("same" padding written out as numbers)."""
    if layer is None:
        return {"type": "missing"}
    if isinstance(layer, nn.Conv2d):
        kernel = _pair(layer.kernel_size)
        padding = layer.padding
        if padding == "same":
            padding = [(k - 1) // 2 for k in kernel] if all(k % 2 for k in kernel) else "same"
        elif padding == "valid":
            padding = [0, 0]
        return {
            "type": "Conv2d",
            "in_channels": int(layer.in_channels),
            "out_channels": int(layer.out_channels),
            "kernel_size": kernel,
            "stride": _pair(layer.stride),
            "padding": _pair(padding) if padding != "same" else padding,
        }
    if isinstance(layer, nn.Linear):
        return {
            "type": "Linear",
            "in_features": int(layer.in_features),
            "out_features": int(layer.out_features),
        }
    return {"type": type(layer).__name__}


Layer = tuple[str, nn.Module]
"""A weighted layer and where it sits in the model (`named_modules`' path)."""


NOTES_LAYERS = [
    describe_layer(layer)
    for layer in (
        nn.Conv2d(3, 32, 3, padding=1, device="meta"),
        nn.Conv2d(32, 64, 3, padding=1, device="meta"),
        nn.Linear(64 * 8 * 8, 128, device="meta"),
        nn.Linear(128, 10, device="meta"),
    )
]
"""SimpleCNN's weighted layers as the curriculum gives them, in the order data meets them.

The contract names no attribute: a SimpleCNN is known by these layers, found
wherever the learner registered them (attributes of any name, nn.Sequential,
nn.ModuleList), and the grader's weights go into them in this order.
"""


def weighted_layers(model: nn.Module) -> list[Layer]:
    """The Conv2d and Linear layers of `model`, in registration order, with their paths.

    Lazy layers (`nn.LazyLinear`, ...) get their shapes from one forward pass on
    a zero image first, as they would from the first batch.
    """
    if any(
        isinstance(m, LazyModuleMixin) and m.has_uninitialized_params() for m in model.modules()
    ):
        with torch.no_grad():
            model(torch.zeros((1, 3, 32, 32)))
    return [(name, m) for name, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def in_notes_order(layers: list[Layer]) -> list[Layer]:
    """The layers matched one to one with `NOTES_LAYERS` by kind and shape, in the notes'
    order (so registering `fc1` before `conv1` is fine too). Where they do not all match:
    the Conv2d layers, then the Linear ones, each in registration order."""
    described = [describe_layer(layer) for _, layer in layers]
    left = list(range(len(layers)))
    order = []
    for want in NOTES_LAYERS:
        found = next((i for i in left if described[i] == want), None)
        if found is None:
            break
        left.remove(found)
        order.append(found)
    if left or len(order) < len(NOTES_LAYERS):
        return sorted(layers, key=lambda layer: not isinstance(layer[1], nn.Conv2d))
    return [layers[i] for i in order]


def described(layers: list[Layer]) -> list[dict[str, Any]]:
    """Each layer's description, with its path under "path" (for feedback only)."""
    return [{"path": path, **describe_layer(layer)} for path, layer in layers]


def layer_text(layer: dict[str, Any]) -> str:
    """A described layer as the learner would write it (for feedback)."""
    if layer["type"] == "Conv2d":
        padding = layer["padding"]
        return (
            f"Conv2d({layer['in_channels']}, {layer['out_channels']}, kernel_size="
            f"{tuple(layer['kernel_size'])}, stride={tuple(layer['stride'])}, padding="
            f"{tuple(padding) if isinstance(padding, list) else padding!r})"
        )
    if layer["type"] == "Linear":
        return f"Linear({layer['in_features']}, {layer['out_features']})"
    return f"a {layer['type']}"


def layer_place(layer: dict[str, Any]) -> str:
    """Where the learner registered a described layer."""
    return f"self.{layer['path']}" if layer["path"] else "the model itself"


def fill_layers(layers: list[Layer], seed: int) -> None:
    """Seeded weights ~ N(0, 1/fan_in) and biases ~ N(0, 0.1^2), layer after layer."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, layer in layers:
            weight, bias = getattr(layer, "weight", None), getattr(layer, "bias", None)
            if isinstance(weight, torch.Tensor) and weight.dim() > 1:
                fan_in = weight[0].numel()
                weight.copy_(torch.randn(weight.shape, generator=generator) / math.sqrt(fan_in))
            if isinstance(bias, torch.Tensor):
                bias.copy_(0.1 * torch.randn(bias.shape, generator=generator))


def simple_cnn_layers(module: Any) -> list[dict[str, Any]]:
    """`SimpleCNN()`'s Conv2d and Linear layers, described (in the notes' order where they match)."""
    start("cpu")
    torch.manual_seed(0)
    return described(in_notes_order(weighted_layers(built(module, "SimpleCNN"))))


def simple_cnn(module: Any, seed: int, batch: int, device: str) -> dict[str, Any]:
    """`SimpleCNN()`: its weighted layers, and its logits for seeded weights and images."""
    target = start(device)
    torch.manual_seed(seed)
    model = built(module, "SimpleCNN")
    layers = in_notes_order(weighted_layers(model))
    fill_layers(layers, seed)
    images = torch.rand((batch, 3, 32, 32), generator=torch.Generator().manual_seed(seed + 1))
    placed(model, target).eval()
    images = images.to(target)
    with torch.no_grad(), on(target):
        out = model(images)
    if isinstance(out, torch.Tensor):
        output: Any = out.detach().cpu().double().numpy()
    else:
        output = type(out).__name__
    return {"layers": described(layers), "output": output}


# -- count_parameters ------------------------------------------------------------------------


def layer_from_spec(spec: list[Any]) -> nn.Module:
    """One layer from its plain description; the last entry of conv/linear/bn is `frozen`."""
    kind = spec[0]
    if kind == "conv":
        _, cin, cout, k, bias, frozen = spec
        layer: nn.Module = nn.Conv2d(cin, cout, k, padding=k // 2, bias=bias)
    elif kind == "linear":
        _, fin, fout, bias, frozen = spec
        layer = nn.Linear(fin, fout, bias=bias)
    elif kind == "bn":
        _, channels, frozen = spec
        layer = nn.BatchNorm2d(channels)
    else:
        return {"relu": nn.ReLU, "pool": lambda: nn.MaxPool2d(2), "flatten": nn.Flatten}[kind]()
    for p in layer.parameters():
        p.requires_grad_(not frozen)
    return layer


COUNTED: list[tuple[str, list[list[Any]]]] = [
    (  # 896 + 18,496 + 524,416 + 1,290 = 545,098
        "the notes' SimpleCNN",
        [
            ["conv", 3, 32, 3, True, False],
            ["relu"],
            ["pool"],
            ["conv", 32, 64, 3, True, False],
            ["relu"],
            ["pool"],
            ["flatten"],
            ["linear", 4096, 128, True, False],
            ["relu"],
            ["linear", 128, 10, True, False],
        ],
    ),
    (  # batch norm's affine parameters count, its running statistics (buffers) do not
        "a conv + batch-norm + linear model",
        [
            ["conv", 1, 8, 3, True, False],
            ["bn", 8, False],
            ["flatten"],
            ["linear", 72, 10, True, False],
        ],
    ),
    (
        "a model whose conv and batch norm are frozen (requires_grad=False)",
        [["conv", 1, 8, 3, True, True], ["bn", 8, True], ["linear", 72, 10, False, False]],
    ),
    ("Linear(5, 3, bias=False)", [["linear", 5, 3, False, False]]),
    ("a model with no parameters", [["relu"], ["flatten"]]),
]
"""The models count_parameters must count right, described for feedback, as layer specs."""


def count_models(module: Any, specs: list[list[list[Any]]]) -> list[Any]:
    """`count_parameters` of each model described in `specs` (an nn.Sequential each)."""
    start("cpu")
    torch.manual_seed(0)
    return [number(module.count_parameters(nn.Sequential(*map(layer_from_spec, s)))) for s in specs]


# -- the digits model ------------------------------------------------------------------------


DIGITS_SEED, DIGITS_EPOCHS, DIGITS_THRESHOLD = 0, 20, 0.95


@functools.lru_cache(maxsize=1)
def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits as float32 (1797, 1, 8, 8) images in [0, 1], int64 labels
    (read in the grader, from the copy scikit-learn ships)."""
    from grader.engine.values import sklearn_data

    data = sklearn_data("digits.csv.gz")
    if data is None:  # pragma: no cover - another layout of scikit-learn's files
        from sklearn.datasets import load_digits

        bunch = load_digits()
        pixels, labels = bunch.data, bunch.target
    else:
        pixels, labels = data[:, :-1], data[:, -1]
    images = (np.asarray(pixels, dtype=np.float64) / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    return images, np.asarray(labels).astype(np.int64)


def stratified_split(
    labels: np.ndarray, seed: int, test_fraction: float = 0.25
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices: each class split 75/25 by a generator seeded with `seed`."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        cut = round(len(members) * test_fraction)
        test.append(members[:cut])
        train.append(members[cut:])
    return rng.permutation(np.concatenate(train)), np.sort(np.concatenate(test))


def digits_args(device: str) -> list[Any]:
    """The arguments of `digits_accuracy` after the module: the split, seed, epochs, device."""
    images, labels = digits()
    train, test = stratified_split(labels, DIGITS_SEED)
    split = [images[train], labels[train], images[test], labels[test]]
    return [*split, DIGITS_SEED, DIGITS_EPOCHS, device]


def digits_accuracy(
    module: Any,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    seed: int,
    epochs: int,
    device: str,
) -> dict[str, Any]:
    """Train `build_digits_model()` with the standard loop; its test accuracy.

    The loop: cross-entropy, Adam (lr 1e-3), batches of 64 reshuffled every
    epoch by a generator seeded with `seed`, `epochs` epochs, on `device`;
    torch is seeded with `seed` before the model is built. Returns the test
    accuracy and the mean training loss of each epoch.
    """
    target = start(device)
    torch.manual_seed(seed)
    model = placed(built(module, "build_digits_model"), target)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("build_digits_model()'s model has no trainable parameters")
    optimizer = Optimizer(params, "adam", LEARNING_RATE)
    features = torch.as_tensor(X_train, dtype=torch.float32).to(target)
    labels = torch.as_tensor(y_train, dtype=torch.int64).to(target)
    order_generator = torch.Generator().manual_seed(seed)
    n = len(labels)
    losses = []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n, generator=order_generator).to(target)
        total = 0.0
        for i in range(0, n, BATCH_SIZE):
            index = order[i : i + BATCH_SIZE]
            batch = features[index]
            with on(target):
                logits = model(batch)
            if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != (len(index), 10):
                shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else logits
                raise ValueError(
                    f"for a batch of shape ({len(index)}, 1, 8, 8) the model returned {shape}; "
                    f"it must return logits of shape ({len(index)}, 10)"
                )
            loss = nn.functional.cross_entropy(logits, labels[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        losses.append(total / n)
    model.eval()
    test_features = torch.as_tensor(X_test, dtype=torch.float32).to(target)
    with torch.no_grad(), on(target):
        logits = model(test_features)
    predictions = logits.argmax(dim=1).cpu().numpy()
    return {"accuracy": float(np.mean(predictions == np.asarray(y_test))), "losses": losses}


# -- devices ------------------------------------------------------------------------------------

FACTORIES = frozenset(_device_constructors()) | {torch.from_numpy}
"""Functions that create a tensor on a fixed device (the CPU) unless given `device=`."""

FOLLOWERS = frozenset({torch.as_tensor, torch.asarray})
"""Factories that keep a tensor argument where it is."""


def left_behind(model: nn.Module) -> list[str]:
    """Tensors and layers kept in plain attributes, where `model.to(device)` does not look."""
    found = []
    for prefix, sub in model.named_modules():
        for name, value in vars(sub).items():
            if name not in MODULE_INTERNALS and _holds_tensors(value):
                found.append(f"{prefix}.{name}" if prefix else name)
    return found


class FixedDevices(Watcher):
    """Notes what a forward pass creates on, or sends to, the CPU whatever the model's device.

    A tensor made by `torch.zeros(...)` (and the like) without `device=` is on
    the CPU even when the model is on a GPU; so is the result of `.cpu()` or
    `.numpy()`. Zero-dimensional tensors are let through: torch mixes those
    with tensors on any device.
    """

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def seen(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> Any:
        name = getattr(func, "__name__", str(func))
        if func in (torch.Tensor.cpu, torch.Tensor.numpy):
            self.found.append(f"x.{name}()")
        elif (
            func in FACTORIES
            and kwargs.get("device") is None
            and not (func in FOLLOWERS and args and isinstance(args[0], torch.Tensor))
            and isinstance(result, torch.Tensor)
            and result.dim() > 0
        ):
            self.found.append(f"torch.{name}(...) without device=")
        return result


def runs_anywhere(module: Any, which: str, device: str) -> dict[str, Any]:
    """Whether a model of `which` ("SimpleCNN" or "build_digits_model") goes wholly to a device.

    Returns the attributes `.to` would leave behind, what its forward created
    on a fixed device (see `FixedDevices`), and the device and shape of its
    output, run on `device`; and all that stays off the device, described in
    `behind` ("" if nothing). Both are found on every machine, before they
    could make a forward pass on a GPU fail: the verdict is the same with or
    without one.
    """
    target = start(device)
    torch.manual_seed(0)
    model = built(module, which)
    shape = (2, 3, 32, 32) if which == "SimpleCNN" else (2, 1, 8, 8)
    stray = left_behind(model)
    images = torch.rand(shape, generator=torch.Generator().manual_seed(0)).to(target)
    placed(model, target).eval()
    watch = FixedDevices()
    with torch.no_grad(), on(target), watch:
        out = model(images)
    on_cpu = sorted(set(watch.found))
    output = out.device.type if isinstance(out, torch.Tensor) else None
    behind = [f"self.{name} (a plain attribute)" for name in stray]
    behind += [f"{made} in forward" for made in on_cpu]
    behind += [f"its output (on {output})"] if output != target.type else []
    return {
        "behind": ", ".join(behind),
        "left_behind": stray,
        "fixed_device": on_cpu,
        "output_device": output,
        "output_shape": list(out.shape) if isinstance(out, torch.Tensor) else None,
    }
