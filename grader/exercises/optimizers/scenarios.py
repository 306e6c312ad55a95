"""Optimizer runs for `optimizers`: the optimizer object stays in the worker, its path comes back.

Every function takes the exercise's module first (the learner's in the
worker, the reference or a mutant in the grader) and plain data after it,
and returns plain data. The objective is a fixed convex quadratic per key,
``f(p) = sum c/2 (p - t)^2`` with elementwise curvature ``c`` and optimum
``t``; its gradient ``c (p - t)`` is computed here, at the parameters the
optimizer left, so that the learner's code only ever runs ``step``.

Imports numpy only: the worker imports this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.engine.scenarios import batched


def _values(key: str, value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A copy of a parameter's values; a changed shape is the learner's error, said plainly."""
    try:
        values = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"after step, params[{key!r}] is a {type(value).__name__}, not an array of floats"
        ) from None
    if values.shape != shape:
        raise ValueError(
            f"step changed the shape of params[{key!r}] from {shape} to {values.shape}"
        )
    return values


def optimizer_trajectory(
    module: Any,
    name: str,
    kwargs: dict[str, Any],
    start: dict[str, np.ndarray],
    curvature: dict[str, np.ndarray],
    target: dict[str, np.ndarray],
    steps: int,
    schedule: list[list[str]] | None = None,
) -> dict[str, Any]:
    """Build ``module.<name>(**kwargs)`` and take ``steps`` steps on the quadratic.

    ``schedule[t]`` lists the keys stepped at step ``t`` (all keys when None):
    the others get no gradient at that step, as torch skips a parameter whose
    ``.grad`` is None; ``step`` is not called at a step with no keys. Returns

    - ``path``: per key, the array of its values after every step, shape
      ``(steps, *shape)`` (what ``step`` left in the dict it was given, so a
      value mistake shows even if the update was not in place);
    - ``in_place``: per step, whether every stepped array is still the
      caller's own array object (``p -= ...`` rather than ``params[k] = ...``);
    - ``grads_unchanged``: whether ``step`` left the gradient arrays alone;
    - ``caller``: the caller's own arrays at the end (they never move when
      ``step`` rebinds instead of updating in place).
    """
    optimizer = getattr(module, name)(**kwargs)
    arrays = {k: np.array(v, dtype=np.float64) for k, v in start.items()}
    params = dict(arrays)
    path: dict[str, list[np.ndarray]] = {k: [] for k in arrays}
    in_place: list[bool] = []
    grads_unchanged = True
    for t in range(steps):
        keys = list(params) if schedule is None else [k for k in schedule[t] if k in params]
        if not keys:
            for k, v in params.items():
                path[k].append(np.array(v, dtype=np.float64))
            in_place.append(all(params[k] is arrays[k] for k in params))
            continue
        current = {k: params[k] for k in keys}
        grads = {k: curvature[k] * (np.asarray(params[k]) - target[k]) for k in keys}
        originals = dict(grads)
        copies = {k: g.copy() for k, g in grads.items()}
        optimizer.step(current, grads)
        in_place.append(all(current.get(k) is arrays[k] for k in keys))
        grads_unchanged = grads_unchanged and all(
            np.array_equal(originals[k], copies[k]) for k in keys
        )
        params.update({k: current[k] for k in keys if k in current})
        for k, v in params.items():
            path[k].append(_values(k, v, arrays[k].shape))
    return {
        "path": {k: np.array(values, dtype=np.float64) for k, values in path.items()},
        "in_place": in_place,
        "grads_unchanged": grads_unchanged,
        "caller": arrays,
    }


def per_key_state(
    module: Any,
    name: str,
    kwargs: dict[str, Any],
    start: dict[str, np.ndarray],
    curvature: dict[str, np.ndarray],
    target: dict[str, np.ndarray],
    schedule: list[list[str]],
) -> dict[str, Any]:
    """One optimizer for all keys on ``schedule``, and one fresh optimizer per key alone.

    With state kept per key, each key's path is the same in both: what
    happens to the other keys (their gradients, whether they were stepped)
    must not change it. Both are dicts of per-key paths ``(steps, *shape)``.
    """
    steps = len(schedule)
    joint = optimizer_trajectory(module, name, kwargs, start, curvature, target, steps, schedule)
    alone = {
        k: optimizer_trajectory(
            module,
            name,
            kwargs,
            {k: start[k]},
            curvature,
            target,
            steps,
            [[k] if k in keys else [] for keys in schedule],
        )["path"][k]
        for k in start
    }
    return {"joint": joint["path"], "alone": alone}


SCENARIOS = {"optimizer_trajectory": optimizer_trajectory, "per_key_state": per_key_state}

many = batched(SCENARIOS, __name__)
