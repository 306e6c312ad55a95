"""`--workspace`: the same runs with the learner's activations, losses and optimizers.

The learner's code runs only in the sandboxed worker, as in grading: the
worker loads ``optimizers.py``, and `grader.playground.scenario` executes
``activations.py`` and ``losses.py`` (and ``regularization.py`` when a run
uses L2 or dropout) beside it under the same import guard. They are used
only once each exercise has passed all its checks (the workspace's progress
record, written by ``neurograde grade``) and its file passes the static
checks now; otherwise the playground says which to finish first and shows
the reference's runs alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader import catalog, static
from grader.worker import LearnerError, Worker
from grader.workspace import Workspace

BASE = ("activations", "losses", "optimizers")
MIN_TIMEOUT_S, SLOWER = 20.0, 20.0
"""The learner's runs may take SLOWER times the reference's, and at least MIN_TIMEOUT_S."""


class NotReady(Exception):
    """The learner's code cannot be used yet; the message says why and what to do."""


@dataclass(frozen=True)
class LearnerCode:
    workspace: Path
    sources: dict[str, tuple[Path, str]]  # exercise -> (file, text), optimizers included


def required(needs_regularization: bool) -> tuple[str, ...]:
    return (*BASE, "regularization") if needs_regularization else BASE


def prepare(workspace: Path, exercises: tuple[str, ...]) -> LearnerCode:
    """The learner's files for ``exercises``, or NotReady naming the ones to finish first."""
    ws = Workspace(workspace)
    progress = ws.progress()
    unfinished = []
    for name in exercises:
        entry = progress.get(name, {})
        best, top = entry.get("best_score"), entry.get("max_score")
        if not ws.exercise_file(name).is_file() or not top or best != top:
            unfinished.append(name)
    if unfinished:
        command = f"neurograde grade {' '.join(unfinished)} --workspace {workspace}"
        raise NotReady(
            f"finish {', '.join(unfinished)} first (every check passed: {command}); "
            "showing the reference's code instead"
        )
    sources: dict[str, tuple[Path, str]] = {}
    for name in exercises:
        path = ws.exercise_file(name).resolve()
        text = path.read_bytes()[: static.MAX_SOURCE_BYTES].decode("utf-8", errors="replace")
        tree = static.parse(text)
        if isinstance(tree, SyntaxError):
            raise NotReady(f"{name}.py does not parse any more ({tree.msg}); fix it first")
        problems = static.refused_imports(tree, catalog.allowed_imports(name))
        problems += static.escape_hatches(tree)
        if problems:
            what, line = problems[0]
            raise NotReady(f"{name}.py line {line}: {what} is not allowed; fix it first")
        sources[name] = (path, text)
    return LearnerCode(Path(workspace), sources)


def train_in_worker(
    code: LearnerCode,
    configs: list[dict[str, Any]],
    data: dict[str, np.ndarray],
    grid: np.ndarray,
    snapshots: list[int],
    reference_s: float,
) -> list[dict[str, Any]]:
    """Every run trained with the learner's blocks, in one sandboxed worker.

    ``reference_s``: how long the reference took for the same runs (sets the
    time limit). Raises `LearnerError` when the learner's code fails (raises,
    hangs, crashes).
    """
    timeout = max(MIN_TIMEOUT_S, SLOWER * reference_s)
    optimizers_path = code.sources["optimizers"][0]
    others = {
        name: [str(path), text]
        for name, (path, text) in code.sources.items()
        if name != "optimizers"
    }
    worker = Worker(
        path=optimizers_path,
        module_name="learner_playground",
        allowed=catalog.allowed_imports("optimizers"),
        timeout_s=timeout,
    )
    with worker:
        try:
            return worker.scenario(
                "grader.playground.scenario",
                "train_runs",
                others,
                configs,
                data,
                grid,
                snapshots,
                about="the playground's training runs",
                timeout=timeout,
            )
        except LearnerError as error:
            if error.message != "LearnerFailure":
                raise
            # the scenario's own words name the learner's exception, file and line
            raise LearnerError(error.kind, error.said, error.where) from None
