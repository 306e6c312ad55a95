"""`training_loop` (PyTorch, Wine): a run is a configuration; its scenario (`scenarios.py`) trains
or evaluates a seeded model in the worker and reports losses, parameters and what it observed."""

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
    describe_call,
    difference,
    domain,
    exercise,
    finite_floats,
    hidden_check,
    observations,
    property_check,
    scenario_check,
    show,
    together,
)
from grader.exercises.training_loop import scenarios
from grader.result import Series

RTOL, ATOL = 1e-4, 1e-6
"""float32 training on both sides: the same operations, summed in possibly another order."""

Config = dict[str, Any]
Judge = Callable[[Config, Any, Any], None]  # judge(config, expected, received) raises Wrong


@dataclass(frozen=True)
class Run:
    """A learner function exercised by a scenario on a configuration, on the grade's device."""

    what: str
    scenario: Callable[..., Any]
    uses: tuple[str, ...]

    def text(self, config: Config) -> str:
        settings = ", ".join(f"{key}={value}" for key, value in config.items())
        return f"{self.what} on a small seeded MLP and Wine samples, with {settings}"

    def both(self, ctx: Context, configs: Sequence[Config]) -> list[tuple[Any, Any]]:
        """(expected, received) per configuration, in one round trip per side."""
        args = [[config, ctx.device] for config in configs]
        runs = ctx.both(self.what, scenarios.many, self.scenario.__name__, args)
        return list(zip(*runs, strict=True))

    def probe(self, config: Config, *path: str) -> Callable[[Subject], Any]:
        """A diagnosis probe: the value at `path` in the run of `config`, on the CPU."""

        def probe(subject: Subject) -> Any:
            value = subject.scenario(self.scenario, config, "cpu")
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            return value

        return probe


TRAIN = Run("train_one_epoch", scenarios.train_epochs, ("train_one_epoch",))
EVALUATE = Run("evaluate", scenarios.evaluate_runs, ("evaluate",))  # the model in train mode
FIT = Run("fit", scenarios.fit_run, ("fit", "train_one_epoch", "evaluate"))


def same(key: str, where: str, advice: str = "") -> Judge:
    """The runs agree on `key` (what was returned, the model's state); else Wrong, with `advice`."""

    def judge(config: Config, expected: Any, received: Any) -> None:
        found = difference(expected[key], received[key], RTOL, ATOL, where)
        if found:
            raise Wrong(found + (f"\n{advice}" if advice else ""))

    return judge


def unchanged(config: Config, expected: Any, received: Any) -> None:
    """evaluate left the parameters, their .grad and the batch-norm statistics as they were."""
    found = difference(received["before"], received["after"], 0.0, 0.0, "the model's state")
    if found:
        raise Wrong(f"evaluate changed {found}\nUse model.eval() (batch norm then uses, and keeps, "
                    "its running statistics), torch.no_grad(), and no backward pass or step")


RESULTS = "the (loss, accuracy) returned, per call"
returned = same("results", RESULTS)
history = same("history", "the history fit returned (a dict of lists, one entry per epoch)")
trained = same("state", "the model's parameters after training")
final = same("state", "the final weights")


stops = same("history", "the history fit returned", "With patience, fit stops as soon as that "
             "many epochs in a row bring no strict improvement of the validation loss")


RESTORE_ADVICE = ("With patience, the model ends with the weights of its best validation epoch, "
                  "whether or not fit stopped early: save copy.deepcopy(model.state_dict()) when "
                  "the validation loss improves (a plain state_dict() keeps changing with the "
                  "model) and load it after the loop")


def deterministic(config: Config, expected: Any, received: Any) -> None:
    first, second = (received["results"] + [None, None])[:2]
    if isinstance(first, tuple) and first != second:
        raise Wrong(f"evaluate returned {show(first)}, then {show(second)} for the same model "
                    "and data: with dropout (p = 0.5) still active each call drops other units. "
                    "Call model.eval() before evaluating")
    returned(config, expected, received)


