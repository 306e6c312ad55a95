"""Runs of `backprop` that need what cannot cross to the worker: a generator, a function, a cache.

Each function takes the exercise's module (the learner's, the reference's or
a mutant's) first and plain data after it, and returns plain data:

- a seed stands for the generator, built here with `np.random.default_rng`;
- a name stands for the scalar function handed to `numerical_gradient`
  (`FUNCTIONS`);
- `backward` is fed the cache of the same module's `forward`, whatever that
  cache holds.

Imports numpy only: the worker imports this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.engine.scenarios import batched


def _pair(returned: Any, function: str, first: str) -> Any:
    if not isinstance(returned, (tuple, list)) or len(returned) != 2:
        raise TypeError(
            f"{function} should return a pair ({first}, ...), not {type(returned).__name__}"
        )
    return returned


def init_params_seeded(module: Any, d: int, H: int, O: int, seed: int) -> Any:  # noqa: E741
    """`init_params(d, H, O, np.random.default_rng(seed))`."""
    return module.init_params(d, H, O, np.random.default_rng(seed))


def probabilities(module: Any, X: np.ndarray, params: dict[str, Any]) -> Any:
    """The probabilities `forward(X, params)` returns (its cache is the learner's own design)."""
    return _pair(module.forward(X, params), "forward", "probs")[0]


def gradients(module: Any, X: np.ndarray, params: dict[str, Any], labels: np.ndarray) -> Any:
    """`backward(params, cache, labels)` with the cache of the module's own `forward(X, params)`."""
    cache = _pair(module.forward(X, params), "forward", "probs")[1]
    return module.backward(params, cache, labels)


def loss_and_grads(module: Any, X: np.ndarray, params: dict[str, Any], labels: np.ndarray) -> Any:
    """`loss_and_grads(params, X, labels)`, called with a network's (X, params, labels)."""
    return module.loss_and_grads(params, X, labels)


def loss_of(module: Any, X: np.ndarray, params: dict[str, Any], labels: np.ndarray) -> Any:
    """The loss `loss_and_grads(params, X, labels)` returns."""
    return _pair(loss_and_grads(module, X, params, labels), "loss_and_grads", "loss")[0]


def _cubic(x: np.ndarray) -> float:
    """Curved enough that a forward difference is visibly off; not separable across entries."""
    return float(np.sum(x**3) + 0.5 * np.sum(x) ** 2)


def _wave(x: np.ndarray) -> float:
    weights = np.arange(1.0, x.size + 1.0).reshape(np.shape(x))
    return float(np.sum(weights * np.sin(3.0 * x)))


FUNCTIONS = {"cubic": _cubic, "wave": _wave}
"""The scalar functions a numerical gradient is taken of, by name."""


def numerical_gradient_of(module: Any, function: str, x: np.ndarray, h: float | None) -> Any:
    """`numerical_gradient(f, x, h)` (h left at its default when None): (gradient, x afterwards)."""
    f = FUNCTIONS[function]
    grad = module.numerical_gradient(f, x) if h is None else module.numerical_gradient(f, x, h)
    return grad, x


def numerical_gradient_at(module: Any, function: str, x: np.ndarray, h: float | None) -> Any:
    """The gradient `numerical_gradient(f, x, h)` returns."""
    return numerical_gradient_of(module, function, x, h)[0]


def restores_x(module: Any, function: str, x: np.ndarray, h: float | None) -> bool:
    """Whether x holds exactly its values again after `numerical_gradient(f, x, h)`."""
    before = x.copy()
    numerical_gradient_of(module, function, x, h)
    return bool(np.array_equal(x, before))


def gradient_check(
    module: Any, X: np.ndarray, params: dict[str, Any], labels: np.ndarray
) -> dict[str, Any]:
    """The module's own gradient check: `loss_and_grads` beside `numerical_gradient` of its loss.

    Returns {"loss", "analytic": grads, "numerical": {key: gradient of the loss w.r.t. key}}.
    """
    loss, grads = _pair(module.loss_and_grads(params, X, labels), "loss_and_grads", "loss")
    numerical = {}
    for key in params:

        def loss_of(value: np.ndarray, key: str = key) -> Any:
            return module.loss_and_grads({**params, key: value}, X, labels)[0]

        numerical[key] = module.numerical_gradient(loss_of, np.array(params[key], dtype=float))
    return {"loss": loss, "analytic": grads, "numerical": numerical}


many = batched(
    {f.__name__: f for f in (init_params_seeded, probabilities, gradients, loss_and_grads)}
    | {f.__name__: f for f in (numerical_gradient_of, numerical_gradient_at)},
    __name__,
)
"""`many(module, name, cases)`: several runs of one scenario (by name) in one round trip."""
