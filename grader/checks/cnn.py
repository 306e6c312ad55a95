"""Checks for `cnn`: convolution and max pooling in numpy, then SimpleCNN and a digits model.

The numpy layers have one table row each (`Fn` + `checks_for`): random
geometries over (N, C, H, W, F, KH, KW, stride, padding) with H != W,
non-square kernels and sizes where ``(H + 2P - K)`` is not a multiple of the
stride, and max-pool inputs of distinct values (no ties). Beside them, the
properties of shared/spec/checking.md, each a visible check of its own:

- a one-hot kernel at a corner with padding 1 reveals the padding;
- an asymmetric kernel reveals a flipped kernel (true convolution);
- odd sizes with strides 2 and 3 reveal an ignored stride;
- overlapping windows (kernel 3, stride 1) in both backward passes, max pooling
  with ``arange`` upstream gradients, so every routed and accumulated
  gradient can be told apart.

The torch part runs in the worker through `grader.scenarios.cnn`: SimpleCNN's
layers and its logits for seeded weights, `count_parameters` on models with
frozen layers and batch norm, and the digits model trained for real with the
curriculum's standard loop (cross-entropy, Adam 1e-3, batches of 64, 20
epochs, seeded stratified 75/25 split of scikit-learn's digits, read from the
copy scikit-learn ships), which must reach a test accuracy of 0.95. Devices:
no function takes one, so the grader moves the models itself and checks, on
every machine, that they go wholly to the device (see `runs_anywhere`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader.checks.base import (
    Abort,
    Call,
    Check,
    Context,
    Exercise,
    Failure,
    Fn,
    Subject,
    Verdict,
    cases_check,
    checks_for,
    compare_calls,
    describe_call,
    hidden_check,
    learner_failure,
    learner_scenario,
    scenario_check,
)
from grader.checks.compare import difference, show
from grader.checks.strategies import finite_floats, seeds, sklearn_data
from grader.engine.mutants import load as load_mutants
from grader.exercises.cnn.scenarios import (
    count_models,
    digits_accuracy,
    runs_anywhere,
    simple_cnn,
    simple_cnn_layers,
)
from grader.paths import SOLUTIONS
from grader.result import Series
from grader.worker import LearnerError

TORCH_RTOL, TORCH_ATOL = 1e-4, 1e-5
"""float32 forward passes on both sides, possibly summed in another order."""

PROBE_DEVICE = "cpu"

# -- geometry ----------------------------------------------------------------------------------


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def layer_kwargs(stride: int, padding: int, form: int) -> dict[str, int]:
    """Keyword arguments as a learner's caller writes them; form 0 leaves out the defaults."""
    kwargs = {"stride": stride, "padding": padding}
    if form == 0:
        return {k: v for k, v in kwargs.items() if v != (1 if k == "stride" else 0)}
    return kwargs


@st.composite
def output_size_calls(draw: Any) -> Call:
    kernel = draw(st.integers(1, 7))
    padding = draw(st.integers(0, 3))
    stride = draw(st.integers(1, 4))
    size = draw(st.integers(max(1, kernel - 2 * padding), 40))
    if draw(st.booleans()):
        return (size, kernel, stride, padding), {}
    return (size, kernel), layer_kwargs(stride, padding, draw(st.integers(0, 1)))


def output_size_hidden(rng: np.random.Generator) -> Call:
    kernel, padding, stride = (
        int(rng.integers(1, 8)),
        int(rng.integers(0, 4)),
        int(rng.integers(1, 5)),
    )
    size = int(rng.integers(max(1, kernel - 2 * padding), 65))
    return (size, kernel, stride, padding), {}


