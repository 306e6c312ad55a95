"""The playground's training, run in the worker around the learner's own modules.

The worker has loaded the learner's ``optimizers.py`` (the module given
first); the learner's other files arrive as source text, read and checked by
the grader, and are executed here as modules under that same module name, so
the worker's import guard treats their imports exactly as the graded file's.
Every run trains with `grader.playground.mlp.train` over those modules and
comes back as plain data.

Imports numpy only: the worker imports this module.
"""

from __future__ import annotations

import sys
import traceback
import types
from typing import Any

import numpy as np

from grader.playground.mlp import Blocks, train


class LearnerFailure(Exception):
    """The learner's code failed during a playground run (message names file and line)."""


def _module(name: str, filename: str, source: str) -> types.ModuleType:
    """Execute ``source`` as a module called ``name`` (the guard's learner module name)."""
    module = types.ModuleType(name)
    module.__file__ = filename
    previous = sys.modules.get(name)
    sys.modules[name] = module  # dataclasses and friends look their module up here
    try:
        exec(compile(source, filename, "exec"), module.__dict__)
    finally:
        if previous is None:
            del sys.modules[name]
        else:
            sys.modules[name] = previous
    return module


def _where(exc: BaseException, files: set[str]) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in files]
    if not frames:
        return ""
    frame = frames[-1]
    name = frame.filename.rsplit("/", 1)[-1]
    return f" ({name}, line {frame.lineno}, in {frame.name}: {(frame.line or '').strip()})"


def train_runs(
    module: Any,
    sources: dict[str, list[str]],
    configs: list[dict[str, Any]],
    data: dict[str, np.ndarray],
    grid: np.ndarray,
    snapshots: list[int],
) -> list[dict[str, Any]]:
    """Train every config with the learner's blocks; ``sources``: exercise -> [filename, text]."""
    files = {str(getattr(module, "__file__", ""))} | {f for f, _ in sources.values()}
    try:
        modules = {"optimizers": module}
        for exercise, (filename, text) in sources.items():
            modules[exercise] = _module(module.__name__, filename, text)
        blocks = Blocks(
            modules["activations"],
            modules["losses"],
            modules["optimizers"],
            modules.get("regularization"),
        )
        return [train(blocks, config, data, grid, snapshots) for config in configs]
    except Exception as exc:
        raise LearnerFailure(f"{type(exc).__name__}: {exc}{_where(exc, files)}") from None
