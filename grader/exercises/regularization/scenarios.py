"""Runs of `regularization` that need objects: a seeded generator for dropout, EarlyStopping.

Each function takes the exercise's module first and plain data after it and
returns plain data. Imports numpy only: the worker imports this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def dropout_run(module: Any, x: np.ndarray, p: float, training: bool, seed: int) -> dict[str, Any]:
    """``dropout(x, p, training, np.random.default_rng(seed))``; also whether ``x`` was modified."""
    before = x.copy()
    value = module.dropout(x, p, training, np.random.default_rng(seed))
    return {"value": value, "mutated": not np.array_equal(x, before)}


def dropout_runs(
    module: Any, x: np.ndarray, seed: int, settings: list[tuple[float, bool]]
) -> list[dict[str, Any]]:
    """`dropout_run` on one input for every ``(p, training)`` of `settings`, each from `seed`."""
    return [
        {"p": p, "training": training, **dropout_run(module, x, p, training, seed)}
        for p, training in settings
    ]


def early_stopping_run(
    module: Any, kwargs: dict[str, Any], losses: list[float]
) -> list[tuple[Any, Any, Any]]:
    """A loop that feeds ``losses`` to ``EarlyStopping(**kwargs)`` until ``step`` says stop:
    per call, ``(step's answer, best_loss, best_epoch)``."""
    stopper = module.EarlyStopping(**kwargs)
    record = []
    for loss in losses:
        stop = stopper.step(loss)
        for name in ("best_loss", "best_epoch"):
            if not hasattr(stopper, name):
                raise AttributeError(
                    f"after step, EarlyStopping has no attribute {name}: set self.{name} "
                    "(in __init__, then at every improvement)"
                )
        record.append((stop, stopper.best_loss, stopper.best_epoch))
        if stop:
            break
    return record
