"""cnn: convolution and max pooling in numpy, then torch models (run in the worker: `scenarios`).

Domains draw H != W, non-square kernels, strides that do not divide the room the kernel has and
pooling inputs without ties; fixed cases show each classic mistake (checking.md). SimpleCNN is
known by its layers' kinds and sizes, never their names; devices are observed on every machine.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np

from grader.engine import (
    Call,
    Case,
    Context,
    Group,
    Limits,
    Observe,
    Pick,
    Row,
    Verdict,
    Wrong,
    calls,
    cases_check,
    difference,
    domain,
    exercise,
    expect,
    finite_floats,
    hidden_check,
    observations,
    scenario_check,
    show,
)
from grader.exercises.cnn import scenarios as run
from grader.result import Series
from reference.cnn import conv_output_size as out


def keywords(pick: Pick, stride: int, padding: int) -> dict[str, int]:
    """stride and padding as a caller writes them: both, or only those not at their default."""
    given = {"stride": stride, "padding": padding}
    return given if pick.boolean() else {k: v for k, v in given.items() if v != (k == "stride")}


@domain
def sizes(pick: Pick) -> Call:
    kernel, padding, stride = pick.integers(1, 7), pick.integers(0, 3), pick.integers(1, 4)
    size = pick.integers(max(1, kernel - 2 * padding), 40)
    positional = ((size, kernel, stride, padding), {})
    return positional if pick.boolean() else ((size, kernel), keywords(pick, stride, padding))


@domain
def conv_layer(pick: Pick) -> tuple[Any, ...]:
    """x, w, b, an upstream gradient dout, and the keywords of one convolution."""
    kh, kw = pick.integers(1, 4), pick.integers(1, 4)
    stride, padding = pick.integers(1, 3), pick.integers(0, 2)
    h, w = pick.integers(max(1, kh - 2 * padding), 7), pick.integers(max(1, kw - 2 * padding), 7)
    n, c, f = pick.integers(1, 2), pick.integers(1, 3), pick.integers(1, 3)
    rng, scale = np.random.default_rng(pick.seed()), pick.choice([1.0, 10.0])
    x, weights = rng.uniform(-scale, scale, (n, c, h, w)), rng.uniform(-1.0, 1.0, (f, c, kh, kw))
    bias = rng.uniform(-1.0, 1.0, f)
    dout = rng.uniform(-1.0, 1.0, (n, f, out(h, kh, stride, padding), out(w, kw, stride, padding)))
    return x, weights, bias, dout, keywords(pick, stride, padding)


@domain
def pool_layer(pick: Pick) -> tuple[Any, ...]:
    """x of distinct values, an upstream gradient dout, and the keywords of one max pooling."""
    size, stride = pick.integers(1, 3), pick.integers(1, 3)
    h, w = pick.integers(size, 7), pick.integers(size, 7)
    n, c = pick.integers(1, 2), pick.integers(1, 3)
    rng = np.random.default_rng(pick.seed())
    x = (rng.permutation(n * c * h * w) - n * c * h * w / 2) * pick.choice([0.25, 3.0])
    x = x.reshape(n, c, h, w)  # distinct values of both signs: no ties in a max
    dout = rng.uniform(-1.0, 1.0, (n, c, out(h, size, stride), out(w, size, stride)))
    explicit = pick.boolean() or (size, stride) != (2, 2)
    return x, dout, {"size": size, "stride": stride} if explicit else {}


@domain
def models(pick: Pick) -> list[list[list[Any]]]:
    """Three small nn.Sequential models as layer specs (`scenarios.layer_from_spec`)."""

    def layer() -> list[Any]:
        kind, frozen = pick.choice(["conv", "linear", "bn", "relu"]), pick.floats(0, 1) < 0.3
        if kind == "conv":
            cin, cout, k = pick.integers(1, 4), pick.integers(1, 8), pick.choice([1, 3, 5])
            return ["conv", cin, cout, k, pick.boolean(), frozen]
        if kind == "linear":
            return ["linear", pick.integers(1, 49), pick.integers(1, 19), pick.boolean(), frozen]
        return ["bn", pick.integers(1, 8), frozen] if kind == "bn" else ["relu"]

    return [[layer() for _ in range(pick.integers(1, 3))] for _ in range(3)]


IMAGE = np.arange(1.0, 21.0).reshape(1, 1, 4, 5)
"""(Fixed inputs that show the classic mistakes.) A 4 x 5 image of distinct, traceable values."""
ASYMMETRIC = np.arange(1.0, 7.0).reshape(1, 1, 2, 3)
"""A kernel that differs from itself flipped in either direction."""
MIRRORED = np.stack([ASYMMETRIC[0], -ASYMMETRIC[0][:, ::-1]], axis=1).repeat(2, axis=0)
IMAGE2 = np.arange(40.0).reshape(1, 2, 4, 5) % 7
ODD = np.random.default_rng(7).uniform(-1.0, 1.0, (2, 2, 7, 6))
ODD_W = np.random.default_rng(8).uniform(-1.0, 1.0, (3, 2, 3, 2))
DOUT = np.random.default_rng(9).uniform(-1, 1, 2 * 3 * 7 * 7 + 2 * 3 * 4 * 4)
OVERLAP = (DOUT[:294].reshape(2, 3, 7, 7), ODD, ODD_W, np.zeros(3))
"""Kernel 3 x 2 at stride 1 with padding 1: windows overlap, and every dout value differs."""
POOL_X = np.random.default_rng(11).permutation(30).reshape(1, 1, 5, 6) - 14.5
"""A 5 x 6 image of distinct values, most windows' maxima in different places."""
BIAS = (np.arange(1.0, 25.0).reshape(3, 2, 2, 2), ODD[:1].repeat(3, 0)[:, :, :3, :3])
BIAS_CASE = Case((*BIAS, ODD_W[:2, :, :2, :2], np.zeros(2)))
ZERO = np.zeros(1)
RAMP, RAMP6 = np.arange(1.0, 13.0).reshape(1, 1, 3, 4), np.arange(1.0, 7.0).reshape(1, 1, 2, 3)
"""Upstream gradients 1, 2, 3, ...: every routed and summed share can be told apart."""


