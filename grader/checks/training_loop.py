"""Checks for `training_loop`: WineDataset, standardize, train_one_epoch, evaluate, fit.

Models, loaders and optimizers never leave the worker: the scenarios in
`grader.scenarios.training_loop` build a small seeded MLP (with dropout and
batch norm where it matters), a loader over a few Wine samples and an
optimizer, run the learner's function there, and send back losses,
accuracies, parameters and what they observed (where each batch was sent,
the model's mode and gradient tracking at each forward). The reference runs
the same scenario in the grader; both sides are seeded alike, so they agree
to float32 rounding.

The properties of shared/spec/checking.md, each a check of its own:

- gradients accumulate without ``zero_grad``: three SGD steps must leave the
  reference's parameters;
- ``evaluate`` is deterministic with dropout 0.5, leaves batch-norm statistics,
  parameters and ``.grad`` untouched, and tracks no gradients;
- losses are per-sample means: 10 samples in batches of 4 (a short last batch);
- standardisation fits on the training split only: a test split shifted by
  +100 keeps a mean far from 0, and changing it does not change the training
  split's scaling;
- the device: every batch that reaches the model or the loss was sent to the
  device given, observed on every machine (see the scenarios' `Batch`); with
  CUDA the checks also run there for real.

Data: scikit-learn's Wine (shipped with it, never downloaded), standardised.
Runs are tiny (6-40 samples, 1-3 epochs), so a grade takes a few seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from grader.checks.base import (
    Abort,
    Check,
    Context,
    Exercise,
    Failure,
    Fn,
    Mutant,
    Subject,
    Verdict,
    both,
    calls,
    checks_for,
    hidden_check,
    learner_failure,
    learner_scenario,
    learner_values,
    property_check,
    scenario_check,
)
from grader.checks.compare import difference, show
from grader.checks.strategies import Filler, built, finite_floats, seeds, sklearn_data
from grader.result import Series
from grader.scenarios.training_loop import (
    dataset_items,
    dataset_many,
    evaluate_many,
    evaluate_runs,
    fit_many,
    fit_run,
    train_epochs,
    train_many,
)
from grader.worker import LearnerError

RTOL, ATOL = 1e-4, 1e-6
"""float32 training on both sides: the same operations, summed in possibly another order."""

PROBE_DEVICE = "cpu"
"""Diagnoses run on the CPU: device handling is observed there as well as anywhere."""


# -- data ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def wine() -> tuple[np.ndarray, np.ndarray]:
    """All 178 Wine samples, standardised (float64 (178, 13)), and their labels (int64).

    Read from the copy scikit-learn ships (`load_wine`'s file).
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


def config_text(config: dict[str, Any]) -> str:
    """A run's set-up in words, for counterexamples."""
    parts = [f"{config['n']} Wine samples", f"batch_size={config['batch_size']}"]
    if "epochs" in config:
        parts.append(f"{config['epochs']} epoch(s)")
    if "lr" in config:
        parts.append(f"optimizer={config.get('optimizer', 'sgd')}(lr={config['lr']})")
    if config.get("dropout"):
        parts.append(f"dropout={config['dropout']}")
    if config.get("batchnorm"):
        parts.append("batch norm")
    if config.get("patience") is not None:
        parts.append(f"patience={config['patience']}")
    return "a small MLP, " + ", ".join(parts)


# -- running scenarios on both sides ------------------------------------------------------------


def results_problem(function: str, expected: Any, received: Any, epochs: bool = True) -> str | None:
    """What differs in the returned (loss, accuracy) pairs, in words."""
    for i, (want, got) in enumerate(zip(expected, received, strict=True)):
        if not isinstance(got, tuple) or len(got) != 2:
            return f"{function} must return a tuple (loss, accuracy), returned {show(got)}"
        if not all(isinstance(v, float) for v in got):
            return f"{function} must return two numbers (loss, accuracy), returned {show(got)}"
        for label, w, g in (("loss", want[0], got[0]), ("accuracy", want[1], got[1])):
            if difference(w, g, RTOL, ATOL) is not None:
                when = f" after epoch {i + 1}" if epochs else f" on call {i + 1}"
                return f"the {label} returned{when} is {g:.6g}, expected {w:.6g}"
    return None


def state_problem(expected: dict[str, Any], received: dict[str, Any], when: str) -> str | None:
    found = difference(expected, received, RTOL, ATOL)
    return f"{when}, the model's parameters differ from the reference's: {found}" if found else None


def device_problem(function: str, observed: dict[str, int], device: str) -> str | None:
    """None if every batch reached the model and the loss on `device`, else what went wrong."""
    forwards = observed.get("input", 0)
    if forwards == 0:
        return f"{function} never called the model on a batch"
    for what in ("input", "target"):
        total = observed.get(what, 0)
        unmoved = observed.get(f"{what}_unmoved", 0)
        elsewhere = observed.get(f"{what}_elsewhere", 0)
        place = "the model" if what == "input" else "the loss"
        if unmoved:
            return (
                f"{unmoved} of {total} batches reached {place} without being moved to the "
                f"device {function} was given ({device!r}): move both tensors of every batch, "
                f"xb, yb = xb.to(device), yb.to(device). It happens to work on a CPU-only "
                "machine, but fails on a GPU."
            )
        if elsewhere:
            return (
                f"{elsewhere} of {total} batches reached {place} on another device than the one "
                f"{function} was given ({device!r}): use the `device` argument, not a fixed device"
            )
    if observed.get("moved_to_literal", 0) or observed.get("moved_by_cuda_call", 0):
        how = (
            ".cuda()"
            if observed.get("moved_by_cuda_call", 0)
            else 'a device written in the code, such as .to("cpu")'
        )
        return (
            f"{function} moves batches with {how} instead of the `device` it was given: that "
            "is the right device on one machine only. Use xb.to(device) and yb.to(device)"
        )
    return None


# -- WineDataset ----------------------------------------------------------------------------------


def dataset_problem(expected: dict[str, Any], received: dict[str, Any]) -> str | None:
    if not received["is_dataset"]:
        return "WineDataset must subclass torch.utils.data.Dataset"
    if received["length"] != expected["length"]:
        return f"len(WineDataset(X, y)) is {received['length']}, expected {expected['length']}"
    for i, (want, got) in enumerate(zip(expected["items"], received["items"], strict=True)):
        if not isinstance(got, list):
            return f"dataset[{i}] must be a pair (x, y), got a {got['type']}"
        problem = item_problem(f"dataset[{i}]", want, got)
        if problem:
            return problem
    return None


def item_problem(where: str, want: list[dict[str, Any]], got: list[dict[str, Any]]) -> str | None:
    for part, w, g in ((f"{where}[0] (x)", want[0], got[0]), (f"{where}[1] (y)", want[1], got[1])):
        if g["type"] != "Tensor":
            return f"{part} must be a torch tensor, got a {g['type']}"
        if g["dtype"] != w["dtype"]:
            return f"{part} has dtype {g['dtype']}, expected {w['dtype']}"
        if g["shape"] != w["shape"]:
            return f"{part} has shape {tuple(g['shape'])}, expected {tuple(w['shape'])}"
        found = difference(w["values"], g["values"], RTOL, ATOL)
        if found:
            return f"{part} has the wrong values: {found}"
    return None


def dataset_example(filler: Filler, n: int, d: int) -> tuple[np.ndarray, np.ndarray, list[int]]:
    return filler(n, d), filler.labels(n, 3), list(range(n))


DATASET_EXAMPLES = built(dataset_example, st.integers(1, 6), st.integers(1, 5))


def dataset_body(ctx: Context, example: tuple[np.ndarray, np.ndarray, list[int]]) -> Any:
    runs = both(ctx, "WineDataset", dataset_items, *example)
    if isinstance(runs, Failure):
        return runs
    return dataset_problem(*runs)


def dataset_loader_check() -> Check:
    def run(ctx: Context) -> Verdict:
        X, y = wine()
        indices = [0, 5, 17, 60, 61, 130, 177]
        runs = both(ctx, "WineDataset", dataset_items, X, y, indices)
        if isinstance(runs, Failure):
            return Verdict(False, runs.message)
        expected, received = runs
        problem = dataset_problem(expected, received) or item_problem(
            "the DataLoader's batch", expected["batch"], received["batch"]
        )
        return Verdict(problem is None, problem or "", "WineDataset(X_wine, y_wine)")

    return Check(
        "WineDataset-dataloader",
        "property",
        "a DataLoader over WineDataset yields float32 (B, 13) features and int64 (B,) labels",
        ("WineDataset",),
        run,
    )


def dataset_hidden(rng: np.random.Generator) -> list[Any]:
    X, y = wine()
    cases = []
    for _ in range(2):
        n = int(rng.integers(3, 9))
        index = rng.choice(len(y), size=n, replace=False)
        cases.append([X[index] * float(rng.choice([1.0, 30.0])), y[index], list(range(n))])
    return cases


def dataset_hidden_body(ctx: Context, cases: list[Any]) -> Any:
    runs = both(ctx, "WineDataset", dataset_many, cases)
    if isinstance(runs, Failure):
        return runs
    for want, got in zip(*runs, strict=True):
        problem = dataset_problem(want, got)
        if problem:
            return problem
    return None


# -- standardize ----------------------------------------------------------------------------------


def splits(filler: Filler, n: int, m: int, d: int) -> tuple[tuple[np.ndarray, np.ndarray], dict]:
    """(X_train (n, d), X_test (m, d)): uniform values, so no column is constant."""
    return (filler(n, d) + filler(1, d), filler(m, d)), {}


SPLIT_SCALES = (1.0, 10.0, 100.0)


def split_examples() -> st.SearchStrategy[Any]:
    # "integers" and "sparse" fillers could make a constant column; uniform values never do
    return st.builds(
        lambda seed, scale, n, m, d: splits(Filler(seed, scale, "uniform"), n, m, d),
        seeds(),
        st.sampled_from(SPLIT_SCALES),
        st.integers(2, 6),
        st.integers(1, 5),
        st.integers(1, 4),
    )


def splits_hidden(rng: np.random.Generator) -> tuple[tuple[np.ndarray, np.ndarray], dict]:
    n, m, d = int(rng.integers(2, 9)), int(rng.integers(1, 6)), int(rng.integers(1, 6))
    scale = float(rng.choice([1.0, 10.0, 1000.0]))
    return (rng.normal(5.0, scale, (n, d)), rng.normal(-3.0, scale, (m, d))), {}


SCALES_APART = np.array([[1065.0, 14.2, 0.28], [1050.0, 13.2, 0.26], [1185.0, 13.2, 0.30]])
STANDARDIZE = Fn(
    "standardize",
    split_examples(),
    splits_hidden,
    special=(((SCALES_APART, np.array([[735.0, 12.4, 0.43], [1480.0, 14.8, 0.29]])), {}),),
    special_title="columns of very different scales (like Wine's)",
)


def shifted_example(split: tuple[tuple[np.ndarray, np.ndarray], dict]) -> tuple[np.ndarray, ...]:
    """The training split and a test split made of its rows shifted by +100."""
    X_train = split[0][0]
    return X_train, X_train[: max(1, len(X_train) // 2)] + 100.0


def shifted_body(ctx: Context, example: tuple[np.ndarray, np.ndarray]) -> Any:
    X_train, X_test = example
    try:
        (received,) = ctx.learner.call_many("standardize", [((X_train, X_test), {})])
    except LearnerError as error:
        raise Abort(error) from None
    if isinstance(received, LearnerError):
        if received.kind != "exception":
            raise Abort(received)
        return learner_failure(received, "standardize")
    expected = ctx.reference.call("standardize", X_train, X_test)
    value, mutated = received
    if mutated:
        return f"standardize modified its input ({', '.join(mutated)}); it must not change them"
    found = difference(expected, value, 1e-6, 1e-9)
    if found is None:
        return None
    test = value[1] if isinstance(value, (tuple, list)) and len(value) == 2 else None
    if (
        isinstance(test, np.ndarray)
        and test.shape == X_test.shape
        and np.all(np.abs(test.mean(axis=0)) < 3.0)
    ):
        return (
            "the test split was shifted by +100, yet after scaling its mean is "
            f"{show(test.mean(axis=0))}, close to 0: mu and sigma were not fitted on the "
            f"training split alone. Fit them on X_train only and apply them to both splits. ({found})"
        )
    return found


def train_ignores_test_body(ctx: Context, example: tuple[np.ndarray, np.ndarray]) -> Any:
    X_train, X_test = example
    other = X_test * 3.0 + 50.0
    results = learner_values(ctx, "standardize", [((X_train, X_test), {}), ((X_train, other), {})])
    if isinstance(results, Failure):
        return results
    values = []
    for value in results:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            return f"standardize must return a pair (X_train_s, X_test_s), returned {show(value)}"
        values.append(value[0])
    expected = ctx.reference.call("standardize", X_train, X_test)[0]
    found = difference(values[0], values[1], 1e-12, 0.0)
    if found:
        return (
            "changing only X_test changed the scaled training split: the statistics must come "
            f"from X_train alone ({found})"
        )
    found = difference(expected, values[0], 1e-6, 1e-9)
    return f"the scaled training split is wrong: {found}" if found else None


def describe_split(example: tuple[np.ndarray, np.ndarray]) -> str:
    return f"standardize(X_train={show(example[0])}, X_test={show(example[1])})"


SHIFTED = split_examples().map(shifted_example)


# -- train_one_epoch -----------------------------------------------------------------------------


def train_configs() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "seed": st.integers(0, 2**16),
            "n": st.integers(6, 40),
            "batch_size": st.integers(2, 16),
            "epochs": st.integers(1, 2),
            "optimizer": st.sampled_from(["sgd", "momentum", "adam"]),
            "lr": st.sampled_from([0.01, 0.1]),
            "dropout": st.sampled_from([0.0, 0.3]),
            "batchnorm": st.booleans(),
        }
    ).filter(lambda c: c["n"] % c["batch_size"] != 1)  # batch norm cannot train on 1 sample


def hidden_config(rng: np.random.Generator) -> dict[str, Any]:
    while True:
        config = {
            "seed": int(rng.integers(0, 2**16)),
            "n": int(rng.integers(8, 40)),
            "batch_size": int(rng.integers(2, 12)),
            "epochs": int(rng.integers(1, 3)),
            "optimizer": str(rng.choice(["sgd", "momentum", "adam"])),
            "lr": float(rng.choice([0.02, 0.1])),
            "dropout": float(rng.choice([0.0, 0.25])),
            "batchnorm": bool(rng.integers(0, 2)),
        }
        if config["n"] % config["batch_size"] != 1:
            return config


def train_args(config: dict[str, Any], device: str) -> list[Any]:
    X, y = subset(config["seed"], config["n"])
    return [X, y, config, device]


def train_body(ctx: Context, config: dict[str, Any]) -> Any:
    runs = both(ctx, "train_one_epoch", train_epochs, *train_args(config, ctx.device))
    if isinstance(runs, Failure):
        return runs
    expected, received = runs
    return results_problem("train_one_epoch", expected["results"], received["results"]) or (
        state_problem(expected["state"], received["state"], "after training")
    )


def train_hidden_body(ctx: Context, configs: list[dict[str, Any]]) -> Any:
    cases = [train_args(config, ctx.device) for config in configs]
    runs = both(ctx, "train_one_epoch", train_many, cases)
    if isinstance(runs, Failure):
        return runs
    for want, got in zip(*runs, strict=True):
        problem = results_problem("train_one_epoch", want["results"], got["results"])
        problem = problem or state_problem(want["state"], got["state"], "after training")
        if problem:
            return problem
    return None


ZERO_GRAD = {"seed": 3, "n": 12, "batch_size": 4, "optimizer": "sgd", "lr": 0.1}
SHORT_BATCH = {"seed": 5, "n": 10, "batch_size": 4, "optimizer": "sgd", "lr": 0.0}
TRAIN_MODE = {"seed": 7, "n": 12, "batch_size": 4, "dropout": 0.5, "batchnorm": True}
TRAIN_MODE = {**TRAIN_MODE, "start": "eval", "lr": 0.1}
DEVICE_RUN = {"seed": 11, "n": 10, "batch_size": 4, "optimizer": "sgd", "lr": 0.1}


def judge_zero_grad(ctx: Context) -> str | None:
    runs = both(ctx, "train_one_epoch", train_epochs, *train_args(ZERO_GRAD, ctx.device))
    if isinstance(runs, Failure):
        return runs.message
    expected, received = runs
    problem = state_problem(expected["state"], received["state"], "after 3 SGD steps")
    if problem:
        return (
            f"{problem}. Each step must use the gradient of its own batch only: "
            "loss.backward() adds to .grad, so call optimizer.zero_grad() before it"
        )
    return None


def judge_train_short_batch(ctx: Context) -> str | None:
    runs = both(ctx, "train_one_epoch", train_epochs, *train_args(SHORT_BATCH, ctx.device))
    if isinstance(runs, Failure):
        return runs.message
    expected, received = runs
    return short_batch_problem("train_one_epoch", expected["results"], received["results"])


def short_batch_problem(function: str, expected: Any, received: Any) -> str | None:
    problem = results_problem(function, expected, received)
    if problem and "loss" in problem:
        return (
            f"{problem}, with batches of 4, 4 and 2 samples. The epoch's loss is the mean "
            "over samples: add loss.item() * batch_size per batch and divide by the number "
            "of samples (the mean of the batch means over-weights the short last batch)"
        )
    return problem


def observed(ctx: Context, function: str, scenario: Any, *args: Any) -> dict[str, int] | str:
    """What was seen while the learner's `function` ran in `scenario`, or why nothing was."""
    received = learner_scenario(ctx, function, scenario, *args)
    if isinstance(received, Failure):
        return received.message
    if received["observed"].get("input", 0) == 0:
        return f"{function} never called the model on a batch"
    return received["observed"]


def judge_train_mode(ctx: Context) -> str | None:
    seen = observed(ctx, "train_one_epoch", train_epochs, *train_args(TRAIN_MODE, ctx.device))
    if isinstance(seen, str):
        return seen
    if seen.get("eval_mode", 0):
        return (
            f"{seen['eval_mode']} of {seen['input']} forward passes ran in evaluation mode: the "
            "model came in eval mode (as it does after evaluate); call model.train() first, so "
            "that dropout and batch norm behave as in training"
        )
    if seen.get("grad_off", 0):
        return "some forward passes ran without gradient tracking (inside torch.no_grad())"
    return None


def judge_device(function: str, scenario: Any, make_args: Callable[[str], list[Any]]) -> Any:
    def judge(ctx: Context) -> str | None:
        received = learner_scenario(ctx, function, scenario, *make_args(ctx.device))
        if isinstance(received, Failure):
            return received.message
        return device_problem(function, received["observed"], ctx.device)

    return judge


# -- evaluate ----------------------------------------------------------------------------------


def evaluate_configs() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "seed": st.integers(0, 2**16),
            "n": st.integers(1, 30),
            "batch_size": st.integers(1, 16),
            "dropout": st.sampled_from([0.0, 0.5]),
            "batchnorm": st.booleans(),
        }
    )