def conv_call(
    rng: np.random.Generator, sizes: tuple[int, ...], scale: float, form: int, backward: bool
) -> Call:
    """One conv2d call of the given sizes, arrays filled from `rng`."""
    n, c, h, w, f, kh, kw, stride, padding = sizes
    x = rng.uniform(-scale, scale, (n, c, h, w))
    weight = rng.uniform(-1.0, 1.0, (f, c, kh, kw))
    bias = rng.uniform(-1.0, 1.0, f)
    kwargs = layer_kwargs(stride, padding, form)
    if not backward:
        return (x, weight, bias), kwargs
    oh, ow = output_size(h, kh, stride, padding), output_size(w, kw, stride, padding)
    dout = rng.uniform(-1.0, 1.0, (n, f, oh, ow))
    return (dout, x, weight, bias), kwargs


@st.composite
def conv_calls(draw: Any, backward: bool = False) -> Call:
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, padding = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * padding), 7))
    w = draw(st.integers(max(1, kw - 2 * padding), 7))
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(seeds()))
    scale = draw(st.sampled_from([1.0, 10.0]))
    sizes = (n, c, h, w, f, kh, kw, stride, padding)
    return conv_call(rng, sizes, scale, draw(st.integers(0, 1)), backward)


def conv_hidden(backward: bool) -> Callable[[np.random.Generator], Call]:
    def draw(rng: np.random.Generator) -> Call:
        kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        h = int(rng.integers(max(1, kh - 2 * padding), 10))
        w = int(rng.integers(max(1, kw - 2 * padding), 10))
        n, c, f = (int(v) for v in rng.integers(1, 4, size=3))
        sizes = (n, c, h, w, f, kh, kw, stride, padding)
        return conv_call(rng, sizes, float(rng.choice([1.0, 5.0])), 1, backward)

    return draw


def distinct(rng: np.random.Generator, shape: tuple[int, ...], scale: float) -> np.ndarray:
    """Values that are all different (no ties in a max), in random order, of both signs."""
    count = int(np.prod(shape))
    return (rng.permutation(count) - count / 2.0).reshape(shape) * scale


def pool_call(
    rng: np.random.Generator, sizes: tuple[int, ...], scale: float, form: int, backward: bool
) -> Call:
    n, c, h, w, size, stride = sizes
    x = distinct(rng, (n, c, h, w), scale)
    kwargs = {"size": size, "stride": stride}
    if form == 0 and size == 2 and stride == 2:
        kwargs = {}
    if not backward:
        return (x,), kwargs
    dout = rng.uniform(
        -1.0, 1.0, (n, c, output_size(h, size, stride, 0), output_size(w, size, stride, 0))
    )
    return (dout, x), kwargs


@st.composite
def pool_calls(draw: Any, backward: bool = False) -> Call:
    size, stride = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(size, 7)), draw(st.integers(size, 7))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(seeds()))
    scale = draw(st.sampled_from([0.25, 3.0]))
    return pool_call(rng, (n, c, h, w, size, stride), scale, draw(st.integers(0, 1)), backward)


def pool_hidden(backward: bool) -> Callable[[np.random.Generator], Call]:
    def draw(rng: np.random.Generator) -> Call:
        size, stride = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        h, w = int(rng.integers(size, 10)), int(rng.integers(size, 10))
        n, c = int(rng.integers(1, 3)), int(rng.integers(1, 4))
        return pool_call(
            rng, (n, c, h, w, size, stride), float(rng.choice([0.1, 2.0])), 1, backward
        )

    return draw


# -- fixed inputs that make each classic mistake show --------------------------------------------

IMAGE = np.arange(1.0, 21.0).reshape(1, 1, 4, 5)
"""A 4 x 5 image whose entries are all different: where a value lands, it can be traced."""


def one_hot(kh: int, kw: int, p: int, q: int) -> np.ndarray:
    w = np.zeros((1, 1, kh, kw))
    w[0, 0, p, q] = 1.0
    return w


ASYMMETRIC = np.arange(1.0, 7.0).reshape(1, 1, 2, 3)
"""A kernel that differs from itself flipped in both directions."""