def one_hot(kh: int, kw: int, p: int, q: int) -> np.ndarray:
    return np.eye(kh * kw)[p * kw + q].reshape(1, 1, kh, kw)


def bias_gradient(ctx: Context, case: Case) -> None:
    """Only db: the sum of dout over the batch and every position, shape (F,)."""
    (value,) = ctx.values("conv2d_backward", [case.call])
    found = difference(ctx.reference.call("conv2d_backward", *case.args)[2], part(value, 2))
    expect(
        found
        and f"db is wrong: {found}. The bias is added at every position of every image, so "
        "db[f] = dout[:, f].sum(): a sum over the batch and both spatial axes"
    )


# -- the torch part -------------------------------------------------------------------------------

MODELS = ("SimpleCNN", "build_digits_model")


def layers_problem(expected: list[dict[str, Any]], received: list[dict[str, Any]]) -> str | None:
    """What differs between the learner's Conv2d and Linear layers and the notes' (names aside)."""
    text, where = run.layer_text, run.layer_place
    if len(received) != len(expected):
        yours = ", ".join(f"{text(layer)} ({where(layer)})" for layer in received)
        return (
            f"SimpleCNN should have {len(expected)} Conv2d and Linear layers, the notes' "
            f"{', '.join(map(text, expected))}; yours has {len(received)}"
            + (f": {yours}" if yours else "")
        )
    for want, got in zip(expected, received, strict=True):
        if difference({**want, "path": ""}, {**got, "path": ""}) is not None:
            return f"{where(got)} should be {text(want)}; yours is {text(got)}"
    return None


def simple_cnn(ctx: Context, seed: int, batch: int, layers: bool = False) -> None:
    """SimpleCNN's logits for seeded weights and images (and its layers, if `layers`)."""
    expected, received = ctx.both("SimpleCNN", run.simple_cnn, seed, batch, ctx.device)
    expect(layers and layers_problem(expected["layers"], received["layers"]))
    logits = received["output"]
    if not isinstance(logits, np.ndarray):
        raise Wrong(f"SimpleCNN's forward must return a tensor of logits, returned a {logits}")
    found = difference(expected["output"], logits, 1e-4, 1e-5)  # float32, summed in any order
    expect(
        found
        and "with the grader's weights in its two Conv2d and two Linear layers, the logits "
        f"differ: {found}. The order is conv 3->32, ReLU, 2x2 max pool, conv 32->64, ReLU, "
        "2x2 max pool, flatten, linear 4096->128, ReLU, linear 128->10 (no softmax)"
    )


def counts(ctx: Context, models: Sequence[tuple[str, list[list[Any]]]]) -> None:
    """count_parameters of each (description, layer specs) model, as the reference counts."""
    expected, received = ctx.both("count_parameters", run.count_models, [s for _, s in models])
    for (what, _), want, got in zip(models, expected, received, strict=True):
        expect(
            difference(want, got, 0.0, 0.0)
            and f"count_parameters gave {show(got)} for {what}, expected {want}: count the "
            "scalars of every parameter with requires_grad (p.numel()); buffers such as batch "
            "norm's running statistics are not parameters"
        )