def check_runs(run: Run, judges: Sequence[Judge], plot: bool = False) -> Callable[..., Any]:
    """Judge each configuration's run against the reference's (with a plot of fit's losses)."""

    def check(ctx: Context, configs: Sequence[Config]) -> Verdict | None:
        series = None
        for config, (expected, received) in zip(configs, run.both(ctx, configs), strict=True):
            if plot and isinstance(received["history"], dict):
                series = [Series(f"fit: {key}", finite_floats(received["history"].get(key, [])),
                                 finite_floats(expected["history"][key]))
                          for key in ("train_loss", "val_loss")]
            try:
                for judge in judges:
                    judge(config, expected, received)
            except Wrong as wrong:
                raise Wrong(wrong.message, run.text(config), series) from None
        return Verdict(True, series=series) if plot else None

    return check


def compared(run: Run, judges: Sequence[Judge], configs: Domain[Config], hidden: int,
             hidden_configs: Domain[Config] | None = None) -> list[Check]:
    """`{what}-matches-reference` on random configurations, `{what}-hidden` on hidden ones."""
    check, draw = check_runs(run, judges), (hidden_configs or configs).draw
    return [
        property_check(f"{run.what}-matches-reference", run.uses, configs.strategy,
                       lambda ctx, config: check(ctx, [config]), describe=run.text),
        hidden_check(f"{run.what}-hidden", run.uses,
                     lambda rng: [draw(rng) for _ in range(hidden)], check),
    ]


def fixed(id: str, run: Run, configs: Sequence[Config], *judges: Judge,
          plot: bool = False) -> Check:
    """A visible check on fixed configurations (each judge says what to do when it fails)."""
    check, example = check_runs(run, judges, plot), run.text(configs[0])
    return scenario_check(id, run.uses, lambda ctx: check(ctx, configs), example)


def configs(**fields: range | list[Any]) -> Domain[Config]:
    """Configurations whose fields are drawn from a range (integers) or a list (choices)."""
    return domain(lambda pick: {
        key: pick.integers(options.start, options.stop - 1) if isinstance(options, range)
        else pick.choice(options) for key, options in fields.items()})


SEEDS, SGD_ADAM = range(2**16 + 1), ["sgd", "adam"]
train_config = configs(seed=SEEDS, n=range(6, 41), batch_size=range(2, 17), epochs=range(1, 3),
                       optimizer=[*SGD_ADAM, "momentum"], lr=[0.01, 0.1], dropout=[0.0, 0.3],
                       batchnorm=[False, True]).map(  # batch norm cannot train on 1 sample
    lambda c: {**c, "n": c["n"] + (c["n"] % c["batch_size"] == 1)})
evaluate_config = configs(seed=SEEDS, n=range(1, 31), batch_size=range(1, 17),
                          dropout=[0.0, 0.5], batchnorm=[False, True])
fit_config = configs(seed=SEEDS, n=range(6, 31), n_val=range(2, 13), batch_size=range(2, 13),
                     epochs=range(1, 5), optimizer=SGD_ADAM, lr=[0.05, 0.3], patience=[None, 1, 2],
                     noisy_val=[False, True])  # fit's model has no batch norm

ZERO_GRAD = {"seed": 3, "n": 12, "batch_size": 4, "optimizer": "sgd", "lr": 0.1}
SHORT_BATCH = {"seed": 5, "n": 10, "batch_size": 4, "optimizer": "sgd", "lr": 0.0}
TRAIN_MODE = {"seed": 7, "n": 12, "batch_size": 4, "dropout": 0.5, "batchnorm": True, "lr": 0.1,
              "start": "eval"}
DEVICE_RUN = {"seed": 11, "n": 10, "batch_size": 4, "optimizer": "sgd", "lr": 0.1}
DETERMINISTIC = {"seed": 13, "n": 24, "batch_size": 8, "dropout": 0.5, "calls": 2}
UNCHANGED = {"seed": 17, "n": 24, "batch_size": 8, "batchnorm": True, "dropout": 0.5}
NO_GRAD = {"seed": 19, "n": 12, "batch_size": 4}
EVAL_SHORT_BATCH = {"seed": 23, "n": 10, "batch_size": 4}
NO_EVAL_PROBE = {"seed": 31, "n": 12, "batch_size": 4, "batchnorm": True}
EARLY_STOP = {"seed": 29, "n": 32, "n_val": 12, "batch_size": 8, "epochs": 10,
              "optimizer": "adam", "lr": 0.05, "patience": 2, "noisy_val": True}