def evaluate_args(config: dict[str, Any], device: str) -> list[Any]:
    X, y = subset(config["seed"], config["n"])
    return [X, y, config, device]


def evaluate_problem(expected: dict[str, Any], received: dict[str, Any]) -> str | None:
    return results_problem(
        "evaluate", expected["results"], received["results"], epochs=False
    ) or unchanged_problem(received)


def unchanged_problem(received: dict[str, Any]) -> str | None:
    before, after = received["before"], received["after"]
    for name, value in before.items():
        if name not in after or difference(value, after[name], 0.0, 0.0) is not None:
            what = (
                "the batch-norm running statistics"
                if "running" in name or "num_batches" in name
                else "the gradients (.grad)"
                if name.endswith(".grad")
                else "the parameters"
            )
            return (
                f"evaluate changed {what} ({name}): evaluation must leave the model as it "
                "found it. Use model.eval() (batch norm then uses, and keeps, its running "
                "statistics), torch.no_grad(), and no backward pass or optimizer step"
            )
    return None


def evaluate_body(ctx: Context, config: dict[str, Any]) -> Any:
    runs = both(ctx, "evaluate", evaluate_runs, *evaluate_args(config, ctx.device))
    if isinstance(runs, Failure):
        return runs
    return evaluate_problem(*runs)