def on_device(seen: dict[str, Any]) -> bool | str:
    """The device rule: 10 logits for 2 images, computed wholly on the model's device."""
    if seen["output_shape"] is None or seen["output_shape"][1:] != [10]:
        return f"the model returned shape {seen['output_shape']} for 2 images; expected [2, 10]"
    return not seen["behind"] or (
        f"the model leaves {seen['behind']} off its device: model.to(device) moves only "
        "registered parameters, buffers and submodules, and forward must make tensors on x.device"
    )


DEVICES = observations(
    [
        Observe(
            f"{which}-runs-on-any-device",
            which,
            run.runs_anywhere,
            on_device,
            args=lambda ctx, which=which: (which, ctx.device),
        )
        for which in MODELS
    ]
)


def digits_accuracy(ctx: Context) -> Verdict:
    args = run.digits_args(ctx.device)
    received = ctx.run("build_digits_model", run.digits_accuracy, *args)
    series = [Series("digits: training loss per epoch", finite_floats(received["losses"]), [])]
    if received["accuracy"] >= run.DIGITS_THRESHOLD:
        return Verdict(True, f"test accuracy {received['accuracy']:.3f}", series=series)
    raise Wrong(
        f"after the standard training ({run.DIGITS_EPOCHS} epochs of Adam, lr 1e-3, batches of "
        f"64) the test accuracy is {received['accuracy']:.3f}, below {run.DIGITS_THRESHOLD}. "
        "Enough: Conv2d(1, 32, 3, padding=1), ReLU, MaxPool2d(2), Flatten, Linear(512, 128), "
        "ReLU, Linear(128, 10), returning logits (no softmax)",
        f"build_digits_model() trained on {len(args[1])} digits, tested on {len(args[3])}",
        series,
    )


def part(value: Any, index: Any) -> Any:
    """value[index] (one of (dx, dw, db), an output's corner) where it exists, else the value."""
    try:
        return value[index] if isinstance(value, (tuple, list, np.ndarray)) else value
    except (IndexError, TypeError):
        return value


SIZES = [((32, 3, 1, 1),), ((7, 3, 2, 0),), ((7, 3, 2, 1),), ((1, 1),), ((10, 5), {"stride": 3})]
SIZES += [((8, 3), {"stride": 2, "padding": 1}), ((6, 4), {"stride": 3, "padding": 2})]
SIZES += [((4, 5), {"padding": 1}), ((5, 2), {"stride": 2})]
POOLS = [((-1.0 - np.arange(24.0).reshape(1, 2, 3, 4),),), ((POOL_X,), {"size": 3, "stride": 1})]
POOLS += [((POOL_X,), {"size": 2, "stride": 3})]
STRIDE_PROBE = (np.arange(49.0).reshape(1, 1, 7, 7) % 11, ASYMMETRIC[:, :, :, :2], ZERO)

CONV_FORWARD_GROUPS = [
    Group(
        "padding-one-hot-corner",
        "Pad x with `padding` zeros on both sides of H and W before sliding the kernel.",
        ((IMAGE, one_hot(3, 3, 0, 0), ZERO), {"padding": 1}),
        ((IMAGE, one_hot(3, 3, 2, 2), ZERO), {"padding": 1}),
        ((IMAGE, one_hot(2, 3, 1, 0), ZERO + 0.5), {"stride": 1, "padding": 2}),
    ),
    Group(
        "asymmetric-kernel",
        "The kernel slides as it is, unflipped: out[i, j] = sum x_pad[S i + p, S j + q] w[p, q].",
        ((IMAGE, ASYMMETRIC, ZERO), {}),
        ((IMAGE2, MIRRORED, np.array([1.0, -1.0])), {"padding": 1}),
    ),
    Group(
        "stride-odd-sizes",
        "Window (i, j) starts at (stride * i, stride * j); a window that does not fit is dropped.",
        ((ODD, ODD_W, np.array([0.1, 0.2, 0.3])), {"stride": 2}),
        ((ODD, ODD_W, np.array([0.1, 0.2, 0.3])), {"stride": 3, "padding": 1}),
        ((ODD[:, :, :5, :], ODD_W[:, :, :3, :1], np.zeros(3)), {"stride": 2, "padding": 1}),
    ),
]
CONV_BACKWARD_GROUPS = [
    Group(
        "overlapping-windows",
        "Windows overlap: add (+=) each window's share into dx_pad, then cut the padding off.",
        (OVERLAP, {"padding": 1}),
        ((DOUT[294:].reshape(2, 3, 4, 4), *OVERLAP[1:]), {"stride": 2, "padding": 1}),
    ),
]
MAXPOOL_BACKWARD_GROUPS = [
    Group(
        "overlapping-windows",
        "A position can be the maximum of several overlapping windows: add their gradients.",
        ((RAMP, POOL_X), {"size": 3, "stride": 1}),
        ((np.arange(1.0, 5.0).reshape(1, 1, 2, 2), POOL_X), {"size": 3, "stride": 2}),
    ),
    Group(
        "routes-to-max",
        "Only the window's maximum influenced the output: it gets all the gradient, the rest 0.",
        ((RAMP6, POOL_X), {}),
        ((-RAMP6, POOL_X * 0.01), {"size": 2, "stride": 2}),
    ),
]

