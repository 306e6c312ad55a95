"""Runs of `gradient_descent` that need a random generator, which cannot cross to the worker.

Each function takes the exercise's module first and plain data after it: a
seed stands for the generator (``None`` for no generator), built here with
``np.random.default_rng(seed)`` on each side, so both sides draw the same
numbers if and only if they consume the generator the same way.

Imports numpy only: the worker imports this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.engine.scenarios import batched


def _rng(seed: int | None) -> np.random.Generator | None:
    return None if seed is None else np.random.default_rng(seed)


def epochs_of_batches(
    module: Any, n_samples: int, batch_size: int, seed: int | None, epochs: int
) -> list[Any]:
    """``minibatches(n_samples, batch_size, rng)`` called once per epoch with one generator."""
    rng = _rng(seed)
    return [module.minibatches(n_samples, batch_size, rng) for _ in range(epochs)]


def fit(
    module: Any,
    X: np.ndarray,
    y: np.ndarray,
    lr: float,
    epochs: int,
    batch_size: int | None,
    seed: int | None,
) -> dict[str, Any]:
    """``fit_linear_regression`` with a generator from ``seed``; also names modified inputs."""
    X0, y0 = X.copy(), y.copy()
    value = module.fit_linear_regression(X, y, lr, epochs, batch_size=batch_size, rng=_rng(seed))
    mutated = [
        name
        for name, now, before in (("X", X, X0), ("y", y, y0))
        if not np.array_equal(now, before)
    ]
    return {"value": value, "mutated": mutated}


many = batched({"epochs_of_batches": epochs_of_batches, "fit": fit}, __name__)
"""Several runs of one scenario in one round trip (the hidden cases)."""