def evaluate_hidden(rng: np.random.Generator) -> list[dict[str, Any]]:
    return [
        {
            "seed": int(rng.integers(0, 2**16)),
            "n": int(rng.integers(3, 30)),
            "batch_size": int(rng.integers(1, 10)),
            "dropout": float(rng.choice([0.0, 0.5])),
            "batchnorm": bool(rng.integers(0, 2)),
        }
        for _ in range(3)
    ]


def evaluate_hidden_body(ctx: Context, configs: list[dict[str, Any]]) -> Any:
    cases = [evaluate_args(config, ctx.device) for config in configs]
    runs = both(ctx, "evaluate", evaluate_many, cases)
    if isinstance(runs, Failure):
        return runs
    for want, got in zip(*runs, strict=True):
        problem = evaluate_problem(want, got)
        if problem:
            return problem
    return None


DETERMINISTIC = {"seed": 13, "n": 24, "batch_size": 8, "dropout": 0.5, "calls": 2}
UNCHANGED = {"seed": 17, "n": 24, "batch_size": 8, "batchnorm": True, "dropout": 0.5}
NO_GRAD = {"seed": 19, "n": 12, "batch_size": 4}
EVAL_SHORT_BATCH = {"seed": 23, "n": 10, "batch_size": 4}


def judge_deterministic(ctx: Context) -> str | None:
    runs = both(ctx, "evaluate", evaluate_runs, *evaluate_args(DETERMINISTIC, ctx.device))
    if isinstance(runs, Failure):
        return runs.message
    expected, received = runs
    first, second = (received["results"] + [None, None])[:2]
    if isinstance(first, tuple) and first != second:
        return (
            f"evaluate returned {show(first)}, then {show(second)} for the same model and data: "
            "with dropout (p = 0.5) still active each call drops other units. Call model.eval() "
            "before evaluating"
        )
    return results_problem("evaluate", expected["results"], received["results"], epochs=False)