CHECKS = [
    Row("conv_output_size", sizes, special=[Case(*case) for case in SIZES]),
    Row("conv2d_forward", conv_layer.map(lambda d: (d[:3], d[4])), groups=CONV_FORWARD_GROUPS),
    Row(
        "conv2d_backward",
        conv_layer.map(lambda d: ((d[3], *d[:3]), d[4])),
        groups=CONV_BACKWARD_GROUPS,
    ),
    cases_check(
        "conv2d_backward-bias-gradient",
        ["conv2d_backward"],
        lambda: [BIAS_CASE],
        bias_gradient,
        describe=lambda case: case.describe("conv2d_backward"),
    ),
    Row(
        "maxpool2d_forward",
        pool_layer.map(lambda d: ((d[0],), d[2])),
        special=[Case(*case) for case in POOLS],
    ),
    Row(
        "maxpool2d_backward",
        pool_layer.map(lambda d: ((d[1], d[0]), d[2])),
        groups=MAXPOOL_BACKWARD_GROUPS,
    ),
    scenario_check(
        "SimpleCNN-layers",
        ["SimpleCNN"],
        lambda ctx: expect(layers_problem(*ctx.both("SimpleCNN", run.simple_cnn_layers))),
        "SimpleCNN()",
    ),
    scenario_check(
        "SimpleCNN-forward",
        ["SimpleCNN"],
        lambda ctx: simple_cnn(ctx, 1, 3),
        "SimpleCNN() with seeded weights, 3 images (3, 32, 32) in [0, 1]",
    ),
    hidden_check(
        "SimpleCNN-hidden",
        ["SimpleCNN"],
        lambda rng: (int(rng.integers(2, 2**16)), int(rng.integers(1, 4))),
        lambda ctx, drawn: simple_cnn(ctx, *drawn, layers=True),
    ),
    DEVICES[0],
    scenario_check(
        "count_parameters-models",
        ["count_parameters"],
        lambda ctx: counts(ctx, run.COUNTED),
        "count_parameters on the notes' SimpleCNN, models with batch norm and frozen layers",
    ),
    hidden_check(
        "count_parameters-hidden",
        ["count_parameters"],
        models.draw,
        lambda ctx, specs: counts(ctx, [("a model", spec) for spec in specs]),
    ),
    scenario_check(
        "build_digits_model-accuracy",
        ["build_digits_model"],
        digits_accuracy,
        points=2.0,
        title=f"the digits model reaches {run.DIGITS_THRESHOLD} test accuracy with the standard loop",
    ),
    DEVICES[1],
]

PROBES = {
    "conv-output-size-off-by-one": lambda s: [
        s.call("conv_output_size", *args)
        for args in ((7, 3, 2, 1), (5, 3), (6, 3, 1, 1), (9, 4, 2))
    ],
    "conv-kernel-flipped": calls("conv2d_forward", IMAGE, ASYMMETRIC, ZERO),
    "conv-padding-ignored": lambda s: (
        s.call("conv2d_forward", IMAGE, one_hot(3, 3, 0, 0), ZERO, padding=1),
        part(s.call("conv2d_backward", *OVERLAP, padding=1), 0),
    ),
    "conv-stride-ignored": lambda s: (
        part(s.call("conv2d_forward", *STRIDE_PROBE, stride=2), np.s_[:, :, :2, :2]),
        s.call("maxpool2d_forward", POOL_X, size=2, stride=3),
    ),
    "maxpool-grad-to-all": lambda s: s.call("maxpool2d_backward", RAMP6, POOL_X) != 0,
    "conv-db-not-summed": lambda s: part(s.call("conv2d_backward", *BIAS_CASE.args), 2),
    "device-ignored": lambda s: any(
        s.scenario(run.runs_anywhere, m, "cpu")["behind"] for m in MODELS
    ),
}

EXERCISE = exercise(
    title="Convolutional networks: by hand in numpy, then in PyTorch",
    checks=CHECKS,
    probes=PROBES,
    limits=Limits(torch=True, imports=("sklearn",), device=True),
)
