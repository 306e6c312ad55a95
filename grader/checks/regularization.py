"""Checks for `regularization`: dropout, the L2 penalty, batch normalization, early stopping.

`dropout` takes a generator and `EarlyStopping` is an object, so both run in
the worker through the scenarios of `grader.scenarios.regularization`: a
seed stands for the generator, a scripted list of validation losses for the
training loop that would call ``step``.

- dropout: exact agreement with the reference's mask and output; on a large
  input with mean 10, train-mode output keeps the mean and zeroes about a
  fraction p; evaluation is the identity; p = 0 and p = 1 are exact;
- batch norm: random running statistics far from the batch's, train and
  eval; in eval, each row's output depends on that row only;
- early stopping: scripted loss sequences (ties, min_delta, resets), then
  random and hidden ones, each cut at the reference's first stop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader.checks.base import (
    Call,
    Context,
    Exercise,
    Failure,
    Fn,
    Mutant,
    Subject,
    both,
    calls,
    cases_check,
    checks_for,
    first_batched_problem,
    hidden_check,
    learner_scenario,
    learner_values,
    property_check,
    scenario_on,
)
from grader.checks.compare import describe_type, difference, show
from grader.checks.strategies import (
    SCALES,
    STYLES,
    arrays,
    fill,
    seeds,
    shapes,
)
from grader.scenarios.regularization import dropout_run, early_stopping_run, many

# -- dropout -----------------------------------------------------------------------------

DropoutCase = tuple[np.ndarray, float, bool, int]
"""(x, p, training, seed of the generator)."""


def dropout_problem(expected: dict[str, Any], received: Any) -> str | None:
    """What differs between two `dropout_run` results (None if nothing)."""
    if isinstance(received, Failure):
        return received
    value = received["value"]
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return f"dropout should return (out, mask), received {describe_type(value)}"
    for label, want, got in zip(("out", "mask"), expected["value"], value, strict=True):
        found = difference(want, got)
        if found:
            return f"{label}: {found}"
    if received["mutated"]:
        return "dropout modified its input x; it must return a new array"
    return None


def describe_dropout(case: DropoutCase) -> str:
    x, p, training, seed = case
    return f"dropout({show(x, 120)}, p={p}, training={training}, rng=np.random.default_rng({seed}))"


P_GRID = (0.0, 0.2, 0.5, 0.75, 1.0)


def _dropout_grid(example: tuple[np.ndarray, int]) -> list[list[Any]]:
    """Every p of the grid, in training and in evaluation, on one input: one round trip."""
    x, seed = example
    return [[x, p, training, seed] for training in (True, False) for p in P_GRID]


def _dropout_body(ctx: Context, example: tuple[np.ndarray, int]) -> Failure | str | None:
    cases = _dropout_grid(example)
    runs = both(ctx, "dropout", many, "dropout_run", cases)
    if isinstance(runs, Failure):
        return runs
    expected, received = runs
    for case, want, got in zip(cases, expected, received, strict=True):
        found = dropout_problem(want, got)
        if found:
            return Failure(found, describe_dropout(tuple(case)))
    return None


def _describe_grid(example: tuple[np.ndarray, int]) -> str:
    x, seed = example
    return (
        f"dropout({show(x, 120)}, p, training, rng=np.random.default_rng({seed})) "
        f"for p in {P_GRID}, training True and False"
    )


def _special_body(ctx: Context, case: DropoutCase) -> str | None:
    return dropout_problem(
        ctx.reference.scenario(dropout_run, *case),
        learner_scenario(ctx, "dropout", dropout_run, *case),
    )


DROPOUT_INPUTS = st.tuples(arrays(shapes(1, 3, 5)), seeds())

BIG_SHAPE = (150, 200)


def _statistics_body(ctx: Context, example: tuple[float, int]) -> str | None:
    p, seed = example
    x = np.random.default_rng(seed).normal(10.0, 1.0, size=BIG_SHAPE)
    received = learner_scenario(ctx, "dropout", dropout_run, x, p, True, seed + 1)
    if isinstance(received, Failure):
        return received
    value = received["value"]
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return f"dropout should return (out, mask), received {describe_type(value)}"
    out = value[0]
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        return f"out should be an array of shape {x.shape}, received {describe_type(out)}"
    out = out.astype(np.float64)
    zeros = float(np.mean(out == 0.0))
    mean, target = float(np.mean(out)), float(np.mean(x))
    if abs(zeros - p) > 0.02:
        why = (
            " — that is about 1 - p: p is the probability of DROPPING a unit, so keep where "
            "rng.random(x.shape) >= p"
            if abs(zeros - (1 - p)) < 0.02
            else ""
        )
        return f"with p = {p}, dropout zeroed a fraction {zeros:.3f} of the units, expected about {p}{why}"
    if not abs(mean - target) < 0.5:
        why = (
            " — that is about (1 - p) times the input's: scale the kept units by 1 / (1 - p) "
            "(inverted dropout)"
            if abs(mean - (1 - p) * target) < 0.5
            else ""
        )
        return (
            f"with p = {p}, the mean of dropout's output is {mean:.4g}, expected about the "
            f"input's mean {target:.4g}{why}"
        )
    return None


def _special_dropout_cases() -> list[DropoutCase]:
    x = np.linspace(-3.0, 4.0, 12).reshape(3, 4)
    return [(x, 0.3, False, 0), (x, 0.7, False, 1), (x, 0.0, True, 2), (x, 1.0, True, 3)]


def _dropout_hidden_cases(rng: np.random.Generator) -> list[list[Any]]:
    cases = []
    for i in range(8):
        shape = tuple(int(n) for n in rng.integers(1, 7, size=rng.integers(1, 4)))
        p = float(rng.choice([0.0, 0.2, 0.4, 0.5, 0.6, 0.85, 1.0]))
        cases.append([rng.normal(0.0, 3.0, size=shape), p, i % 3 != 0, int(rng.integers(2**32))])
    return cases


def _dropout_hidden_body(ctx: Context, cases: list[list[Any]]) -> str | None:
    return first_batched_problem(ctx, "dropout", many, "dropout_run", cases, dropout_problem)


DROPOUT_CHECKS = [
    property_check(
        "dropout-matches-reference",
        "dropout draws the mask rng.random(x.shape) >= p and scales by 1 / (1 - p)",
        ["dropout"],
        DROPOUT_INPUTS,
        _dropout_body,
        describe=_describe_grid,
    ),
    property_check(
        "dropout-keeps-mean-drops-fraction-p",
        "on a large input, train-mode dropout keeps the mean and zeroes about a fraction p",
        ["dropout"],
        st.tuples(st.sampled_from([0.1, 0.2, 0.3, 0.7, 0.8]), st.integers(0, 2**31)),
        _statistics_body,
        describe=lambda e: (
            f"x = np.random.default_rng({e[1]}).normal(10, 1, size={BIG_SHAPE}); "
            f"dropout(x, p={e[0]}, training=True, rng=np.random.default_rng({e[1] + 1}))"
        ),
    ),
    cases_check(
        "dropout-special-values",
        "dropout is the identity in evaluation and for p = 0, and gives zeros for p = 1",
        ["dropout"],
        _special_dropout_cases,
        _special_body,
        describe=describe_dropout,
    ),
    hidden_check(
        "dropout-hidden",
        "dropout agrees with the reference on hidden inputs",
        ["dropout"],
        _dropout_hidden_cases,
        _dropout_hidden_body,
    ),
]


# -- L2 penalty ---------------------------------------------------------------------------

KEYS = ("W1", "b1", "W2", "b2", "Wout", "bias", "gamma")


def _params_from(keys: list[str], seed: int, scale: float, style: str) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        k: fill(
            tuple(int(n) for n in rng.integers(1, 5, size=rng.integers(1, 3))),
            seed + i,
            scale,
            style,
        )
        for i, k in enumerate(keys)
    }


def _l2_inputs() -> Any:
    params = st.builds(
        _params_from,
        st.lists(st.sampled_from(KEYS), min_size=1, max_size=5, unique=True),
        st.integers(0, 2**31),
        st.sampled_from([1.0, 10.0]),
        st.sampled_from(STYLES),
    )
    return st.tuples(st.tuples(params, st.sampled_from([0.0, 1e-3, 0.1, 2.5])), st.just({}))


def _l2_hidden(rng: np.random.Generator) -> Call:
    keys = [k for k in KEYS if rng.random() < 0.6] or ["W1", "b1"]
    params = {
        k: rng.normal(0.0, 2.0, size=tuple(rng.integers(1, 6, size=rng.integers(1, 3))))
        for k in keys
    }
    return (params, float(rng.choice([1e-4, 0.05, 0.7]))), {}


L2_SPECIAL: tuple[Call, ...] = (
    (({"W1": np.array([[1.0, -2.0], [3.0, 0.5]]), "b1": np.array([10.0, -10.0])}, 0.1), {}),
    (({"b": np.array([4.0]), "W": np.array([[2.0]])}, 1.0), {}),
)

# -- batch norm ---------------------------------------------------------------------------


def _batchnorm_call(
    n: int, d: int, seed: int, scale: float, style: str, training: bool, kwargs: dict[str, float]
) -> Call:
    rng = np.random.default_rng(seed + 1)
    args = (
        fill((n, d), seed, scale, style),
        rng.normal(1.0, 1.0, size=d),
        rng.normal(0.0, 2.0, size=d),
        rng.normal(0.0, 5.0, size=d),
        rng.uniform(0.1, 10.0, size=d),
        training,
    )
    return args, kwargs


def _batchnorm_inputs() -> Any:
    return st.builds(
        _batchnorm_call,
        st.integers(2, 6),
        st.integers(1, 4),
        st.integers(0, 2**31),
        st.sampled_from(SCALES),
        st.sampled_from(STYLES),
        st.booleans(),
        st.fixed_dictionaries(
            {},
            optional={
                "momentum": st.sampled_from([0.1, 0.3, 0.9]),
                "eps": st.sampled_from([1e-5, 1e-3]),
            },
        ),
    )


def _batchnorm_hidden(rng: np.random.Generator) -> Call:
    n, d = int(rng.integers(2, 12)), int(rng.integers(1, 6))
    x = rng.normal(rng.normal(0.0, 3.0, size=d), rng.uniform(0.5, 4.0, size=d), size=(n, d))
    args = (
        x,
        rng.normal(1.0, 0.5, size=d),
        rng.normal(0.0, 1.0, size=d),
        rng.normal(0.0, 5.0, size=d),
        rng.uniform(0.1, 10.0, size=d),
        bool(rng.random() < 0.5),
    )
    return args, ({} if rng.random() < 0.3 else {"momentum": float(rng.choice([0.05, 0.5]))})


_BN_X = np.random.default_rng(42).normal(0.0, 1.0, size=(5, 3))
_BN_STATS = (
    np.array([1.5, 0.5, -2.0]),
    np.array([0.2, -0.1, 0.3]),
    np.array([5.0, -5.0, 10.0]),
    np.array([9.0, 0.25, 4.0]),
)
BATCHNORM_SPECIAL: tuple[Call, ...] = (
    ((_BN_X, *_BN_STATS, True), {"momentum": 0.3}),
    ((_BN_X, *_BN_STATS, False), {"momentum": 0.3}),
    ((_BN_X[:2], *_BN_STATS, True), {}),
)


def _rows_body(ctx: Context, example: tuple[np.ndarray, int, int]) -> str | None:
    x, i, j = example
    d = x.shape[1]
    stats = (np.full(d, 2.0), np.full(d, -1.0), np.linspace(-3.0, 3.0, d), np.linspace(0.5, 4.0, d))
    rows = [i % len(x), j % len(x)]
    if rows[0] == rows[1]:
        rows[1] = (rows[1] + 1) % len(x)
    sub = x[rows]
    results = learner_values(
        ctx, "batchnorm_forward", [((x, *stats, False), {}), ((sub, *stats, False), {})]
    )
    if isinstance(results, Failure):
        return results
    values = []
    for value in results:
        if not isinstance(value, (tuple, list)) or len(value) != 3:
            return f"batchnorm_forward should return (out, running_mean, running_var), received {describe_type(value)}"
        values.append(value[0])
    full, part = values
    if not isinstance(full, np.ndarray) or full.shape != x.shape:
        return f"out should be an array of shape {x.shape}, received {describe_type(full)}"
    found = difference(full[rows], part)
    if found:
        return (
            f"in evaluation (training=False), rows {rows} of the output change when the other "
            f"rows of the batch change ({found}; 'expected' is their output within the whole "
            "batch). Evaluation must normalise with the running statistics, never the batch's"
        )
    return None


BATCHNORM_ROWS = property_check(
    "batchnorm-eval-rows-independent",
    "in evaluation, batch norm treats each row on its own",
    ["batchnorm_forward"],
    st.tuples(st.integers(3, 6), st.integers(1, 4)).flatmap(
        lambda nd: st.tuples(arrays(nd), st.integers(0, 5), st.integers(0, 5))
    ),
    _rows_body,
    describe=lambda e: (
        f"x = {show(e[0], 200)}, training=False, compared with x[[{e[1] % len(e[0])}, ...]]"
    ),
)

TABLE = [
    Fn(
        "l2_penalty",
        _l2_inputs(),
        _l2_hidden,
        special=L2_SPECIAL,
        special_title="weights and biases of very different sizes",
    ),
    Fn(
        "l2_penalty_grad",
        _l2_inputs(),
        _l2_hidden,
        special=L2_SPECIAL,
        special_title="weights and biases of very different sizes",
    ),
    Fn(
        "batchnorm_forward",
        _batchnorm_inputs(),
        _batchnorm_hidden,
        special=BATCHNORM_SPECIAL,
        special_title="running statistics far from the batch's, in training and evaluation",
        atol=1e-8,
    ),
]

# -- early stopping -----------------------------------------------------------------------

StopCase = tuple[dict[str, Any], list[float]]
"""(EarlyStopping's keyword arguments, the validation losses fed to step)."""

SCRIPTED: list[StopCase] = [
    ({"patience": 2}, [3.0, 2.0, 2.5, 2.1]),
    ({"patience": 1}, [5.0, 5.0]),
    ({"patience": 2}, [2.0, 3.0, 1.0, 3.0, 3.0]),
    ({"patience": 3, "min_delta": 0.1}, [1.0, 0.95, 0.92, 0.85, 0.84, 0.83, 0.82]),
    ({}, [1.0, 0.9, 0.8, 0.8, 0.85, 0.8, 0.81, 0.9]),
]


def describe_stopping(case: StopCase) -> str:
    kwargs, losses = case
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"EarlyStopping({args}).step called with {losses}, one loss per epoch"


def stopping_problem(
    case: StopCase, expected: list[Any], received: Any, hidden: bool = False
) -> str | None:
    """The first call where the learner's stopper differs from the reference's (None if none).

    With `hidden`, the losses of the sequence are not named.
    """
    if isinstance(received, Failure):
        return received
    if not isinstance(received, list) or len(received) != len(expected):
        return f"EarlyStopping did not answer every call (received {describe_type(received)})"
    _, losses = case
    first_stop = next((i for i, (stop, _, _) in enumerate(expected) if stop), None)
    for i, (want, got) in enumerate(zip(expected, received, strict=True)):
        call = f"call {i + 1}" if hidden else f"call {i + 1} (loss {losses[i]!r})"
        if difference(want[0], got[0]) is not None:
            when = ""
            if first_stop is not None and bool(got[0]) and i < first_stop:
                when = f" — one call early? the reference stops at call {first_stop + 1}"
            elif first_stop == i:
                when = (
                    " — the reference stops here: this is the patience-th call in a row "
                    "without an improvement (stopping one call late?)"
                )
            return f"{call}: step returned {got[0]!r}, expected {want[0]!r}{when}"
        for label, k in (("best_loss", 1), ("best_epoch", 2)):
            found = difference(want[k], got[k])
            if found:
                return f"after {call}, {label}: {found}"
    return None


def _cut_at_stop(expected: list[Any]) -> int:
    """How many calls to keep: up to and including the reference's first True."""
    return next((i + 1 for i, (stop, _, _) in enumerate(expected) if stop), len(expected))


def _stopping_body(ctx: Context, case: StopCase) -> str | None:
    kwargs, losses = case
    expected = ctx.reference.scenario(early_stopping_run, kwargs, losses)
    keep = _cut_at_stop(expected)
    case = (kwargs, losses[:keep])
    received = learner_scenario(ctx, "EarlyStopping", early_stopping_run, kwargs, losses[:keep])
    return stopping_problem(case, expected[:keep], received)


def _describe_random_stopping(case: StopCase) -> str:
    return describe_stopping(case) + " (cut at the first call where the reference stops)"


STOPPING_CASES = st.tuples(
    st.fixed_dictionaries(
        {"patience": st.integers(1, 4)}, optional={"min_delta": st.sampled_from([0.0, 0.05, 0.2])}
    ),
    st.lists(st.sampled_from([1.0, 0.9, 0.85, 0.8, 0.7, 0.75, 1.2]), min_size=3, max_size=14),
)


def _stopping_hidden_cases(rng: np.random.Generator) -> list[StopCase]:
    cases = []
    for _ in range(6):
        kwargs: dict[str, Any] = {"patience": int(rng.integers(1, 8))}
        if rng.random() < 0.5:
            kwargs["min_delta"] = float(rng.choice([0.01, 0.1, 0.3]))
        losses = np.round(np.cumsum(rng.normal(-0.05, 0.2, size=int(rng.integers(3, 30)))) + 3, 2)
        cases.append((kwargs, [float(v) for v in losses]))
    return cases


def _stopping_hidden_body(ctx: Context, cases: Sequence[StopCase]) -> str | Failure | None:
    cut = []
    for kwargs, losses in cases:
        keep = _cut_at_stop(ctx.reference.scenario(early_stopping_run, kwargs, losses))
        cut.append([kwargs, losses[:keep]])
    runs = both(ctx, "EarlyStopping", many, "early_stopping_run", cut)
    if isinstance(runs, Failure):
        return runs
    expected, received = runs
    for case, want, got in zip(cut, expected, received, strict=True):
        found = stopping_problem((case[0], case[1]), want, got, hidden=True)
        if found:
            return found
    return None


STOPPING_CHECKS = [
    cases_check(
        "early-stopping-scripted",
        "EarlyStopping stops at the right call on scripted loss sequences",
        ["EarlyStopping"],
        lambda: SCRIPTED,
        _stopping_body,
        describe=describe_stopping,
    ),
    property_check(
        "early-stopping-matches-reference",
        "EarlyStopping agrees with the reference on random loss sequences",
        ["EarlyStopping"],
        STOPPING_CASES,
        _stopping_body,
        describe=_describe_random_stopping,
    ),
    hidden_check(
        "early-stopping-hidden",
        "EarlyStopping agrees with the reference on hidden loss sequences",
        ["EarlyStopping"],
        _stopping_hidden_cases,
        _stopping_hidden_body,
    ),
]


# -- mutants: each is how a learner might get one function wrong --------------------------


def dropout_not_scaled(x, p, training, rng):
    if not training:
        return x.copy(), np.ones(x.shape, dtype=bool)
    mask = rng.random(x.shape) >= p
    return x * mask, mask


def dropout_also_in_eval(x, p, training, rng):
    mask = rng.random(x.shape) >= p
    if p == 1.0:
        return np.zeros_like(x), mask
    return x * mask / (1.0 - p), mask


def dropout_p_kept(x, p, training, rng):
    if not training:
        return x.copy(), np.ones(x.shape, dtype=bool)
    mask = rng.random(x.shape) < p
    return x * mask / p, mask


def l2_penalty_all_keys(params, lam):
    return lam * sum(float(np.sum(value**2)) for value in params.values())


def batchnorm_eval_batch_stats(
    x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5
):
    n = x.shape[0]
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    out = gamma * (x - mu) / np.sqrt(var + eps) + beta
    if not training:
        return out, running_mean.copy(), running_var.copy()
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    return out, new_mean, new_var


def batchnorm_biased_running_var(
    x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5
):
    if not training:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return out, running_mean.copy(), running_var.copy()
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    out = gamma * (x - mu) / np.sqrt(var + eps) + beta
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * var
    return out, new_mean, new_var


class EarlyStoppingOneLate:
    """Stops only after patience + 1 calls without improvement."""

    def __init__(self, patience=5, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = None
        self.best_epoch = None
        self.epoch = -1
        self.wait = 0

    def step(self, val_loss):
        self.epoch += 1
        if self.best_loss is None or val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_epoch = self.epoch
            self.wait = 0
        else:
            self.wait += 1
        return self.wait > self.patience


PROBE_X = np.linspace(1.0, 3.0, 20).reshape(4, 5)


def dropout_probe(p: float, training: bool) -> Any:
    def probe(subject: Subject) -> Any:
        return scenario_on(subject, "dropout", dropout_run, PROBE_X, p, training, 0)["value"]

    return probe


MUTANTS = (
    Mutant(
        "dropout-not-scaled",
        "dropout",
        dropout_not_scaled,
        dropout_probe(0.3, True),
        "dropout applies the mask without scaling: the kept units must be divided by 1 - p "
        "(inverted dropout), so that the expected activation is the same in training and in "
        "evaluation, where nothing is dropped.",
    ),
    Mutant(
        "dropout-in-eval",
        "dropout",
        dropout_also_in_eval,
        dropout_probe(0.3, False),
        "dropout drops units even when training=False. At evaluation time dropout does "
        "nothing: return x unchanged (a copy) and an all-True mask.",
    ),
    Mutant(
        "dropout-keep-prob-confused",
        "dropout",
        dropout_p_kept,
        dropout_probe(0.2, True),
        "dropout uses p as the probability of KEEPING a unit. Here p is the probability of "
        "dropping one (as in torch.nn.Dropout): mask = rng.random(x.shape) >= p, and divide "
        "by 1 - p.",
    ),
    Mutant(
        "l2-penalises-bias",
        "l2_penalty",
        l2_penalty_all_keys,
        calls("l2_penalty", {"W1": np.array([[1.0, 2.0]]), "b1": np.array([3.0])}, 0.5),
        "l2_penalty also sums the biases. Only weight matrices (keys starting with 'W') are "
        "penalised: a bias does not make the model more complex, and shrinking it only hurts.",
    ),
    Mutant(
        "batchnorm-eval-uses-batch-stats",
        "batchnorm_forward",
        batchnorm_eval_batch_stats,
        calls("batchnorm_forward", _BN_X, *_BN_STATS, False),
        "batchnorm_forward normalises with the batch's own mean and variance at evaluation "
        "time. With training=False use running_mean and running_var: a prediction must not "
        "depend on which other samples share its batch.",
    ),
    Mutant(
        "batchnorm-biased-running-var",
        "batchnorm_forward",
        batchnorm_biased_running_var,
        calls("batchnorm_forward", _BN_X[:3], *_BN_STATS, True),
        "batchnorm_forward updates running_var with the biased batch variance (divided by N). "
        "Like torch, normalise with the biased variance but feed the running average the "
        "unbiased one, var * N / (N - 1).",
    ),
    Mutant(
        "early-stopping-off-by-one",
        "EarlyStopping",
        EarlyStoppingOneLate,
        lambda s: scenario_on(
            s, "EarlyStopping", early_stopping_run, {"patience": 2}, [3.0, 2.0, 2.5, 2.1, 2.2]
        ),
        "EarlyStopping stops one call late (or early). Count the calls without improvement "
        "since the last improvement, resetting to 0 on an improvement, and return True as "
        "soon as that count reaches patience (count >= patience).",
    ),
)

HINTS = (
    "dropout: mask = rng.random(x.shape) >= p (draw it exactly once), out = x * mask / (1 - p); "
    "in evaluation return x.copy() and np.ones(x.shape, dtype=bool); p == 1 gives zeros. "
    "l2_penalty only looks at keys starting with 'W'.",
    "batchnorm_forward: in training use mu = x.mean(0), var = x.var(0) (biased) to normalise, "
    "and update the running stats with mu and the unbiased var * N / (N - 1); in evaluation "
    "normalise with the running stats and return copies of them.",
    "EarlyStopping: keep best_loss, best_epoch, a call counter and a count of calls without "
    "improvement. A call improves when val_loss < best_loss - min_delta (the first call always "
    "does); step returns count >= patience.",
)

EXERCISE = Exercise(
    name="regularization",
    title="Regularization: dropout, L2, batch norm, early stopping",
    reference="reference.regularization",
    functions=("dropout", "l2_penalty", "l2_penalty_grad", "batchnorm_forward", "EarlyStopping"),
    checks=(
        *DROPOUT_CHECKS,
        *checks_for(TABLE[0]),
        *checks_for(TABLE[1]),
        *checks_for(TABLE[2]),
        BATCHNORM_ROWS,
        *STOPPING_CHECKS,
    ),
    mutants=MUTANTS,
    hints=HINTS,
)
