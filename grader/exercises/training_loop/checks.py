"""`training_loop`: WineDataset, standardize, train_one_epoch, evaluate, fit (PyTorch, Wine).

A run is a configuration (a dict); the scenarios (`scenarios.py`) build its seeded model, loader
and optimizer in the worker and send back losses, accuracies, parameters and what they observed
(where each batch went, the model's mode, gradient tracking). Random and hidden configurations
are judged against the reference's run, fixed ones carry their advice, and the observation
rules (train mode, no-grad, device) are a table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.engine import (
    Case,
    Check,
    Context,
    Domain,
    Limits,
    Observe,
    Pick,
    Row,
    ScenarioRow,
    Subject,
    Verdict,
    Wrong,
    agree,
    calls,
    difference,
    domain,
    exercise,
    hidden_check,
    observations,
    property_check,
    scenario_check,
    show,
)
from grader.engine.values import finite_floats
from grader.exercises.training_loop.scenarios import (
    dataset_items,
    evaluate_runs,
    fit_run,
    many,
    train_epochs,
    wine,
)
from grader.result import Series

RTOL, ATOL = 1e-4, 1e-6
"""float32 training on both sides: the same operations, summed in possibly another order."""



def config_text(c: dict[str, Any]) -> str:
    """A run's set-up in words, for counterexamples."""
    words = [f"{c['n']} Wine samples", f"batch_size={c['batch_size']}",
             "epochs" in c and f"{c['epochs']} epoch(s)",
             "lr" in c and f"optimizer={c.get('optimizer', 'sgd')}(lr={c['lr']})",
             c.get("dropout") and f"dropout={c['dropout']}", c.get("batchnorm") and "batch norm",
             c.get("patience") is not None and f"patience={c.get('patience')}"]
    return "a small MLP, " + ", ".join(word for word in words if word)


@dataclass(frozen=True)
class Run:
    """A learner function exercised by a scenario on a configuration, on the grade's device."""

    what: str
    scenario: Callable[..., Any]
    text: Callable[[dict[str, Any]], str]
    uses: tuple[str, ...]

    def both(self, ctx: Context, configs: Sequence[dict[str, Any]]) -> list[tuple[Any, Any]]:
        """(expected, received) per configuration, in one round trip per side."""
        args = [[config, ctx.device] for config in configs]
        return list(zip(*ctx.both(self.what, many, self.scenario.__name__, args), strict=True))

    def probe(self, config: dict[str, Any], *path: str) -> Callable[[Subject], Any]:
        """A diagnosis probe: the value at `path` in the run of `config`, on the CPU (device
        handling is observed there as well as anywhere)."""

        def probe(subject: Subject) -> Any:
            value = subject.scenario(self.scenario, config, "cpu")
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            return value

        return probe


TRAIN = Run("train_one_epoch", train_epochs, lambda c: f"train_one_epoch with {config_text(c)}",
            ("train_one_epoch",))
EVALUATE = Run("evaluate", evaluate_runs, lambda c: f"evaluate with {config_text(c)}, model in "
               "training mode beforehand", ("evaluate",))
FIT = Run("fit", fit_run, lambda c: f"fit({config_text(c)}, {c['n_val']} validation samples"
          f"{', validation labels shuffled' if c.get('noisy_val') else ''})",
          ("fit", "train_one_epoch", "evaluate"))

Judge = Callable[[dict[str, Any], Any, Any], None]
"""judge(config, expected, received) raises Wrong."""


# -- judges --------------------------------------------------------------------------------------


def results(function: str, when: str, advice: str = "") -> Judge:
    """The returned (loss, accuracy) pairs agree; `advice` follows a wrong loss."""

    def judge(config: dict[str, Any], expected: Any, received: Any) -> None:
        for i, (want, got) in enumerate(zip(expected["results"], received["results"], strict=True), 1):
            if not isinstance(got, tuple) or not all(isinstance(v, float) for v in got):
                raise Wrong(f"{function} must return two numbers (loss, accuracy), got {show(got)}")
            for label, w, g in (("loss", want[0], got[0]), ("accuracy", want[1], got[1])):
                if difference(w, g, RTOL, ATOL):
                    tail = f". {advice}" if advice and label == "loss" else ""
                    raise Wrong(f"the {label} returned {when} {i} is {g:.6g}, expected {w:.6g}{tail}")

    return judge