PADDING_CASES: tuple[Call, ...] = (
    ((IMAGE, one_hot(3, 3, 0, 0), np.zeros(1)), {"padding": 1}),
    ((IMAGE, one_hot(3, 3, 2, 2), np.zeros(1)), {"padding": 1}),
    ((IMAGE, one_hot(2, 3, 1, 0), np.array([0.5])), {"stride": 1, "padding": 2}),
)

FLIP_CASES: tuple[Call, ...] = (
    ((IMAGE, ASYMMETRIC, np.zeros(1)), {}),
    (
        (
            np.arange(40.0).reshape(1, 2, 4, 5) % 7,
            np.stack([ASYMMETRIC[0], -ASYMMETRIC[0][:, ::-1]], axis=1).repeat(2, axis=0),
            np.array([1.0, -1.0]),
        ),
        {"padding": 1},
    ),
)

ODD = np.random.default_rng(7).uniform(-1.0, 1.0, (2, 2, 7, 6))
ODD_W = np.random.default_rng(8).uniform(-1.0, 1.0, (3, 2, 3, 2))
STRIDE_CASES: tuple[Call, ...] = (
    ((ODD, ODD_W, np.array([0.1, 0.2, 0.3])), {"stride": 2}),
    ((ODD, ODD_W, np.array([0.1, 0.2, 0.3])), {"stride": 3, "padding": 1}),
    ((ODD[:, :, :5, :], ODD_W[:, :, :3, :1], np.zeros(3)), {"stride": 2, "padding": 1}),
)

DOUT_RNG = np.random.default_rng(9)
OVERLAP_BACKWARD: tuple[Call, ...] = (
    ((DOUT_RNG.uniform(-1, 1, (2, 3, 7, 7)), ODD, ODD_W, np.zeros(3)), {"padding": 1}),
    ((DOUT_RNG.uniform(-1, 1, (2, 3, 4, 4)), ODD, ODD_W, np.zeros(3)), {"stride": 2, "padding": 1}),
)

POOL_X = np.random.default_rng(11).permutation(30).reshape(1, 1, 5, 6) - 14.5
"""A 5 x 6 image of distinct values, most windows' maxima in different places."""

POOL_OVERLAP: tuple[Call, ...] = (
    ((np.arange(1.0, 13.0).reshape(1, 1, 3, 4), POOL_X), {"size": 3, "stride": 1}),
    ((np.arange(1.0, 5.0).reshape(1, 1, 2, 2), POOL_X), {"size": 3, "stride": 2}),
)
POOL_ROUTES: tuple[Call, ...] = (
    ((np.arange(1.0, 7.0).reshape(1, 1, 2, 3), POOL_X), {}),
    ((np.arange(1.0, 7.0).reshape(1, 1, 2, 3) * -1.0, POOL_X * 0.01), {"size": 2, "stride": 2}),
)

# -- the table ----------------------------------------------------------------------------------

TABLE = [
    Fn(
        "conv_output_size",
        output_size_calls(),
        output_size_hidden,
        special=(
            ((32, 3, 1, 1), {}),
            ((7, 3, 2, 0), {}),
            ((7, 3, 2, 1), {}),
            ((8, 3), {"stride": 2, "padding": 1}),
            ((6, 4), {"stride": 3, "padding": 2}),
            ((10, 5), {"stride": 3}),
            ((1, 1), {}),
            ((4, 5), {"padding": 1}),
            ((5, 2), {"stride": 2}),
        ),
        special_title="odd sizes, strides that do not divide, 'same' padding",
    ),
    Fn("conv2d_forward", conv_calls(), conv_hidden(False)),
    Fn("conv2d_backward", conv_calls(backward=True), conv_hidden(True)),
    Fn(
        "maxpool2d_forward",
        pool_calls(),
        pool_hidden(False),
        special=(
            ((-1.0 - np.arange(24.0).reshape(1, 2, 3, 4),), {}),
            ((POOL_X,), {"size": 3, "stride": 1}),
            ((POOL_X,), {"size": 2, "stride": 3}),
        ),
        special_title="all-negative inputs, overlapping windows, odd sizes",
    ),
    Fn("maxpool2d_backward", pool_calls(backward=True), pool_hidden(True)),
]