# patience 3, 5 epochs, the best validation loss the 3rd: the epochs run out first, best != last
RUNS_OUT = {**EARLY_STOP, "seed": 72, "n": 16, "n_val": 8, "epochs": 5, "patience": 3,
            "noisy_val": False}
FIT_DEVICE = {**DEVICE_RUN, "n_val": 6, "epochs": 2}

SHORT_BATCH_ADVICE = ("With batches of 4, 4 and 2 samples, the loss is the mean over samples: "
                      "add loss.item() * batch_size per batch and divide by the number of samples "
                      "(the mean of the batch means over-weights the short last batch)")


def forwards(**rules: str) -> Callable[[Any], str | None]:
    """No forward pass may be counted under a key of `rules` (its text says what that means)."""

    def expect(run: Any) -> str | None:
        if not run.get("input"):
            return "the model was never called on a batch"
        return next((f"{run[key]} of {run['input']} forward passes {text}"
                     for key, text in rules.items() if run.get(key)), None)

    return expect


def astray(run: Any) -> str | None:
    """The first key of DEVICE_RULES counted in a run's observations, if any."""
    return next((key for key in DEVICE_RULES if run.get(key)), None)


def on_device(run: Any) -> str | None:
    """Every batch reached the model and the loss on the device given, moved with the argument."""
    key = astray(run)
    if key is None:
        return None if run.get("input") else "the model was never called on a batch"
    total = run.get(key.split("_")[0], 0)
    return (f"{f'{run[key]} of {total} ' if total else ''}batches {DEVICE_RULES[key]} "
            f"({run['device']!r}): move both tensors of every batch with the argument, xb, yb = "
            "xb.to(device), yb.to(device) (a batch left on the CPU works on a CPU-only machine "
            "only)")


DEVICE_RULES = {  # what each count of the observer means
    "input_unmoved": "reached the model without being moved to the device given",
    "target_unmoved": "reached the loss without being moved to the device given",
    "input_elsewhere": "reached the model on another device than the one given",
    "target_elsewhere": "reached the loss on another device than the one given",
    **dict.fromkeys(("moved_to_literal", "moved_by_cuda_call"), "were moved with .cuda() or a "
                    'device written in the code, such as .to("cpu"), instead of the device given'),
}


def observe(id: str, run: Run, config: Config, expect: Callable[[Any], Any]) -> Observe:
    return Observe(id, run.what, run.scenario, expect, args=lambda ctx: [config, ctx.device])


OBSERVE = [
    observe("train_one_epoch-train-mode", TRAIN, TRAIN_MODE, forwards(
        eval_mode="ran in evaluation mode: the model came in eval mode (as it does after "
        "evaluate); call model.train() first, so that dropout and batch norm behave as "
        "in training", grad_off="ran without gradient tracking (inside torch.no_grad())")),
    observe("train_one_epoch-uses-device", TRAIN, DEVICE_RUN, on_device),
    observe("evaluate-no-grad", EVALUATE, NO_GRAD, forwards(
        grad_on="tracked gradients: run the evaluation inside `with torch.no_grad():` so "
        "that no graph is built (it costs memory and time, and nothing will call "
        "backward on it)", train_mode="ran in training mode")),
    observe("evaluate-uses-device", EVALUATE, NO_GRAD, on_device),
    observe("fit-uses-device", FIT, FIT_DEVICE, on_device),
]


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


