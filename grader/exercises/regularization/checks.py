"""Checks for `regularization`: dropout, the L2 penalty, batch normalization, early stopping.

`dropout` takes a generator and `EarlyStopping` is an object, so both run in
the worker through `scenarios.py`: a seed stands for the generator, a loop
that feeds a list of validation losses to ``step`` (and stops when told) for
the training loop around the stopper.

- dropout: exact agreement with the reference's mask and output for every p
  of a grid, in training and evaluation; on a large input with mean 10,
  train-mode output keeps the mean and zeroes about a fraction p;
- batch norm: random running statistics far from the batch's, train and
  eval; in eval, each row's output depends on that row only;
- early stopping: scripted loss sequences (ties, min_delta, resets), then
  random and hidden ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.engine import (
    Case,
    Context,
    Pick,
    Row,
    ScenarioRow,
    Wrong,
    calls,
    describe_type,
    difference,
    domain,
    exercise,
    expect,
    property_check,
    show,
    together,
)
from grader.exercises.regularization import scenarios as run

# -- dropout -----------------------------------------------------------------------------

GRID = [(p, training) for training in (True, False) for p in (0.0, 0.2, 0.5, 0.75, 1.0)]


def _pair(value: Any, names: str) -> None:
    """Wrong unless `value` is a tuple of as many items as `names` lists."""
    if not isinstance(value, (tuple, list)) or len(value) != len(names.split(", ")):
        raise Wrong(f"expected a tuple ({names}), received {describe_type(value)}")


def dropout_judge(expected: list[dict[str, Any]], received: list[dict[str, Any]]) -> None:
    for want, got in zip(expected, received, strict=True):
        where = f"with p = {want['p']}, training = {want['training']}: "
        _pair(got["value"], "out, mask")
        for label, a, b in zip(("out", "mask"), want["value"], got["value"], strict=True):
            expect(difference(a, b) and f"{where}{label}: {difference(a, b)}")
        expect(got["mutated"] and f"{where}dropout modified its input x; return a new array")


@domain
def dropout_input(pick: Pick) -> tuple[np.ndarray, int, list[tuple[float, bool]]]:
    return pick.array(pick.shape(max_dims=3, max_side=5)), pick.seed(), GRID


X_SPECIAL = np.linspace(-3.0, 4.0, 12).reshape(3, 4)

DROPOUT = ScenarioRow(
    "dropout-matches-reference",
    "dropout",
    run.dropout_runs,
    dropout_input,
    judge=dropout_judge,
    special=[
        Case(
            (X_SPECIAL, 0, [(0.3, False), (0.7, False)]),
            advice="in evaluation (training=False) dropout returns x unchanged and an all-True mask",
        ),
        Case((X_SPECIAL, 2, [(0.0, True)]), advice="p = 0 drops nothing: out equals x"),
        Case(
            (X_SPECIAL, 3, [(1.0, True)]),
            advice="p = 1 drops every unit: return zeros, without dividing by zero",
        ),
    ],
    ids={"special": "dropout-special-values", "hidden": "dropout-hidden"},
    hidden_cases=8,
    describe=lambda a: (
        f"dropout({show(a[0], 120)}, p, training, rng=np.random.default_rng({a[1]})) "
        f"for (p, training) in {a[2]}"
    ),
)

BIG_SHAPE = (150, 200)


@domain
def statistics_input(pick: Pick) -> tuple[float, int]:
    return pick.choice([0.1, 0.2, 0.3, 0.7, 0.8]), pick.integers(0, 2**31)


def _statistics_body(ctx: Context, example: tuple[float, int]) -> None:
    p, seed = example
    x = np.random.default_rng(seed).normal(10.0, 1.0, size=BIG_SHAPE)
    value = ctx.run("dropout", run.dropout_run, x, p, True, seed + 1)["value"]
    _pair(value, "out, mask")
    out = value[0]
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        raise Wrong(f"out should be an array of shape {x.shape}, received {describe_type(out)}")
    zeros = float(np.mean(out == 0.0))
    mean, target = float(np.mean(out.astype(np.float64))), float(np.mean(x))
    if abs(zeros - p) > 0.02:
        why = " — that is about 1 - p: p is the probability of DROPPING a unit, so keep where "
        raise Wrong(
            f"with p = {p}, dropout zeroed a fraction {zeros:.3f} of the units, expected about {p}"
            + (why + "rng.random(x.shape) >= p" if abs(zeros - (1 - p)) < 0.02 else "")
        )
    if not abs(mean - target) < 0.5:
        why = " — that is about (1 - p) times the input's: scale the kept units by 1 / (1 - p) "
        raise Wrong(
            f"with p = {p}, the mean of dropout's output is {mean:.4g}, expected about the "
            f"input's mean {target:.4g}"
            + (why + "(inverted dropout)" if abs(mean - (1 - p) * target) < 0.5 else "")
        )


STATISTICS = property_check(
    "dropout-keeps-mean-drops-fraction-p",
    ["dropout"],
    statistics_input.strategy,
    _statistics_body,
    describe=lambda e: (
        f"x = np.random.default_rng({e[1]}).normal(10, 1, size={BIG_SHAPE}); "
        f"dropout(x, p={e[0]}, training=True, rng=np.random.default_rng({e[1] + 1}))"
    ),
)

# -- L2 penalty ---------------------------------------------------------------------------

KEYS = ("W1", "b1", "W2", "b2", "Wout", "bias", "gamma")


@domain
def l2_call(pick: Pick) -> Any:
    keys = [k for k in KEYS if pick.boolean()] or [pick.choice(KEYS)]
    params = {k: pick.array(pick.shape(max_dims=2, max_side=4)) for k in keys}
    return (params, pick.choice([0.0, 1e-4, 1e-3, 0.05, 0.1, 0.7, 2.5])), {}


L2_SPECIAL = [
    Case(
        ({"W1": np.array([[1.0, -2.0], [3.0, 0.5]]), "b1": np.array([10.0, -10.0])}, 0.1),
        advice="only the keys starting with 'W' are penalised, never the biases",
    ),
    Case(
        ({"b": np.array([4.0]), "W": np.array([[2.0]])}, 1.0),
        advice="only the keys starting with 'W' are penalised, whatever the order of the keys",
    ),
]

# -- batch norm ---------------------------------------------------------------------------


@domain
def batchnorm_call(pick: Pick) -> Any:
    n, d = pick.integers(2, 6), pick.integers(1, 4)
    args = (
        pick.array((n, d)),
        1.0 + pick.array((d,), scale=1.0),
        pick.array((d,), scale=2.0),
        pick.array((d,), scale=5.0),
        0.1 + np.abs(pick.array((d,), scale=10.0)),
        pick.boolean(),
    )
    kwargs = {"momentum": pick.choice([0.05, 0.1, 0.3, 0.5, 0.9])} if pick.boolean() else {}
    if pick.boolean():
        kwargs["eps"] = pick.choice([1e-5, 1e-3])
    return args, kwargs


BN_X = np.random.default_rng(42).normal(0.0, 1.0, size=(5, 3))
BN_STATS = (
    np.array([1.5, 0.5, -2.0]),
    np.array([0.2, -0.1, 0.3]),
    np.array([5.0, -5.0, 10.0]),
    np.array([9.0, 0.25, 4.0]),
)
BATCHNORM_SPECIAL = [
    Case(
        (BN_X, *BN_STATS, True),
        {"momentum": 0.3},
        advice="training normalises with the batch's mean and biased variance, and moves the "
        "running stats towards the batch's mean and UNBIASED variance by momentum",
    ),
    Case(
        (BN_X, *BN_STATS, False),
        {"momentum": 0.3},
        advice="evaluation normalises with running_mean and running_var, and returns them unchanged",
    ),
    Case(
        (BN_X[:2], *BN_STATS, True),
        advice="with N = 2 the unbiased variance is twice the biased one: var * N / (N - 1)",
    ),
]


@domain
def rows_input(pick: Pick) -> tuple[np.ndarray, list[int]]:
    n = pick.integers(3, 6)
    x = pick.array((n, pick.integers(1, 4)))
    first = pick.integers(0, n - 1)
    return x, [first, (first + pick.integers(1, n - 1)) % n]


def _rows_body(ctx: Context, example: tuple[np.ndarray, list[int]]) -> None:
    x, rows = example
    d = x.shape[1]
    stats = (np.full(d, 2.0), np.full(d, -1.0), np.linspace(-3.0, 3.0, d), np.linspace(0.5, 4.0, d))
    results = ctx.values(
        "batchnorm_forward", [((x, *stats, False), {}), ((x[rows], *stats, False), {})]
    )
    for value in results:
        _pair(value, "out, running_mean, running_var")
    full, part = results[0][0], results[1][0]
    if not isinstance(full, np.ndarray) or full.shape != x.shape:
        raise Wrong(f"out should be an array of shape {x.shape}, received {describe_type(full)}")
    found = difference(full[rows], part)
    expect(
        found
        and f"in evaluation (training=False), rows {rows} of the output change when the other "
        f"rows of the batch change ({found}; 'expected' is their output within the whole "
        "batch). Evaluation must normalise with the running statistics, never the batch's"
    )


ROWS = property_check(
    "batchnorm-eval-rows-independent",
    ["batchnorm_forward"],
    rows_input.strategy,
    _rows_body,
    describe=lambda e: f"x = {show(e[0], 200)}, training=False, compared with x[{e[1]}]",
)

# -- early stopping -----------------------------------------------------------------------


def stopping_judge(expected: list[Any], received: Any) -> None:
    """The first call where the learner's stopper differs from the reference's."""
    stops = [i for i, (stop, _, _) in enumerate(expected) if stop]
    for i, (want, got) in enumerate(zip(expected, received, strict=False)):
        if difference(want[0], got[0]) is not None:
            when = ""
            if bool(got[0]) and not stops:
                when = " — one call early? the reference does not stop on this sequence"
            elif bool(got[0]) and i < stops[0]:
                when = f" — one call early? the reference stops at call {stops[0] + 1}"
            elif stops and stops[0] == i:
                when = (
                    " — the reference stops here: this is the patience-th call in a row "
                    "without an improvement (stopping one call late?)"
                )
            raise Wrong(f"call {i + 1}: step returned {got[0]!r}, expected {want[0]!r}{when}")
        for label, k in (("best_loss", 1), ("best_epoch", 2)):
            found = difference(want[k], got[k])
            expect(found and f"after call {i + 1}, {label}: {found}")


def describe_stopping(args: tuple[dict[str, Any], list[float]]) -> str:
    kwargs, losses = args
    settings = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"EarlyStopping({settings}).step called with {losses}, one loss per epoch, until it says stop"


@domain
def stopping_input(pick: Pick) -> tuple[dict[str, Any], list[float]]:
    kwargs: dict[str, Any] = {"patience": pick.integers(1, 5)}
    if pick.boolean():
        kwargs["min_delta"] = pick.choice([0.0, 0.01, 0.05, 0.2])
    losses = [
        pick.choice([1.0, 0.9, 0.85, 0.8, 0.7, 0.75, 1.2]) for _ in range(pick.integers(3, 16))
    ]
    return kwargs, losses


RESET = "an improvement resets the count of calls without improvement to 0"
STOPPING = ScenarioRow(
    "early-stopping-matches-reference",
    "EarlyStopping",
    run.early_stopping_run,
    stopping_input,
    judge=stopping_judge,
    special=[
        Case(
            ({"patience": 2}, [3.0, 2.0, 2.5, 2.1]),
            advice="the docstring's example: the 2nd call in a row without improvement stops",
        ),
        Case(({"patience": 1}, [5.0, 5.0]), advice="a loss equal to best_loss is no improvement"),
        Case(({"patience": 2}, [2.0, 3.0, 1.0, 3.0, 3.0]), advice=RESET),
        Case(
            ({"patience": 3, "min_delta": 0.1}, [1.0, 0.95, 0.92, 0.85, 0.84, 0.83, 0.82]),
            advice="an improvement must beat best_loss - min_delta",
        ),
        Case(
            ({}, [1.0, 0.9, 0.8, 0.8, 0.85, 0.8, 0.81, 0.9]),
            advice="EarlyStopping() means patience=5, min_delta=0.0",
        ),
    ],
    ids={"special": "early-stopping-scripted", "hidden": "early-stopping-hidden"},
    hidden_cases=6,
    describe=describe_stopping,
)

# -- the exercise -------------------------------------------------------------------------

PROBE_X = np.linspace(1.0, 3.0, 20).reshape(4, 5)
PROBE_PARAMS = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([3.0]), "gamma": np.array([0.5])}


def dropout_probe(p: float, training: bool) -> Any:
    return lambda s: s.scenario(run.dropout_run, PROBE_X, p, training, 0, about="dropout")["value"]


EXERCISE = exercise(
    "Regularization: dropout, L2, batch norm, early stopping",
    checks=[
        DROPOUT,
        STATISTICS,
        Row("l2_penalty", l2_call, special=L2_SPECIAL),
        Row("l2_penalty_grad", l2_call, special=L2_SPECIAL),
        Row("batchnorm_forward", batchnorm_call, special=BATCHNORM_SPECIAL, atol=1e-8),
        ROWS,
        STOPPING,
    ],
    probes={
        "dropout-not-scaled": dropout_probe(0.3, True),
        "dropout-in-eval": dropout_probe(0.3, False),
        "dropout-keep-prob-confused": dropout_probe(0.2, True),
        "l2-penalises-bias": together(
            calls("l2_penalty", PROBE_PARAMS, 0.5), calls("l2_penalty_grad", PROBE_PARAMS, 0.5)
        ),
        "batchnorm-eval-uses-batch-stats": calls("batchnorm_forward", BN_X, *BN_STATS, False),
        "batchnorm-biased-running-var": calls("batchnorm_forward", BN_X[:3], *BN_STATS, True),
        "early-stopping-off-by-one": lambda s: s.scenario(
            run.early_stopping_run,
            {"patience": 2},
            [3.0, 2.0, 2.5, 2.1, 2.2],
            about="EarlyStopping",
        ),
    },
)