def table_checks(name: str) -> list[Check]:
    return next(checks_for(row) for row in TABLE if row.name == name)


def fixed_check(id: str, title: str, name: str, cases: tuple[Call, ...]) -> Check:
    """A visible check on hand-picked calls, compared with the reference."""

    def body(ctx: Context, case: Call) -> Failure | None:
        return compare_calls(ctx, name, [case])

    return cases_check(
        id, title, [name], lambda: list(cases), body, describe=lambda c: describe_call(name, *c)
    )


def bias_gradient_body(ctx: Context, case: Call) -> Any:
    """Only db: the sum of dout over the batch and every position, shape (F,)."""
    try:
        (outcome,) = ctx.learner.call_many("conv2d_backward", [case])
    except LearnerError as error:
        raise Abort(error) from None
    if isinstance(outcome, LearnerError):
        if outcome.kind != "exception":
            raise Abort(outcome)
        return learner_failure(outcome, "conv2d_backward")
    value = outcome[0]
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        return f"conv2d_backward must return (dx, dw, db), returned {show(value)}"
    expected = ctx.reference.call("conv2d_backward", *case[0], **case[1])[2]
    found = difference(expected, value[2])
    if found:
        return (
            f"db is wrong: {found}. The bias is added at every position of every image, so "
            "db[f] = dout[:, f].sum(): a sum over the batch and both spatial axes"
        )
    return None


BIAS_CASES: tuple[Call, ...] = (
    (
        (
            np.arange(1.0, 25.0).reshape(3, 2, 2, 2),
            ODD[:1].repeat(3, 0)[:, :, :3, :3],
            ODD_W[:2, :, :2, :2],
            np.zeros(2),
        ),
        {},
    ),
)

# -- the torch part -----------------------------------------------------------------------------


def layer_text(layer: dict[str, Any]) -> str:
    kind = layer["type"]
    if kind == "Conv2d":
        return (
            f"Conv2d({layer['in_channels']}, {layer['out_channels']}, "
            f"kernel_size={tuple(layer['kernel_size'])}, stride={tuple(layer['stride'])}, "
            f"padding={tuple(layer['padding']) if isinstance(layer['padding'], list) else layer['padding']!r})"
        )
    if kind == "Linear":
        return f"Linear({layer['in_features']}, {layer['out_features']})"
    return f"a {kind}"


def where(layer: dict[str, Any]) -> str:
    return f"self.{layer['path']}" if layer["path"] else "the model itself"


def layers_problem(expected: list[dict[str, Any]], received: list[dict[str, Any]]) -> str | None:
    """What differs between the learner's Conv2d and Linear layers and the notes' (names aside)."""

    def shape(layer: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in layer.items() if k != "path"}

    if len(received) != len(expected):
        notes = ", ".join(layer_text(layer) for layer in expected)
        yours = ", ".join(f"{layer_text(layer)} ({where(layer)})" for layer in received)
        return (
            f"SimpleCNN should have {len(expected)} Conv2d and Linear layers, the notes' "
            f"{notes}; yours has {len(received)}{': ' + yours if yours else ''}"
        )
    for want, got in zip(expected, received, strict=True):
        if difference(shape(want), shape(got)) is not None:
            return f"{where(got)} should be {layer_text(want)}; yours is {layer_text(got)}"
    return None


def judge_layers(ctx: Context) -> str | None:
    received = learner_scenario(ctx, "SimpleCNN", simple_cnn_layers)
    if isinstance(received, Failure):
        return received.message
    return layers_problem(ctx.reference.scenario(simple_cnn_layers), received)


def forward_problem(expected: dict[str, Any], received: dict[str, Any]) -> str | None:
    output = received["output"]
    if not isinstance(output, np.ndarray):
        return f"SimpleCNN's forward must return a tensor of logits, returned a {output}"
    found = difference(expected["output"], output, TORCH_RTOL, TORCH_ATOL)
    if found:
        return (
            "with the grader's weights in its two Conv2d and two Linear layers, the logits "
            f"differ: {found}. The order is conv 3->32, ReLU, 2x2 max pool, conv 32->64, ReLU, "
            "2x2 max pool, flatten, linear 4096->128, ReLU, linear 128->10 (no softmax)"
        )
    return None