def parameters(when: str, advice: str | Callable[[dict[str, Any], Any], str] = "") -> Judge:
    """The model's parameters (and buffers) agree with the reference's afterwards."""

    def judge(config: dict[str, Any], expected: Any, received: Any) -> None:
        found = difference(expected["state"], received["state"], RTOL, ATOL)
        if found:
            tail = advice(config, expected) if callable(advice) else advice
            raise Wrong(f"{when}, the model's parameters differ from the reference's: {found}"
                        + (f". {tail}" if tail else ""))

    return judge


def unchanged(config: dict[str, Any], expected: Any, received: Any) -> None:
    """evaluate left parameters, their .grad and the batch-norm statistics as they were."""
    agree(received["before"], received["after"], 0.0, 0.0, "evaluate changed the model's state")


def history(config: dict[str, Any], expected: Any, received: Any) -> None:
    agree(expected["history"], received["history"], RTOL, ATOL,
          "the history fit returned (a dict of lists, one entry per epoch run)")


def stops(config: dict[str, Any], expected: Any, received: Any) -> None:
    want, got = expected["history"]["val_loss"], received["history"]
    ran = len(got["val_loss"]) if isinstance(got, dict) and isinstance(got.get("val_loss"), list) else None
    if ran is not None and ran != len(want):
        raise Wrong(
            f"fit ran {ran} epochs; with patience={config['patience']} it should stop after "
            f"{len(want)} (validation losses {', '.join(f'{v:.4f}' for v in want)}: the best is "
            f"followed by {config['patience']} epochs without a strict improvement)"
        )
    history(config, expected, received)


def restore_advice(config: dict[str, Any], expected: Any) -> str:
    losses = expected["history"]["val_loss"]
    how = (f"fit ran all {len(losses)} epochs without stopping early and the best validation "
           f"epoch was epoch {int(np.argmin(losses)) + 1}: the best weights must be restored "
           "whether or not fit stopped early" if len(losses) == config["epochs"] else
           "With patience, the model must end with the weights of its best validation epoch")
    return (f"{how}: save copy.deepcopy(model.state_dict()) when the validation loss improves "
            "(a plain state_dict() keeps changing with the model) and load it after the loop")


def deterministic(config: dict[str, Any], expected: Any, received: Any) -> None:
    first, second = (received["results"] + [None, None])[:2]
    if isinstance(first, tuple) and first != second:
        raise Wrong(
            f"evaluate returned {show(first)}, then {show(second)} for the same model and data: "
            "with dropout (p = 0.5) still active each call drops other units. Call model.eval() "
            "before evaluating"
        )
    results("evaluate", "on call")(config, expected, received)


def every(*judges: Judge) -> Judge:
    def judge(config: dict[str, Any], expected: Any, received: Any) -> None:
        for one in judges:
            one(config, expected, received)

    return judge


trained = every(results("train_one_epoch", "after epoch"), parameters("after training"))
evaluated = every(results("evaluate", "on call"), unchanged)
fitted = every(history, parameters("when fit returned"))


# -- random, hidden and fixed configurations -----------------------------------------------------


def check_runs(run: Run, judge: Judge, plot: bool = False) -> Callable[..., Verdict | None]:
    """Judge each configuration's run against the reference's (with a plot of fit's losses)."""

    def check(ctx: Context, configs: Sequence[dict[str, Any]]) -> Verdict | None:
        series = None
        for config, (expected, received) in zip(configs, run.both(ctx, configs), strict=True):
            if plot and isinstance(received["history"], dict):
                series = [Series(f"fit: {key}", finite_floats(received["history"].get(key, [])),
                                 finite_floats(expected["history"][key]))
                          for key in ("train_loss", "val_loss")]
            try:
                judge(config, expected, received)
            except Wrong as wrong:
                raise Wrong(wrong.message, run.text(config), series) from None
        return Verdict(True, series=series) if plot else None

    return check


