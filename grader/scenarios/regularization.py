"""Runs of `regularization` that need objects: a seeded generator for dropout, EarlyStopping.

Each function takes the exercise's module first and plain data after it and
returns plain data. Imports numpy only: the worker imports this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.scenarios import batched


def dropout_run(module: Any, x: np.ndarray, p: float, training: bool, seed: int) -> dict[str, Any]:
    """``dropout(x, p, training, np.random.default_rng(seed))``; also whether ``x`` was modified."""
    before = x.copy()
    value = module.dropout(x, p, training, np.random.default_rng(seed))
    return {"value": value, "mutated": ["x"] if not np.array_equal(x, before) else []}


def early_stopping_run(
    module: Any, kwargs: dict[str, Any], losses: list[float]
) -> list[tuple[Any, Any, Any]]:
    """``EarlyStopping(**kwargs)`` fed ``losses``: per call, ``(step's answer, best_loss, best_epoch)``."""
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
    return record


SCENARIOS = {"dropout_run": dropout_run, "early_stopping_run": early_stopping_run}

many = batched(SCENARIOS, __name__)