def judge_forward(ctx: Context) -> str | None:
    received = learner_scenario(ctx, "SimpleCNN", simple_cnn, 1, 3, ctx.device)
    if isinstance(received, Failure):
        return received.message
    return forward_problem(ctx.reference.scenario(simple_cnn, 1, 3, ctx.device), received)


def simple_cnn_hidden_body(ctx: Context, cases: list[tuple[int, int]]) -> Any:
    for seed, batch in cases:
        received = learner_scenario(ctx, "SimpleCNN", simple_cnn, seed, batch, ctx.device)
        if isinstance(received, Failure):
            return received
        expected = ctx.reference.scenario(simple_cnn, seed, batch, ctx.device)
        problem = layers_problem(expected["layers"], received["layers"]) or forward_problem(
            expected, received
        )
        if problem:
            return problem
    return None


def device_judge(which: str) -> Callable[[Context], str | None]:
    made = "SimpleCNN()" if which == "SimpleCNN" else "build_digits_model()'s model"

    def judge(ctx: Context) -> str | None:
        received = learner_scenario(ctx, which, runs_anywhere, which, ctx.device)
        if isinstance(received, Failure):
            return received.message
        return device_problem(made, received, ctx.device, which)

    return judge


def device_problem(made: str, received: dict[str, Any], device: str, which: str) -> str | None:
    out = (10,)
    if received["left_behind"]:
        names = ", ".join(f"self.{n}" for n in received["left_behind"])
        return (
            f"{made} keeps tensors or layers in plain attributes ({names}): model.to(device) "
            "moves only registered parameters, buffers and submodules, so these stay on the "
            "CPU and the forward fails on a GPU. Register a constant tensor with "
            "self.register_buffer(name, tensor), and keep layers in nn.Sequential or nn.ModuleList"
        )
    if received["output_device"] != device.split(":")[0]:
        return f"{made} moved to {device!r} returned its output on {received['output_device']}"
    if received["output_shape"] is None or tuple(received["output_shape"][1:]) != out:
        return f"{made} returned shape {received['output_shape']} for 2 images; expected [2, 10]"
    if received["fixed_device"]:
        return (
            f"{made}'s forward creates tensors on the CPU whatever the model's device "
            f"({', '.join(received['fixed_device'])}): on a GPU they would meet the model's "
            "tensors and fail. Create them on the input's device (torch.zeros(..., "
            "device=x.device), x.new_zeros(...)), or register constants as buffers"
        )
    return None


COUNT_SPECS: list[list[list[Any]]] = [
    # the notes' SimpleCNN: 896 + 18,496 + 524,416 + 1,290 = 545,098
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
    # batch norm: its affine parameters count, its running statistics (buffers) do not
    [
        ["conv", 1, 8, 3, True, False],
        ["bn", 8, False],
        ["flatten"],
        ["linear", 72, 10, True, False],
    ],
    # a frozen layer (requires_grad False) is not trainable
    [["conv", 1, 8, 3, True, True], ["bn", 8, True], ["linear", 72, 10, False, False]],
    [["linear", 5, 3, False, False]],
    [["relu"], ["flatten"]],
]


def judge_counts(ctx: Context) -> str | None:
    received = learner_scenario(ctx, "count_parameters", count_models, COUNT_SPECS)
    if isinstance(received, Failure):
        return received.message
    expected = ctx.reference.scenario(count_models, COUNT_SPECS)
    return counts_problem(expected, received, visible=True)


WHAT = (
    "the notes' SimpleCNN",
    "a conv + batch-norm + linear model",
    "a model whose conv and batch norm are frozen (requires_grad=False)",
    "Linear(5, 3, bias=False)",
    "a model with no parameters",
)