def judge_unchanged(ctx: Context) -> str | None:
    received = learner_scenario(
        ctx, "evaluate", evaluate_runs, *evaluate_args(UNCHANGED, ctx.device)
    )
    if isinstance(received, Failure):
        return received.message
    return unchanged_problem(received)


def judge_no_grad(ctx: Context) -> str | None:
    seen = observed(ctx, "evaluate", evaluate_runs, *evaluate_args(NO_GRAD, ctx.device))
    if isinstance(seen, str):
        return seen
    if seen.get("grad_on", 0):
        return (
            f"{seen['grad_on']} of {seen['input']} forward passes tracked gradients: run the "
            "evaluation inside `with torch.no_grad():` so that no graph is built (it costs "
            "memory and time, and nothing will call backward on it)"
        )
    if seen.get("train_mode", 0):
        return f"{seen['train_mode']} of {seen['input']} forward passes ran in training mode"
    return None


def judge_eval_short_batch(ctx: Context) -> str | None:
    runs = both(ctx, "evaluate", evaluate_runs, *evaluate_args(EVAL_SHORT_BATCH, ctx.device))
    if isinstance(runs, Failure):
        return runs.message
    expected, received = runs
    problem = results_problem("evaluate", expected["results"], received["results"], epochs=False)
    if problem and "loss" in problem:
        return short_batch_problem("evaluate", expected["results"], received["results"])
    return problem


# -- fit ----------------------------------------------------------------------------------------


def fit_configs() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "seed": st.integers(0, 2**16),
            "n": st.integers(6, 30),
            "n_val": st.integers(2, 12),
            "batch_size": st.integers(2, 12),
            "epochs": st.integers(1, 4),
            "optimizer": st.sampled_from(["sgd", "adam"]),
            "lr": st.sampled_from([0.05, 0.3]),
            "patience": st.sampled_from([None, 1, 2]),
            "noisy_val": st.booleans(),
        }
    ).filter(lambda c: c["n"] % c["batch_size"] != 1)


def fit_args(config: dict[str, Any], device: str) -> list[Any]:
    X, y = subset(config["seed"], config["n"] + config["n_val"])
    X_train, y_train = X[: config["n"]], y[: config["n"]]
    X_val, y_val = X[config["n"] :], y[config["n"] :]
    if config.get("noisy_val"):
        # labels the model cannot learn: validation loss rises as training goes on
        y_val = (y_val + 1 + np.arange(len(y_val)) % 2) % 3
    return [X_train, y_train, X_val, y_val, config, device]


