"""Hypothesis strategies and hidden-case generators shared by the exercises.

Arrays are drawn as (shape, seed, scale, style) and filled by numpy from the
seed: hypothesis explores and shrinks the shape, the magnitude and the
style (plain, whole numbers so that kinks at 0 appear, half zeros), while
drawing stays cheap. Values are bounded (|z| <= 100) and finite; stability is
tested separately, with extreme values declared next to each function.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

SCALES = (1.0, 10.0, 100.0)
STYLES = ("uniform", "integers", "sparse")


def fill(shape: tuple[int, ...], seed: int, scale: float, style: str) -> np.ndarray:
    """The float64 array that (shape, seed, scale, style) stands for."""
    rng = np.random.default_rng(seed)
    z = rng.uniform(-scale, scale, size=shape)
    if style == "integers":
        z = np.round(z)
    elif style == "sparse":
        z[rng.random(shape) < 0.5] = 0.0
    return z


def shapes(
    min_dims: int = 1, max_dims: int = 3, max_side: int = 4
) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def arrays(shape: Any = None, scales: tuple[float, ...] = SCALES) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of the given shape (a tuple or a strategy; default any small shape)."""
    if shape is None:
        shape = shapes()
    elif isinstance(shape, tuple):
        shape = st.just(shape)
    return st.builds(
        fill, shape, st.integers(0, 2**32 - 1), st.sampled_from(scales), st.sampled_from(STYLES)
    )


def unary(**kwargs: st.SearchStrategy[Any]) -> Any:
    """One call `f(z, **kwargs)` of an elementwise function."""
    return st.tuples(st.tuples(arrays()), st.fixed_dictionaries(kwargs))


def hidden_array(rng: np.random.Generator, scale: float = 10.0, max_dims: int = 3) -> np.ndarray:
    """A random float64 array of a random small shape (hidden cases)."""
    shape = tuple(int(n) for n in rng.integers(1, 6, size=rng.integers(1, max_dims + 1)))
    return rng.normal(0.0, scale, size=shape)


# -- helpers shared by the exercises that take batches (losses, backprop) -------------


def same_shape(
    count: int, scales: tuple[float, ...] = SCALES, max_dims: int = 3
) -> st.SearchStrategy[tuple[np.ndarray, ...]]:
    """`count` float64 arrays sharing one small random shape."""
    return shapes(max_dims=max_dims).flatmap(
        lambda shape: st.tuples(*(arrays(shape, scales) for _ in range(count)))
    )


def labels_for(n: int, classes: int, seed: int) -> np.ndarray:
    """`n` int64 class indices in [0, classes), drawn from `seed`."""
    return np.random.default_rng(seed).integers(0, classes, size=n).astype(np.int64)


def logits_and_labels(
    max_n: int = 5, max_k: int = 5, scales: tuple[float, ...] = SCALES
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """(logits (N, K), int labels (N,)) with N, K >= 1 small; labels drawn from a seed."""
    dims = st.tuples(st.integers(1, max_n), st.integers(1, max_k))
    return dims.flatmap(
        lambda nk: st.tuples(
            arrays(nk, scales),
            st.builds(labels_for, st.just(nk[0]), st.just(nk[1]), st.integers(0, 2**32 - 1)),
        )
    )


def hidden_logits_and_labels(
    rng: np.random.Generator, scale: float = 10.0, max_n: int = 6, max_k: int = 6
) -> tuple[np.ndarray, np.ndarray]:
    """A hidden (logits, labels) pair of a random small size."""
    n, k = int(rng.integers(1, max_n + 1)), int(rng.integers(1, max_k + 1))
    return rng.normal(0.0, scale, size=(n, k)), rng.integers(0, k, size=n).astype(np.int64)


def stacked_twice(value: Any) -> Any:
    """The batch seen twice: every array argument concatenated with itself along axis 0."""
    if isinstance(value, np.ndarray) and value.ndim >= 1:
        return np.concatenate([value, value], axis=0)
    return value