def counts_problem(expected: list[Any], received: list[Any], visible: bool) -> str | None:
    for i, (want, got) in enumerate(zip(expected, received, strict=True)):
        if difference(want, got, 0.0, 0.0) is not None:
            what = WHAT[i] if visible else "a model"
            return (
                f"count_parameters gave {show(got)} for {what}, expected {want}: count the "
                "scalars of every parameter with requires_grad (p.numel()); buffers such as "
                "batch norm's running statistics are not parameters"
            )
    return None


def count_hidden(rng: np.random.Generator) -> list[list[list[Any]]]:
    specs = []
    for _ in range(3):
        layers: list[list[Any]] = []
        for _ in range(int(rng.integers(1, 4))):
            kind = str(rng.choice(["conv", "linear", "bn", "relu"]))
            frozen = bool(rng.random() < 0.3)
            if kind == "conv":
                layers.append(
                    [
                        "conv",
                        int(rng.integers(1, 5)),
                        int(rng.integers(1, 9)),
                        int(rng.choice([1, 3, 5])),
                        bool(rng.integers(0, 2)),
                        frozen,
                    ]
                )
            elif kind == "linear":
                layers.append(
                    [
                        "linear",
                        int(rng.integers(1, 50)),
                        int(rng.integers(1, 20)),
                        bool(rng.integers(0, 2)),
                        frozen,
                    ]
                )
            elif kind == "bn":
                layers.append(["bn", int(rng.integers(1, 9)), frozen])
            else:
                layers.append(["relu"])
        specs.append(layers)
    return specs


def count_hidden_body(ctx: Context, specs: list[list[list[Any]]]) -> Any:
    received = learner_scenario(ctx, "count_parameters", count_models, specs)
    if isinstance(received, Failure):
        return received
    return counts_problem(ctx.reference.scenario(count_models, specs), received, visible=False)