def fit_text(config: dict[str, Any]) -> str:
    noisy = ", validation labels shuffled" if config.get("noisy_val") else ""
    return (
        f"fit({config_text(config)}, {config['n_val']} validation samples{noisy}, "
        f"epochs={config['epochs']})"
    )


HISTORY_KEYS = ("train_loss", "train_acc", "val_loss", "val_acc")


def history_problem(expected: Any, received: Any) -> str | None:
    if not isinstance(received, dict):
        return f"fit must return a dict of lists, returned {show(received)}"
    for key in HISTORY_KEYS:
        if key not in received:
            return f"the history has no key {key!r} (it needs {', '.join(HISTORY_KEYS)})"
        want, got = expected[key], received[key]
        if not isinstance(got, list):
            return f"history[{key!r}] must be a list, got {show(got)}"
        if len(got) != len(want):
            return (
                f"history[{key!r}] has {len(got)} entries, expected {len(want)} "
                "(one per epoch actually run)"
            )
        found = difference(want, got, RTOL, ATOL)
        if found:
            return f"history[{key!r}] differs from the reference's: {found}"
    return None


def fit_problem(expected: dict[str, Any], received: dict[str, Any]) -> str | None:
    return history_problem(expected["history"], received["history"]) or state_problem(
        expected["state"], received["state"], "when fit returned"
    )


def fit_body(ctx: Context, config: dict[str, Any]) -> Any:
    runs = both(ctx, "fit", fit_run, *fit_args(config, ctx.device))
    if isinstance(runs, Failure):
        return runs
    return fit_problem(*runs)


def fit_hidden(rng: np.random.Generator) -> list[dict[str, Any]]:
    configs = []
    while len(configs) < 2:
        config = {
            "seed": int(rng.integers(0, 2**16)),
            "n": int(rng.integers(8, 30)),
            "n_val": int(rng.integers(3, 10)),
            "batch_size": int(rng.integers(2, 10)),
            "epochs": int(rng.integers(2, 6)),
            "optimizer": str(rng.choice(["sgd", "adam"])),
            "lr": float(rng.choice([0.1, 0.3])),
            "patience": [None, 1, 2][int(rng.integers(0, 3))],
            "noisy_val": bool(rng.integers(0, 2)),
        }
        if config["n"] % config["batch_size"] != 1:
            configs.append(config)
    return configs


def fit_hidden_body(ctx: Context, configs: list[dict[str, Any]]) -> Any:
    cases = [fit_args(config, ctx.device) for config in configs]
    runs = both(ctx, "fit", fit_many, cases)
    if isinstance(runs, Failure):
        return runs
    for want, got in zip(*runs, strict=True):
        problem = fit_problem(want, got)
        if problem:
            return problem
    return None


EARLY_STOP = {
    "seed": 29,
    "n": 32,
    "n_val": 12,
    "batch_size": 8,
    "epochs": 10,
    "optimizer": "adam",
    "lr": 0.05,
    "patience": 2,
    "noisy_val": True,
}


def history_series(expected: Any, received: Any) -> list[Series] | None:
    if not isinstance(received, dict):
        return None
    return [
        Series(
            f"fit: {key}",
            finite_floats(received.get(key, [])),
            finite_floats(expected.get(key, [])),
        )
        for key in ("train_loss", "val_loss")
    ]


RUNS_OUT = {
    "seed": 72,
    "n": 16,
    "n_val": 8,
    "batch_size": 8,
    "epochs": 5,
    "optimizer": "adam",
    "lr": 0.05,
    "patience": 3,
    "noisy_val": False,
}
"""Patience 3 over 5 epochs whose best validation loss is the 3rd: the epochs run out
before the patience does, and the best weights are not the last ones."""


def early_stopping_check(
    id: str,
    title: str,
    judge: Callable[[dict[str, Any], Any, Any], str | None],
    configs: tuple[dict[str, Any], ...] = (EARLY_STOP,),
) -> Check:
    """`fit` with patience on each of `configs` (one round trip), `judge(config, expected,
    received)` in turn."""

    def run(ctx: Context) -> Verdict:
        cases = [fit_args(config, ctx.device) for config in configs]
        try:
            runs = both(ctx, "fit", fit_many, cases)
        except Abort as abort:
            return Verdict(False, abort.error.describe(), fit_text(configs[0]))
        if isinstance(runs, Failure):
            return Verdict(False, runs.message, fit_text(configs[0]))
        series = None
        for config, expected, received in zip(configs, *runs, strict=True):
            problem = judge(config, expected, received)
            series = history_series(expected["history"], received["history"])
            if problem is not None:
                return Verdict(False, problem, fit_text(config), series)
        return Verdict(True, series=series)

    return Check(id, "property", title, ("fit", "train_one_epoch", "evaluate"), run)


def judge_stops(config: dict[str, Any], expected: Any, received: Any) -> str | None:
    history = received["history"]
    want = len(expected["history"]["val_loss"])
    if isinstance(history, dict) and isinstance(history.get("val_loss"), list):
        got = len(history["val_loss"])
        if got != want:
            losses = ", ".join(f"{v:.4f}" for v in expected["history"]["val_loss"])
            return (
                f"fit ran {got} epochs; with patience={config['patience']} it should stop after "
                f"{want} (validation losses {losses}: the best is followed by "
                f"{config['patience']} epochs without a strict improvement)"
            )
    return history_problem(expected["history"], history)


def judge_best_weights(config: dict[str, Any], expected: Any, received: Any) -> str | None:
    problem = state_problem(expected["state"], received["state"], "when fit returned")
    if problem:
        losses = expected["history"]["val_loss"]
        best = int(np.argmin(losses)) + 1
        how = (
            f"fit ran all {len(losses)} epochs without stopping early and the best validation "
            f"epoch was epoch {best}: the best weights must be restored whether or not fit "
            "stopped early"
            if len(losses) == config["epochs"]
            else "With patience, the model must end with the weights of its best validation epoch"
        )
        return (
            f"{problem}. {how}: save copy.deepcopy(model.state_dict()) when the validation loss "
            "improves (a plain state_dict() keeps changing with the model) and load it after "
            "the loop"
        )
    return None


# -- the checks ---------------------------------------------------------------------------------

TRAIN_USES = ("train_one_epoch",)
EVAL_USES = ("evaluate",)
FIT_USES = ("fit", "train_one_epoch", "evaluate")


def device_run_args(device: str) -> list[Any]:
    return train_args(DEVICE_RUN, device)