def compared(run: Run, judge: Judge, title: str, configs: Domain[dict[str, Any]], hidden: int,
             hidden_configs: Domain[dict[str, Any]] | None = None) -> list[Check]:
    """`{what}-matches-reference` on random configurations, `{what}-hidden` on hidden ones."""
    check, draw = check_runs(run, judge), (hidden_configs or configs).draw
    return [
        property_check(f"{run.what}-matches-reference", title, run.uses, configs.strategy,
                       lambda ctx, config: check(ctx, [config]), describe=run.text),
        hidden_check(f"{run.what}-hidden", f"{run.what} agrees with the reference on hidden runs",
                     run.uses, lambda rng: [draw(rng) for _ in range(hidden)], check),
    ]


def fixed(id: str, title: str, run: Run, configs: Sequence[dict[str, Any]], judge: Judge,
          plot: bool = False) -> Check:
    """A visible check on fixed configurations, judged in turn."""
    check = check_runs(run, judge, plot)
    return scenario_check(id, title, run.uses, lambda ctx: check(ctx, configs), run.text(configs[0]))


def configs(**fields: range | list[Any]) -> Domain[dict[str, Any]]:
    """Configurations whose fields are drawn from a range (integers) or a list (choices)."""

    def build(pick: Pick) -> dict[str, Any]:
        return {key: pick.integers(options.start, options.stop - 1) if isinstance(options, range)
                else pick.choice(options) for key, options in fields.items()}

    return domain(build)


def no_lone_sample(config: dict[str, Any]) -> dict[str, Any]:
    """Batch norm cannot train on a batch of one sample: no last batch of one."""
    return {**config, "n": config["n"] + (config["n"] % config["batch_size"] == 1)}


SEEDS, SGD_ADAM = range(2**16 + 1), ["sgd", "adam"]
train_config = configs(seed=SEEDS, n=range(6, 41), batch_size=range(2, 17), epochs=range(1, 3),
                       optimizer=[*SGD_ADAM, "momentum"], lr=[0.01, 0.1], dropout=[0.0, 0.3],
                       batchnorm=[False, True]).map(no_lone_sample)
evaluate_config = configs(seed=SEEDS, n=range(1, 31), batch_size=range(1, 17),
                          dropout=[0.0, 0.5], batchnorm=[False, True])
fit_config = configs(seed=SEEDS, n=range(6, 31), n_val=range(2, 13), batch_size=range(2, 13),
                     epochs=range(1, 5), optimizer=SGD_ADAM, lr=[0.05, 0.3], patience=[None, 1, 2],
                     noisy_val=[False, True])  # no batch norm in fit's model

ZERO_GRAD = {"seed": 3, "n": 12, "batch_size": 4, "optimizer": "sgd", "lr": 0.1}
SHORT_BATCH = {"seed": 5, "n": 10, "batch_size": 4, "optimizer": "sgd", "lr": 0.0}
TRAIN_MODE = {"seed": 7, "n": 12, "batch_size": 4, "dropout": 0.5, "batchnorm": True,
              "start": "eval", "lr": 0.1}
DEVICE_RUN = {"seed": 11, "n": 10, "batch_size": 4, "optimizer": "sgd", "lr": 0.1}
DETERMINISTIC = {"seed": 13, "n": 24, "batch_size": 8, "dropout": 0.5, "calls": 2}
UNCHANGED = {"seed": 17, "n": 24, "batch_size": 8, "batchnorm": True, "dropout": 0.5}
NO_GRAD = {"seed": 19, "n": 12, "batch_size": 4}
EVAL_SHORT_BATCH = {"seed": 23, "n": 10, "batch_size": 4}
NO_EVAL_PROBE = {"seed": 31, "n": 12, "batch_size": 4, "batchnorm": True}
EARLY_STOP = {"seed": 29, "n": 32, "n_val": 12, "batch_size": 8, "epochs": 10,
              "optimizer": "adam", "lr": 0.05, "patience": 2, "noisy_val": True}
RUNS_OUT = {**EARLY_STOP, "seed": 72, "n": 16, "n_val": 8, "epochs": 5, "patience": 3,
            "noisy_val": False}