# the training split, and a test split made of its rows shifted by +100
shifted = split.map(lambda s: (s[0], s[0][: max(1, len(s[0]) // 2)] + 100.0))


def fits_on_train(ctx: Context, example: tuple[np.ndarray, np.ndarray]) -> None:
    try:
        ctx.compare("standardize", [(example, {})])
    except Wrong as wrong:
        wrong.message += ("\nX_test is X_train's rows shifted by +100: scaled with X_train's mu "
                          "and sigma, its mean stays far from 0. Fit mu and sigma on X_train only")
        raise


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


SCALES_APART = (np.array([[1065.0, 14.2, 0.28], [1050.0, 13.2, 0.26], [1185.0, 13.2, 0.30]]),
                np.array([[735.0, 12.4, 0.43], [1480.0, 14.8, 0.29]]))


def astray_kinds(subject: Subject) -> tuple[str, ...]:
    """How batches went astray in runs of train_one_epoch, evaluate and fit ("unmoved", ...)."""
    runs = ((TRAIN, DEVICE_RUN), (EVALUATE, NO_GRAD), (FIT, FIT_DEVICE))
    kinds = {astray(run.probe(config)(subject)) for run, config in runs} - {None}
    return tuple(sorted({str(kind).split("_")[-1] for kind in kinds}))


def val_losses(subject: Subject) -> Any:
    """fit's validation losses with patience (one more or one fewer: the `shifted` signature)."""
    losses = FIT.probe(EARLY_STOP, "history", "val_loss")(subject)
    numbers = isinstance(losses, list) and all(isinstance(v, float) for v in losses)
    return np.asarray(losses) if numbers else losses


EXERCISE = exercise(
    title="The PyTorch training loop (Wine data)",
    checks=[
        ScenarioRow("WineDataset-items", "WineDataset", scenarios.dataset_items, dataset_input,
                    special=[Case((*scenarios.wine(), [0, 5, 17, 60, 61, 130, 177]),
                                  label="WineDataset(X_wine, y_wine)")],
                    hidden_cases=2, describe=lambda e: describe_call("WineDataset", e[:2]),
                    many=scenarios.many,
                    ids={"special": "WineDataset-dataloader", "hidden": "WineDataset-hidden"}),
        Row("standardize", split.map(lambda s: (s, {})), special=[Case(SCALES_APART)]),
        property_check("standardize-shifted-test-split", ["standardize"], shifted.strategy,
                       fits_on_train, describe=lambda e: describe_call("standardize", e)),
        property_check("standardize-train-ignores-test", ["standardize"], shifted.strategy,
                       ignores_test, describe=lambda e: describe_call("standardize", e)),
        *compared(TRAIN, [returned, trained], train_config, hidden=2),
        fixed("train_one_epoch-zero-grad", TRAIN, [ZERO_GRAD], same("state", "the parameters "
              "after 3 SGD steps", "Each step must use the gradient of its own batch only: "
              "loss.backward() adds to .grad, so call optimizer.zero_grad() before it")),
        fixed("train_one_epoch-per-sample-loss", TRAIN, [SHORT_BATCH],
              same("results", RESULTS, SHORT_BATCH_ADVICE)),
        *compared(EVALUATE, [returned, unchanged], evaluate_config, hidden=3),
        fixed("evaluate-deterministic", EVALUATE, [DETERMINISTIC], deterministic),
        fixed("evaluate-leaves-model-unchanged", EVALUATE, [UNCHANGED], unchanged),
        fixed("evaluate-per-sample-loss", EVALUATE, [EVAL_SHORT_BATCH],
              same("results", RESULTS, SHORT_BATCH_ADVICE)),
        # patience is judged by the fixed runs below and the hidden ones
        *compared(FIT, [history, final], fit_config.map(lambda c: {**c, "patience": None}),
                  hidden=2, hidden_configs=fit_config),
        fixed("fit-early-stopping", FIT, [EARLY_STOP], stops, plot=True),
        fixed("fit-restores-best-weights", FIT, [EARLY_STOP, RUNS_OUT],
              same("state", "the final weights", RESTORE_ADVICE), plot=True),
        observations(OBSERVE),
    ],
    probes={
        "no-zero-grad": TRAIN.probe(ZERO_GRAD, "state"),
        "loss-unweighted-batch-mean": together(TRAIN.probe(SHORT_BATCH, "results"),
                                               EVALUATE.probe(EVAL_SHORT_BATCH, "results")),
        "device-ignored": astray_kinds,
        "no-eval-mode": EVALUATE.probe(NO_EVAL_PROBE, "after"),
        "no-grad-missing": lambda s: EVALUATE.probe(NO_GRAD, "grad_on")(s) is not None,
        "standardize-leakage": calls("standardize", SCALES_APART[0][:, 1:],
                                     SCALES_APART[0][:2, 1:] + 100.0),
        "early-stopping-keeps-last-weights": together(FIT.probe(EARLY_STOP, "state"),
                                                      FIT.probe(RUNS_OUT, "state")),
        "early-stopping-off-by-one": val_losses,
    },
    limits=Limits(torch=True, imports=("torch", "sklearn"), device=True),
)