@lru_cache(maxsize=1)
def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits as float32 (1797, 1, 8, 8) images in [0, 1], int64 labels."""
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


DIGITS_SEED = 0
DIGITS_EPOCHS = 20
DIGITS_THRESHOLD = 0.95


def digits_args(device: str) -> list[Any]:
    images, labels = digits()
    train, test = stratified_split(labels, DIGITS_SEED)
    return [
        images[train],
        labels[train],
        images[test],
        labels[test],
        DIGITS_SEED,
        DIGITS_EPOCHS,
        device,
    ]


def judge_digits(ctx: Context) -> Verdict:
    args = digits_args(ctx.device)
    received = learner_scenario(ctx, "build_digits_model", digits_accuracy, *args)
    if isinstance(received, Failure):
        return Verdict(False, received.message)
    accuracy, losses = received["accuracy"], received["losses"]
    series = [Series("digits: your model's training loss per epoch", finite_floats(losses), [])]
    if accuracy >= DIGITS_THRESHOLD:
        return Verdict(True, f"test accuracy {accuracy:.3f}", series=series)
    return Verdict(
        False,
        f"after the standard training ({DIGITS_EPOCHS} epochs of Adam, lr 1e-3, batches of 64) "
        f"the test accuracy is {accuracy:.3f}; it must be at least {DIGITS_THRESHOLD}. A small "
        "CNN is enough: Conv2d(1, 32, 3, padding=1), ReLU, MaxPool2d(2), Flatten, "
        "Linear(32 * 4 * 4, 128), ReLU, Linear(128, 10); return logits, without a softmax",
        f"build_digits_model() trained on {len(args[1])} digits, tested on {len(args[3])}",
        series,
    )


CHECKS: list[Check] = [
    *table_checks("conv_output_size"),
    *table_checks("conv2d_forward"),
    fixed_check(
        "conv2d_forward-padding-one-hot-corner",
        "conv2d_forward pads with zeros: a one-hot corner kernel with padding 1 shifts the image",
        "conv2d_forward",
        PADDING_CASES,
    ),
    fixed_check(
        "conv2d_forward-asymmetric-kernel",
        "conv2d_forward slides the kernel as it is (cross-correlation): an asymmetric kernel",
        "conv2d_forward",
        FLIP_CASES,
    ),
    fixed_check(
        "conv2d_forward-stride-odd-sizes",
        "conv2d_forward with strides 2 and 3 on odd sizes (windows that do not fit are dropped)",
        "conv2d_forward",
        STRIDE_CASES,
    ),
    *table_checks("conv2d_backward"),
    fixed_check(
        "conv2d_backward-overlapping-windows",
        "conv2d_backward adds up the gradients of overlapping windows (kernel 3, strides 1 and 2)",
        "conv2d_backward",
        OVERLAP_BACKWARD,
    ),
    cases_check(
        "conv2d_backward-bias-gradient",
        "conv2d_backward's db sums dout over the batch and every position",
        ["conv2d_backward"],
        lambda: list(BIAS_CASES),
        bias_gradient_body,
        describe=lambda c: describe_call("conv2d_backward", *c),
    ),
    *table_checks("maxpool2d_forward"),
    *table_checks("maxpool2d_backward"),
    fixed_check(
        "maxpool2d_backward-overlapping-windows",
        "maxpool2d_backward with overlapping windows (size 3, stride 1) and arange gradients",
        "maxpool2d_backward",
        POOL_OVERLAP,
    ),
    fixed_check(
        "maxpool2d_backward-routes-to-max",
        "maxpool2d_backward sends each window's gradient to its maximum only",
        "maxpool2d_backward",
        POOL_ROUTES,
    ),
    scenario_check(
        "SimpleCNN-layers",
        "SimpleCNN's Conv2d and Linear layers have the notes' sizes (whatever their names)",
        ("SimpleCNN",),
        judge_layers,
        "SimpleCNN()",
    ),
    scenario_check(
        "SimpleCNN-forward",
        "SimpleCNN's forward gives the reference's logits for the same weights",
        ("SimpleCNN",),
        judge_forward,
        "SimpleCNN() with seeded weights, 3 images (3, 32, 32) in [0, 1]",
    ),
    hidden_check(
        "SimpleCNN-hidden",
        "SimpleCNN agrees with the reference on hidden weights and images",
        ("SimpleCNN",),
        lambda rng: [(int(rng.integers(2, 2**16)), int(rng.integers(1, 4)))],
        simple_cnn_hidden_body,
    ),
    scenario_check(
        "SimpleCNN-runs-on-any-device",
        "SimpleCNN goes wholly to the device it is moved to",
        ("SimpleCNN",),
        device_judge("SimpleCNN"),
        "SimpleCNN().to(device) on 2 images",
    ),
    scenario_check(
        "count_parameters-models",
        "count_parameters counts trainable scalars (frozen layers and buffers excluded)",
        ("count_parameters",),
        judge_counts,
        "count_parameters on the notes' SimpleCNN, models with batch norm and frozen layers",
    ),
    hidden_check(
        "count_parameters-hidden",
        "count_parameters agrees with the reference on hidden models",
        ("count_parameters",),
        count_hidden,
        count_hidden_body,
    ),
    scenario_check(
        "build_digits_model-accuracy",
        f"the digits model reaches {DIGITS_THRESHOLD} test accuracy with the standard loop",
        ("build_digits_model",),
        judge_digits,
        points=2.0,
    ),
    scenario_check(
        "build_digits_model-runs-on-any-device",
        "the digits model goes wholly to the device it is moved to",
        ("build_digits_model",),
        device_judge("build_digits_model"),
        "build_digits_model().to(device) on 2 images",
    ),
]


# -- mutants: grader/exercises/cnn/mutants.toml; each family's probe shows its mistake ------------

OUTPUT_SIZE_PROBES = ((7, 3, 2, 1), (5, 3, 1, 0), (6, 3, 1, 1), (9, 4, 2, 0))
STRIDE_PROBE = (np.arange(49.0).reshape(1, 1, 7, 7) % 11, ASYMMETRIC[:, :, :, :2], np.zeros(1))


def top_left(value: Any) -> Any:
    """The first 2 x 2 output positions, where an ignored stride and a stride of 1 agree."""
    return value[:, :, :2, :2] if isinstance(value, np.ndarray) and value.ndim == 4 else value


def nonzero(value: Any) -> Any:
    """Where a gradient went (for positive upstream gradients)."""
    return value != 0 if isinstance(value, np.ndarray) else value


def part(value: Any, index: int) -> Any:
    return value[index] if isinstance(value, (tuple, list)) and len(value) == 3 else value


def misplaced(subject: Subject) -> bool:
    """Whether either model keeps tensors where `.to` does not look, or makes them on the CPU."""
    runs = [subject.scenario(runs_anywhere, which, PROBE_DEVICE) for which in MODELS]
    return any(run["left_behind"] or run["fixed_device"] for run in runs)


MODELS = ("build_digits_model", "SimpleCNN")
PROBES: dict[str, Callable[[Subject], Any]] = {
    "conv-output-size-off-by-one": lambda s: [
        s.call("conv_output_size", *args) for args in OUTPUT_SIZE_PROBES
    ],
    "conv-kernel-flipped": lambda s: s.call("conv2d_forward", IMAGE, ASYMMETRIC, np.zeros(1)),
    "conv-padding-ignored": lambda s: (
        s.call("conv2d_forward", IMAGE, one_hot(3, 3, 0, 0), np.zeros(1), padding=1),
        part(s.call("conv2d_backward", *OVERLAP_BACKWARD[0][0], padding=1), 0),
    ),
    "conv-stride-ignored": lambda s: (
        top_left(s.call("conv2d_forward", *STRIDE_PROBE, stride=2)),
        s.call("maxpool2d_forward", POOL_X, size=2, stride=3),
    ),
    "maxpool-grad-to-all": lambda s: nonzero(
        s.call("maxpool2d_backward", np.arange(1.0, 7.0).reshape(1, 1, 2, 3), POOL_X)
    ),
    "conv-db-not-summed": lambda s: part(s.call("conv2d_backward", *BIAS_CASES[0][0]), 2),
    "device-ignored": misplaced,
}

MUTANTS = load_mutants(
    Path(__file__).parents[1] / "exercises" / "cnn", SOLUTIONS / "cnn.py", PROBES
)

HINTS = (
    "Start from the shapes: conv_output_size gives OH and OW; allocate out = np.zeros((N, F, OH, "
    "OW)), pad x once with np.pad, and loop over the output positions (i, j). The window of "
    "(i, j) starts at row stride * i and column stride * j of the padded input.",
    "Backward: for each (i, j), the window contributed to out[:, :, i, j], so it gets "
    "dout[:, :, i, j] times the kernels (add into dx_pad, windows overlap), dw gets dout times "
    "the window, and db = dout.sum(axis=(0, 2, 3)). Max pool backward: only the window's argmax "
    "gets the gradient.",
    "PyTorch part: name the layers as you like (attributes, nn.Sequential): the grader finds "
    "the two Conv2d and two Linear layers; flatten with torch.flatten(x, 1) or "
    "x.view(x.size(0), -1); count_parameters sums p.numel() over parameters with requires_grad. "
    "For the digits, one Conv2d(1, 32, 3, padding=1) + ReLU + MaxPool2d(2) + two Linear layers "
    "are enough.",
)

EXERCISE = Exercise(
    name="cnn",
    title="Convolutional networks: by hand in numpy, then in PyTorch",
    reference="reference.cnn",
    functions=(
        "conv_output_size",
        "conv2d_forward",
        "conv2d_backward",
        "maxpool2d_forward",
        "maxpool2d_backward",
        "SimpleCNN",
        "count_parameters",
        "build_digits_model",
    ),
    checks=tuple(CHECKS),
    mutants=MUTANTS,
    hints=HINTS,
)