"""Patience 3 over 5 epochs whose best validation loss is the 3rd: the epochs run out before
the patience does, and the best weights are not the last ones."""
FIT_DEVICE = {**DEVICE_RUN, "n_val": 6, "epochs": 2}

SHORT_BATCH_ADVICE = ("With batches of 4, 4 and 2 samples, the loss is the mean over samples: "
                      "add loss.item() * batch_size per batch and divide by the number of samples "
                      "(the mean of the batch means over-weights the short last batch)")


# -- observation rules: what the learner's code did with the model and the batches --------------


def seen(config: dict[str, Any]) -> Callable[[Context], list[Any]]:
    return lambda ctx: [config, ctx.device]


def forwards(**rules: str) -> Callable[[Any], str | None]:
    """No forward pass may be counted under any key of `rules` (its text says what it means)."""

    def expect(run: Any) -> str | None:
        counts = run["observed"]
        if not counts.get("input"):
            return "the model was never called on a batch"
        return next((f"{counts[key]} of {counts['input']} forward passes {text}"
                     for key, text in rules.items() if counts.get(key)), None)

    return expect


def astray(run: Any) -> str | None:
    """The first DEVICE_RULES key whose count is not 0 in a run's observations, if any."""
    return next((key for key in DEVICE_RULES if run["observed"].get(key)), None)


def on_device(run: Any) -> str | None:
    """Every batch reached the model and the loss on the device given, moved with the argument."""
    key, counts = astray(run), run["observed"]
    if key is None:
        return None if counts.get("input") else "the model was never called on a batch"
    total = counts.get(key.split("_")[0], 0)
    return DEVICE_RULES[key].format(n=counts[key], total=total, device=run["device"])


FIXED_DEVICE = ("batches are moved with .cuda() or a device written in the code, such as "
                '.to("cpu"), instead of the `device` given: that is the right device on one '
                "machine only. Use xb.to(device) and yb.to(device)")
DEVICE_RULES = {
    **{f"{what}_unmoved": f"{{n}} of {{total}} batches reached {place} without being moved to "
       "the device given ({device!r}): move both tensors of every batch, xb, yb = xb.to(device), "
       "yb.to(device). It happens to work on a CPU-only machine, but fails on a GPU"
       for what, place in (("input", "the model"), ("target", "the loss"))},
    **{f"{what}_elsewhere": f"{{n}} of {{total}} batches reached {place} on another device than "
       "the one given ({device!r}): use the `device` argument, not a fixed device"
       for what, place in (("input", "the model"), ("target", "the loss"))},
    "moved_to_literal": FIXED_DEVICE, "moved_by_cuda_call": FIXED_DEVICE,
}

OBSERVE = [
    Observe("train_one_epoch-train-mode", "train_one_epoch puts the model in training mode",
            "train_one_epoch", train_epochs, forwards(
                eval_mode="ran in evaluation mode: the model came in eval mode (as it does after "
                "evaluate); call model.train() first, so that dropout and batch norm behave as "
                "in training", grad_off="ran without gradient tracking (inside torch.no_grad())"),
            args=seen(TRAIN_MODE)),
    Observe("train_one_epoch-uses-device", "train_one_epoch moves every batch to the device it is "
            "given", "train_one_epoch", train_epochs, on_device, args=seen(DEVICE_RUN)),
    Observe("evaluate-no-grad", "evaluate runs the model without gradient tracking, in eval mode",
            "evaluate", evaluate_runs, forwards(
                grad_on="tracked gradients: run the evaluation inside `with torch.no_grad():` so "
                "that no graph is built (it costs memory and time, and nothing will call "
                "backward on it)", train_mode="ran in training mode"),
            args=seen(NO_GRAD)),
    Observe("evaluate-uses-device", "evaluate moves every batch to the device it is given",
            "evaluate", evaluate_runs, on_device, args=seen(NO_GRAD)),
    Observe("fit-uses-device", "fit trains and validates on the device it is given", "fit",
            fit_run, on_device, args=seen(FIT_DEVICE)),
]


# -- WineDataset and standardize -----------------------------------------------------------------


