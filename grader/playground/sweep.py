"""A playground session: the runs a sweep asks for, trained, judged and compared.

Any of the `SWEPT` settings may hold several values; the runs are every
combination, in the order the values were given, labelled by what varies.
Each run trains with the reference's blocks in this process; with a
workspace whose exercises are finished, the same runs also train with the
learner's blocks in the worker, and each learner curve is compared with the
reference's on the same seed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader.playground import data as datasets
from grader.playground.mlp import Blocks, train
from grader.playground.presets import Preset
from grader.playground.verdict import Departure, Verdict, departure, judge, roughness

SWEPT = ("lr", "depth", "width", "batch_size", "optimizer", "activation")
MAX_RUNS = 24
DEFAULTS: dict[str, Any] = {
    "lr": [0.1],
    "depth": [2],
    "width": [16],
    "batch_size": [None],
    "optimizer": ["adam"],
    "activation": ["tanh"],
    "epochs": 200,
    "l2": 0.0,
    "dropout": 0.0,
}
SHORT = {"batch_size": "batch", "optimizer": "opt", "activation": "act"}


@dataclass(frozen=True)
class Setup:
    """What to run: the data and every setting (lists for the swept ones)."""

    dataset: str = "moons"
    samples: int = 300
    noise: float | None = None
    seed: int = 0
    settings: dict[str, Any] = field(default_factory=lambda: dict(DEFAULTS))
    preset: Preset | None = None
    workspace: Path | None = None


@dataclass
class Run:
    label: str
    config: dict[str, Any]
    history: dict[str, Any]  # the reference's, or the learner's when `reference` is set
    verdict: Verdict
    reference: dict[str, Any] | None = None
    departure: Departure | None = None

    @property
    def roughness(self) -> float:
        return roughness(self.history["update_loss"])


@dataclass
class Session:
    setup: Setup
    data: datasets.Dataset
    runs: list[Run]
    snapshots: list[int]
    learner: str = ""  # "" no workspace; else what happened to the learner's code
    learner_used: bool = False


def configs(setup: Setup) -> list[tuple[str, dict[str, Any]]]:
    """(label, config) for every combination of the swept values."""
    s = setup.settings
    values = [list(s[name]) for name in SWEPT]
    if np.prod([len(v) for v in values]) > MAX_RUNS:
        raise ValueError(f"that sweep makes more than {MAX_RUNS} runs; give fewer values")
    varying = [name for name, v in zip(SWEPT, values, strict=False) if len(v) > 1]
    out = []
    for combo in itertools.product(*values):
        config = dict(zip(SWEPT, combo, strict=False))
        config.update(epochs=s["epochs"], l2=s["l2"], dropout=s["dropout"], seed=setup.seed)
        label = " ".join(f"{SHORT.get(n, n)}={format_value(n, config[n])}" for n in varying)
        out.append((label or "run", config))
    return out


def format_value(name: str, value: Any) -> str:
    if name == "batch_size":
        return "full" if value is None else str(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def snapshot_epochs(epochs: int) -> list[int]:
    """Before training, after a tenth, after a third, at the end."""
    return sorted({0, max(1, epochs // 10), max(1, epochs // 3), epochs})


def reference_blocks() -> Blocks:
    from reference import activations, losses, optimizers, regularization

    return Blocks(activations, losses, optimizers, regularization)


def play(setup: Setup) -> Session:
    """Train, judge and (with a workspace) compare every run of ``setup``."""
    from grader.playground import learner

    data = datasets.load(setup.dataset, setup.samples, setup.noise, setup.seed)
    runs_to_make = configs(setup)
    snapshots = snapshot_epochs(setup.settings["epochs"])
    arrays, grid = data.arrays(), data.grid()
    blocks = reference_blocks()
    histories = [train(blocks, config, arrays, grid, snapshots) for _, config in runs_to_make]
    session = Session(setup, data, [], snapshots)
    learned: list[dict[str, Any]] | None = None
    if setup.workspace is not None:
        needs = setup.settings["l2"] > 0 or setup.settings["dropout"] > 0
        try:
            code = learner.prepare(setup.workspace, learner.required(needs))
            reference_s = sum(h["wall_s"] for h in histories)
            learned = learner.train_in_worker(
                code, [c for _, c in runs_to_make], arrays, grid, snapshots, reference_s
            )
            session.learner = (
                f"your {', '.join(code.sources)} from {setup.workspace}, run in the sandboxed "
                "worker; dashed curves are the reference's"
            )
            session.learner_used = True
        except learner.NotReady as why:
            session.learner = str(why)
        except learner.LearnerError as error:
            session.learner = (
                f"your code failed in the playground: {error.describe()}; "
                "showing the reference's code instead"
            )
    for i, (label, config) in enumerate(runs_to_make):
        if learned is None:
            history = histories[i]
            session.runs.append(Run(label, config, history, judge_run(history)))
            continue
        mine, ref = learned[i], histories[i]
        session.runs.append(
            Run(
                label,
                config,
                mine,
                judge_run(mine),
                reference=ref,
                departure=departure(mine["train_loss"], ref["train_loss"]),
            )
        )
    return session


def judge_run(history: dict[str, Any]) -> Verdict:
    return judge(history["train_loss"], history["val_loss"])