def fit_device_args(device: str) -> list[Any]:
    return fit_args({**DEVICE_RUN, "n_val": 6, "epochs": 2}, device)


CHECKS: list[Check] = [
    property_check(
        "WineDataset-items",
        "WineDataset gives (float32 features, int64 label) pairs with the data's values",
        ["WineDataset"],
        DATASET_EXAMPLES,
        dataset_body,
        describe=lambda e: f"WineDataset(X={show(e[0])}, y={show(e[1])})",
    ),
    dataset_loader_check(),
    hidden_check(
        "WineDataset-hidden",
        "WineDataset agrees with the reference on hidden data",
        ["WineDataset"],
        dataset_hidden,
        dataset_hidden_body,
    ),
    *checks_for(STANDARDIZE),
    property_check(
        "standardize-shifted-test-split",
        "standardize fits on the training split only: a test split shifted by +100 stays far "
        "from mean 0",
        ["standardize"],
        SHIFTED,
        shifted_body,
        describe=describe_split,
    ),
    property_check(
        "standardize-train-ignores-test",
        "the scaled training split does not depend on the test split",
        ["standardize"],
        SHIFTED,
        train_ignores_test_body,
        describe=describe_split,
    ),
    property_check(
        "train_one_epoch-matches-reference",
        "train_one_epoch gives the reference's losses, accuracies and parameters",
        TRAIN_USES,
        train_configs(),
        train_body,
        describe=lambda c: f"train_one_epoch with {config_text(c)}",
    ),
    scenario_check(
        "train_one_epoch-zero-grad",
        "each step uses its own batch's gradient (zero_grad before backward)",
        TRAIN_USES,
        judge_zero_grad,
        f"train_one_epoch with {config_text(ZERO_GRAD)}",
    ),
    scenario_check(
        "train_one_epoch-per-sample-loss",
        "the epoch loss is the per-sample mean, with a short last batch",
        TRAIN_USES,
        judge_train_short_batch,
        f"train_one_epoch with {config_text(SHORT_BATCH)}",
    ),
    scenario_check(
        "train_one_epoch-train-mode",
        "train_one_epoch puts the model in training mode",
        TRAIN_USES,
        judge_train_mode,
        f"train_one_epoch with {config_text(TRAIN_MODE)}, model in eval mode beforehand",
    ),
    scenario_check(
        "train_one_epoch-uses-device",
        "train_one_epoch moves every batch to the device it is given",
        TRAIN_USES,
        judge_device("train_one_epoch", train_epochs, device_run_args),
        f"train_one_epoch with {config_text(DEVICE_RUN)}",
    ),
    hidden_check(
        "train_one_epoch-hidden",
        "train_one_epoch agrees with the reference on hidden runs",
        TRAIN_USES,
        lambda rng: [hidden_config(rng) for _ in range(2)],
        train_hidden_body,
    ),
    property_check(
        "evaluate-matches-reference",
        "evaluate gives the reference's loss and accuracy and leaves the model unchanged",
        EVAL_USES,
        evaluate_configs(),
        evaluate_body,
        describe=lambda c: f"evaluate with {config_text(c)}, model in training mode beforehand",
    ),
    scenario_check(
        "evaluate-deterministic",
        "evaluate gives the same result twice with dropout p = 0.5 (eval mode)",
        EVAL_USES,
        judge_deterministic,
        f"evaluate twice with {config_text(DETERMINISTIC)}",
    ),
    scenario_check(
        "evaluate-leaves-model-unchanged",
        "evaluate leaves parameters, their .grad and batch-norm statistics untouched",
        EVAL_USES,
        judge_unchanged,
        f"evaluate with {config_text(UNCHANGED)}, model in training mode beforehand",
    ),
    scenario_check(
        "evaluate-no-grad",
        "evaluate runs the model without gradient tracking, in eval mode",
        EVAL_USES,
        judge_no_grad,
        f"evaluate with {config_text(NO_GRAD)}",
    ),
    scenario_check(
        "evaluate-per-sample-loss",
        "evaluate's loss is the per-sample mean, with a short last batch",
        EVAL_USES,
        judge_eval_short_batch,
        f"evaluate with {config_text(EVAL_SHORT_BATCH)}",
    ),
    scenario_check(
        "evaluate-uses-device",
        "evaluate moves every batch to the device it is given",
        EVAL_USES,
        judge_device("evaluate", evaluate_runs, lambda d: evaluate_args(NO_GRAD, d)),
        f"evaluate with {config_text(NO_GRAD)}",
    ),
    hidden_check(
        "evaluate-hidden",
        "evaluate agrees with the reference on hidden runs",
        EVAL_USES,
        evaluate_hidden,
        evaluate_hidden_body,
    ),
    property_check(
        "fit-matches-reference",
        "fit gives the reference's history and final weights",
        FIT_USES,
        fit_configs(),
        fit_body,
        describe=fit_text,
    ),
    early_stopping_check(
        "fit-early-stopping",
        "fit stops after `patience` epochs without a validation improvement",
        judge_stops,
    ),
    early_stopping_check(
        "fit-restores-best-weights",
        "with patience, the model ends with the weights of its best validation epoch "
        "(stopped early or not)",
        judge_best_weights,
        (EARLY_STOP, RUNS_OUT),
    ),
    scenario_check(
        "fit-uses-device",
        "fit trains and validates on the device it is given",
        FIT_USES,
        judge_device("fit", fit_run, fit_device_args),
        "fit with a small MLP on 10 + 6 Wine samples, 2 epochs",
    ),
    hidden_check(
        "fit-hidden",
        "fit agrees with the reference on hidden runs",
        FIT_USES,
        fit_hidden,
        fit_hidden_body,
    ),
]


# -- mutants: each is how a learner might get one function wrong --------------------------------


def train_one_epoch_without_zero_grad(model, loader, optimizer, criterion, device):
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        logits = model(xb)
        loss = criterion(logits, yb)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * yb.shape[0]
        correct += (logits.argmax(dim=1) == yb).sum().item()
        seen += yb.shape[0]
    return total_loss / seen, correct / seen