@domain
def dataset_input(pick: Pick) -> tuple[np.ndarray, np.ndarray, list[int]]:
    n, d = pick.integers(1, 6), pick.integers(1, 5)
    return pick.array((n, d)), pick.labels(n, 3), list(range(n))


@domain
def split(pick: Pick) -> tuple[np.ndarray, np.ndarray]:
    """(X_train (n, d), X_test (m, d)), uniform values: no column is constant."""
    n, m, d = pick.integers(2, 6), pick.integers(1, 5), pick.integers(1, 4)
    rng, scale = np.random.default_rng(pick.seed()), pick.choice([1.0, 10.0, 100.0])
    shift = rng.uniform(-scale, scale, (1, d))
    return rng.uniform(-scale, scale, (n, d)) + shift, rng.uniform(-scale, scale, (m, d))


shifted = split.map(lambda s: (s[0], s[0][: max(1, len(s[0]) // 2)] + 100.0))
"""The training split and a test split made of its rows shifted by +100."""


def fits_on_train(ctx: Context, example: tuple[np.ndarray, np.ndarray]) -> None:
    (value,) = ctx.values("standardize", [(example, {})])
    found = difference(ctx.reference.call("standardize", *example), value, 1e-6, 1e-9)
    test = value[1] if isinstance(value, (tuple, list)) and len(value) == 2 else None
    shape = test.shape if isinstance(test, np.ndarray) else None
    if found and shape == example[1].shape and np.all(np.abs(test.mean(axis=0)) < 3.0):
        found = (
            "the test split was shifted by +100, yet after scaling its mean is "
            f"{show(test.mean(axis=0))}, close to 0: mu and sigma were not fitted on the "
            f"training split alone. Fit them on X_train only and apply them to both splits ({found})"
        )
    if found:
        raise Wrong(found)


def ignores_test(ctx: Context, example: tuple[np.ndarray, np.ndarray]) -> None:
    X_train, X_test = example
    values = ctx.values("standardize", [(example, {}), ((X_train, X_test * 3.0 + 50.0), {})])
    for value in values:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise Wrong(f"standardize must return a pair (X_train_s, X_test_s), got {show(value)}")
    agree(values[0][0], values[1][0], 1e-12, 0.0, "changing only X_test changed the scaled "
          "training split: the statistics must come from X_train alone")
    expected = ctx.reference.call("standardize", *example)[0]
    agree(expected, values[0][0], 1e-6, 1e-9, "the scaled training split is wrong")


def describe_split(example: tuple[np.ndarray, np.ndarray]) -> str:
    return f"standardize(X_train={show(example[0])}, X_test={show(example[1])})"


SCALES_APART = (np.array([[1065.0, 14.2, 0.28], [1050.0, 13.2, 0.26], [1185.0, 13.2, 0.30]]),
                np.array([[735.0, 12.4, 0.43], [1480.0, 14.8, 0.29]]))


def either(*probes: Callable[[Subject], Any]) -> Callable[[Subject], Any]:
    """A family's probe over several runs: what each shows, as one value."""
    return lambda subject: tuple(probe(subject) for probe in probes)


def moved(subject: Subject) -> tuple[str, ...]:
    """How batches went astray in runs of train_one_epoch, evaluate and fit (on the CPU)."""
    runs = ((TRAIN, DEVICE_RUN), (EVALUATE, NO_GRAD), (FIT, FIT_DEVICE))
    kinds = {astray(run.probe(config)(subject)) for run, config in runs} - {None}
    return tuple(sorted({str(kind).split("_")[-1] for kind in kinds}))


EXERCISE = exercise(
    title="The PyTorch training loop (Wine data)",
    checks=[
        ScenarioRow("WineDataset-items", "WineDataset", dataset_items, dataset_input,
                    special=[Case((*wine(), [0, 5, 17, 60, 61, 130, 177]),
                                  label="WineDataset(X_wine, y_wine)")],
                    hidden_cases=2, ids={"special": "WineDataset-dataloader",
                                         "hidden": "WineDataset-hidden"},
                    titles={"property": "WineDataset gives (float32 features, int64 label) pairs "
                            "with the data's values", "special": "a DataLoader over WineDataset "
                            "yields float32 (B, 13) features and int64 (B,) labels",
                            "hidden": "WineDataset agrees with the reference on hidden data"},
                    describe=lambda e: f"WineDataset(X={show(e[0])}, y={show(e[1])})"),
        Row("standardize", split.map(lambda s: (s, {})), special=[Case(SCALES_APART)],
            special_title="columns of very different scales (like Wine's)"),
        property_check("standardize-shifted-test-split", "standardize fits on the training split "
                       "only: a test split shifted by +100 stays far from mean 0", ["standardize"],
                       shifted.strategy, fits_on_train, describe=describe_split),
        property_check("standardize-train-ignores-test", "the scaled training split does not "
                       "depend on the test split", ["standardize"], shifted.strategy,
                       ignores_test, describe=describe_split),
        *compared(TRAIN, trained, "train_one_epoch gives the reference's losses, accuracies and "
                  "parameters", train_config, hidden=2),
        fixed("train_one_epoch-zero-grad", "each step uses its own batch's gradient (zero_grad "
              "before backward)", TRAIN, [ZERO_GRAD], parameters("after 3 SGD steps", "Each "
              "step must use the gradient of its own batch only: loss.backward() adds to .grad, "
              "so call optimizer.zero_grad() before it")),
        fixed("train_one_epoch-per-sample-loss", "the epoch loss is the per-sample mean, with a "
              "short last batch", TRAIN, [SHORT_BATCH],
              results("train_one_epoch", "after epoch", SHORT_BATCH_ADVICE)),
        *compared(EVALUATE, evaluated, "evaluate gives the reference's loss and accuracy and "
                  "leaves the model unchanged", evaluate_config, hidden=3),
        fixed("evaluate-deterministic", "evaluate gives the same result twice with dropout "
              "p = 0.5 (eval mode)", EVALUATE, [DETERMINISTIC], deterministic),
        fixed("evaluate-leaves-model-unchanged", "evaluate leaves parameters, their .grad and "
              "batch-norm statistics untouched", EVALUATE, [UNCHANGED], unchanged),
        fixed("evaluate-per-sample-loss", "evaluate's loss is the per-sample mean, with a short "
              "last batch", EVALUATE, [EVAL_SHORT_BATCH],
              results("evaluate", "on call", SHORT_BATCH_ADVICE)),
        *compared(FIT, fitted, "fit without patience gives the reference's history and final "
                  "weights", fit_config.map(lambda c: {**c, "patience": None}), hidden=2,
                  hidden_configs=fit_config),
        fixed("fit-early-stopping", "fit stops after `patience` epochs without a validation "
              "improvement", FIT, [EARLY_STOP], stops, plot=True),
        fixed("fit-restores-best-weights", "with patience, the model ends with the weights of its "
              "best validation epoch (stopped early or not)", FIT, [EARLY_STOP, RUNS_OUT],
              parameters("when fit returned", restore_advice), plot=True),
        observations(OBSERVE),
    ],
    probes={
        "no-zero-grad": TRAIN.probe(ZERO_GRAD, "state"),
        "loss-unweighted-batch-mean": either(TRAIN.probe(SHORT_BATCH, "results"),
                                             EVALUATE.probe(EVAL_SHORT_BATCH, "results")),
        "device-ignored": moved,
        "no-eval-mode": EVALUATE.probe(NO_EVAL_PROBE, "after"),
        "no-grad-missing": lambda s: EVALUATE.probe(NO_GRAD, "observed")(s).get("grad_on", 0) > 0,
        "standardize-leakage": calls("standardize", SCALES_APART[0][:, 1:], SCALES_APART[0][:2, 1:] + 100.0),
        "early-stopping-keeps-last-weights": either(FIT.probe(EARLY_STOP, "state"),
                                                    FIT.probe(RUNS_OUT, "state")),
        "early-stopping-off-by-one": FIT.probe(EARLY_STOP, "history", "val_loss"),
    },
    limits=Limits(torch=True, imports=("torch", "sklearn"), device=True),
)