def train_one_epoch_mean_of_batch_means(model, loader, optimizer, criterion, device):
    model.train()
    losses, correct, seen = [], 0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        logits = model(xb)
        loss = criterion(logits, yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        correct += (logits.argmax(dim=1) == yb).sum().item()
        seen += yb.shape[0]
    return sum(losses) / len(losses), correct / seen


def train_one_epoch_on_whatever_device(model, loader, optimizer, criterion, device):
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for xb, yb in loader:
        optimizer.zero_grad()
        logits = model(xb)
        loss = criterion(logits, yb)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * yb.shape[0]
        correct += (logits.argmax(dim=1) == yb).sum().item()
        seen += yb.shape[0]
    return total_loss / seen, correct / seen


def evaluate_in_train_mode(model, loader, criterion, device):
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            logits = model(xb)
            total_loss += criterion(logits, yb).item() * yb.shape[0]
            correct += (logits.argmax(dim=1) == yb).sum().item()
            seen += yb.shape[0]
    return total_loss / seen, correct / seen


def evaluate_tracking_gradients(model, loader, criterion, device):
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        logits = model(xb)
        total_loss += criterion(logits, yb).item() * yb.shape[0]
        correct += (logits.argmax(dim=1) == yb).sum().item()
        seen += yb.shape[0]
    return total_loss / seen, correct / seen


def evaluate_mean_of_batch_means(model, loader, criterion, device):
    model.eval()
    losses, correct, seen = [], 0, 0
    with torch.no_grad():
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            logits = model(xb)
            losses.append(criterion(logits, yb).item())
            correct += (logits.argmax(dim=1) == yb).sum().item()
            seen += yb.shape[0]
    return sum(losses) / len(losses), correct / seen


def evaluate_on_whatever_device(model, loader, criterion, device):
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for xb, yb in loader:
            logits = model(xb)
            total_loss += criterion(logits, yb).item() * yb.shape[0]
            correct += (logits.argmax(dim=1) == yb).sum().item()
            seen += yb.shape[0]
    return total_loss / seen, correct / seen


def standardize_on_all_data(X_train, X_test):
    X_all = np.concatenate([X_train, X_test])
    mu = X_all.mean(axis=0)
    sigma = X_all.std(axis=0)
    return (X_train - mu) / sigma, (X_test - mu) / sigma


def standardize_each_split(X_train, X_test):
    train = (X_train - X_train.mean(axis=0)) / X_train.std(axis=0)
    test = (X_test - X_test.mean(axis=0)) / X_test.std(axis=0)
    return train, test


def fit_keeping_live_state(
    model, train_loader, val_loader, optimizer, criterion, epochs, device, patience=None
):
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    best_loss = float("inf")
    best_state = None
    bad_epochs = 0
    for _ in range(epochs):
        train_loss, train_acc = train_one_epoch(  # noqa: F821 (the learner's own)
            model, train_loader, optimizer, criterion, device
        )
        val_loss, val_acc = evaluate(model, val_loader, criterion, device)  # noqa: F821
        history["train_loss"].append(train_loss)
        history["train_acc"].append(train_acc)
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        if patience is None:
            continue
        if val_loss < best_loss:
            best_loss = val_loss
            best_state = model.state_dict()
            bad_epochs = 0
        else:
            bad_epochs += 1
            if bad_epochs >= patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return history


def fit_restoring_only_after_stopping(
    model, train_loader, val_loader, optimizer, criterion, epochs, device, patience=None
):
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    best_loss = float("inf")
    best_state = None
    bad_epochs = 0
    for _ in range(epochs):
        train_loss, train_acc = train_one_epoch(  # noqa: F821 (the learner's own)
            model, train_loader, optimizer, criterion, device
        )
        val_loss, val_acc = evaluate(model, val_loader, criterion, device)  # noqa: F821
        history["train_loss"].append(train_loss)
        history["train_acc"].append(train_acc)
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        if patience is None:
            continue
        if val_loss < best_loss:
            best_loss = val_loss
            best_state = copy.deepcopy(model.state_dict())  # noqa: F821 (the learner's import)
            bad_epochs = 0
        else:
            bad_epochs += 1
            if bad_epochs >= patience:
                model.load_state_dict(best_state)
                break
    return history


def fit_stopping_one_epoch_late(
    model, train_loader, val_loader, optimizer, criterion, epochs, device, patience=None
):
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    best_loss = float("inf")
    best_state = None
    bad_epochs = 0
    for _ in range(epochs):
        train_loss, train_acc = train_one_epoch(  # noqa: F821 (the learner's own)
            model, train_loader, optimizer, criterion, device
        )
        val_loss, val_acc = evaluate(model, val_loader, criterion, device)  # noqa: F821
        history["train_loss"].append(train_loss)
        history["train_acc"].append(train_acc)
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        if patience is None:
            continue
        if val_loss < best_loss:
            best_loss = val_loss
            best_state = copy.deepcopy(model.state_dict())  # noqa: F821 (the learner's import)
            bad_epochs = 0
        else:
            bad_epochs += 1
            if bad_epochs > patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return history


def probe_epochs_run(subject: Subject) -> Any:
    return len(
        pick(subject.scenario(fit_run, *fit_args(EARLY_STOP, PROBE_DEVICE)), "history", "val_loss")
        or []
    )


def pick(value: Any, *path: Any) -> Any:
    """`value[path[0]][path[1]]...`, or None where the value has another shape."""
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def probe_train(config: dict[str, Any], *path: Any) -> Callable[[Subject], Any]:
    return lambda subject: pick(
        subject.scenario(train_epochs, *train_args(config, PROBE_DEVICE)), *path
    )


def probe_evaluate(config: dict[str, Any], *path: Any) -> Callable[[Subject], Any]:
    return lambda subject: pick(
        subject.scenario(evaluate_runs, *evaluate_args(config, PROBE_DEVICE)), *path
    )


def probe_moved(scenario: Any, make_args: Callable[[str], list[Any]]) -> Callable[[Subject], Any]:
    """Whether some batch reached the model or the loss without being moved (on the CPU)."""

    def probe(subject: Subject) -> Any:
        seen = subject.scenario(scenario, *make_args(PROBE_DEVICE))["observed"]
        return bool(seen.get("input_unmoved", 0) or seen.get("target_unmoved", 0))

    return probe


def probe_grad_tracked(subject: Subject) -> Any:
    seen = subject.scenario(evaluate_runs, *evaluate_args(NO_GRAD, PROBE_DEVICE))["observed"]
    return bool(seen.get("grad_on", 0))


NO_EVAL_PROBE = {"seed": 31, "n": 12, "batch_size": 4, "batchnorm": True}
LEAK_PROBE = np.array([[1.0, 10.0], [3.0, 14.0], [8.0, 12.0]])


def probe_fit_state(config: dict[str, Any]) -> Callable[[Subject], Any]:
    return lambda subject: pick(subject.scenario(fit_run, *fit_args(config, PROBE_DEVICE)), "state")


MUTANTS = (
    Mutant(
        "no-zero-grad",
        "train_one_epoch",
        train_one_epoch_without_zero_grad,
        probe_train(ZERO_GRAD, "state"),
        "gradients accumulate across batches: loss.backward() adds to each parameter's .grad, "
        "so without optimizer.zero_grad() before it every step also uses all the earlier "
        "batches' gradients. Call optimizer.zero_grad() at the start of each batch.",
        RTOL,
        ATOL,
    ),
    Mutant(
        "loss-unweighted-batch-mean",
        "train_one_epoch",
        train_one_epoch_mean_of_batch_means,
        probe_train(SHORT_BATCH, "results", 0, 0),
        "the epoch loss looks like the mean of the batch losses. Each batch loss is already a "
        "mean over its samples, so a short last batch counts as much as a full one. Sum "
        "loss.item() * batch_size over the batches and divide by the number of samples.",
        RTOL,
        ATOL,
    ),
    Mutant(
        "device-ignored",
        "train_one_epoch",
        train_one_epoch_on_whatever_device,
        probe_moved(train_epochs, device_run_args),
        "the batches are not moved to `device`: the model lives there, so on a GPU its forward "
        "would meet CPU tensors and fail. Move every batch first: xb, yb = xb.to(device), "
        "yb.to(device).",
    ),
    Mutant(
        "no-eval-mode",
        "evaluate",
        evaluate_in_train_mode,
        probe_evaluate(NO_EVAL_PROBE, "after"),
        "evaluate leaves the model in training mode: dropout keeps dropping units (results "
        "change from call to call) and batch norm normalises with each batch's statistics and "
        "updates its running averages. Call model.eval() at the start of evaluate.",
        RTOL,
        ATOL,
    ),
    Mutant(
        "no-grad-missing",
        "evaluate",
        evaluate_tracking_gradients,
        probe_grad_tracked,
        "evaluate builds the autograd graph for every batch although nothing calls backward: "
        "wasted memory and time. Wrap the loop in `with torch.no_grad():`.",
    ),
    Mutant(
        "loss-unweighted-batch-mean",
        "evaluate",
        evaluate_mean_of_batch_means,
        probe_evaluate(EVAL_SHORT_BATCH, "results", 0, 0),
        "evaluate's loss looks like the mean of the batch losses, which over-weights a short "
        "last batch. Sum loss.item() * batch_size and divide by the number of samples.",
        RTOL,
        ATOL,
    ),
    Mutant(
        "device-ignored",
        "evaluate",
        evaluate_on_whatever_device,
        probe_moved(evaluate_runs, lambda d: evaluate_args(NO_GRAD, d)),
        "evaluate does not move the batches to `device`; on a GPU the model's forward would "
        "meet CPU tensors. Move every batch: xb, yb = xb.to(device), yb.to(device).",
    ),
    Mutant(
        "standardize-leakage",
        "standardize",
        standardize_on_all_data,
        calls("standardize", LEAK_PROBE, LEAK_PROBE[:2] + 100.0),
        "the scaling statistics include the test split: fitting mu and sigma on all the data "
        "lets test information leak into training, and the test score becomes optimistic. "
        "Compute mu and sigma on X_train only and apply them to both splits.",
    ),
    Mutant(
        "standardize-leakage",
        "standardize",
        standardize_each_split,
        calls("standardize", LEAK_PROBE, LEAK_PROBE[:2] + 100.0),
        "the test split is scaled with its own mean and standard deviation. A model is "
        "applied to new data with the statistics it was trained with: compute mu and sigma on "
        "X_train only and apply those same values to X_test.",
    ),
    Mutant(
        "early-stopping-keeps-last-weights",
        "fit",
        fit_keeping_live_state,
        probe_fit_state(EARLY_STOP),
        "after early stopping the model keeps its last weights, not its best ones. "
        "model.state_dict() returns live references to the parameters, which keep changing as "
        "training goes on: save copy.deepcopy(model.state_dict()) when validation improves, "
        "and load it at the end.",
        RTOL,
        ATOL,
    ),
    Mutant(
        "early-stopping-keeps-last-weights",
        "fit",
        fit_restoring_only_after_stopping,
        probe_fit_state(RUNS_OUT),
        "the best weights are restored only when fit stops early: when the epochs run out "
        "first, the model keeps the last epoch's weights although an earlier epoch validated "
        "better. With patience, load the best state after the loop, however it ended.",
        RTOL,
        ATOL,
    ),
    Mutant(
        "early-stopping-off-by-one",
        "fit",
        fit_stopping_one_epoch_late,
        probe_epochs_run,
        "fit stops one epoch late (or early). Count the epochs without a validation improvement "
        "since the last improvement (back to 0 on an improvement) and stop as soon as that "
        "count reaches patience (count >= patience).",
    ),
)

HINTS = (
    "Follow the order of the docstrings: model.train() or model.eval() first; then, per batch: "
    "move xb and yb to `device`, (zero the gradients), forward, loss, (backward, step). "
    "Accumulate the loss as loss.item() * batch_size, and divide by the number of samples.",
    "evaluate is train_one_epoch without the optimizer: model.eval(), and the whole loop "
    "inside `with torch.no_grad():`. standardize: mu = X_train.mean(axis=0) and "
    "sigma = X_train.std(axis=0), then apply both to X_train and X_test.",
    "fit: with patience, remember best_loss, best_state = copy.deepcopy(model.state_dict()) "
    "when val_loss < best_loss (reset a counter), else count an epoch without improvement "
    "and break when the counter reaches patience; at the end model.load_state_dict(best_state).",
)

EXERCISE = Exercise(
    name="training_loop",
    title="The PyTorch training loop (Wine data)",
    reference="reference.training_loop",
    functions=("WineDataset", "standardize", "train_one_epoch", "evaluate", "fit"),
    checks=tuple(CHECKS),
    mutants=MUTANTS,
    hints=HINTS,
)
