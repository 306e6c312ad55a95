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

# transition: the exercises not yet ported draw their inputs here; declarations use
# grader.engine's domains, and this module goes with the last port.
from grader.engine.domains import SCALES, STYLES, fill
from grader.engine.values import finite_floats, sklearn_data, stacked_twice

__all__ = ["SCALES", "STYLES", "fill", "finite_floats", "sklearn_data", "stacked_twice"]


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


# -- examples built from drawn sizes (static strategies: cheap to draw, easy to shrink) ---


class Filler:
    """Makes the arrays of one example: each call fills the next array from the next seed."""

    def __init__(self, seed: int, scale: float, style: str) -> None:
        self.seed, self.scale, self.style, self.count = seed, scale, style, 0

    def __call__(self, *shape: int) -> np.ndarray:
        """A float64 array of this shape, filled as `fill` does."""
        self.count += 1
        return fill(tuple(shape), self.seed + self.count, self.scale, self.style)

    def labels(self, n: int, classes: int) -> np.ndarray:
        """`n` int64 class indices in [0, classes)."""
        self.count += 1
        rng = np.random.default_rng(self.seed + self.count)
        return rng.integers(0, classes, size=n).astype(np.int64)


def built(
    build: Any, *sizes: st.SearchStrategy[Any], scales: tuple[float, ...] = SCALES
) -> st.SearchStrategy[Any]:
    """`build(filler, *drawn sizes)` for drawn sizes and a drawn seed, scale and style.

    Unlike `flatmap`, no strategy is created per example, so drawing stays cheap;
    hypothesis shrinks the sizes, then the seed, the scale and the style.
    """
    return st.builds(
        lambda seed, scale, style, *drawn: build(Filler(seed, scale, style), *drawn),
        st.integers(0, 2**32 - 1),
        st.sampled_from(scales),
        st.sampled_from(STYLES),
        *sizes,
    )


def sides(low: int = 1, high: int = 5) -> st.SearchStrategy[int]:
    """One array side, `low` to `high`."""
    return st.integers(low, high)


def hidden_logits_and_labels(
    rng: np.random.Generator, scale: float = 10.0, max_n: int = 6, max_k: int = 6
) -> tuple[np.ndarray, np.ndarray]:
    """A hidden (logits (N, K), int labels (N,)) pair of a random small size."""
    n, k = int(rng.integers(1, max_n + 1)), int(rng.integers(1, max_k + 1))
    return rng.normal(0.0, scale, size=(n, k)), rng.integers(0, k, size=n).astype(np.int64)


def seeds() -> st.SearchStrategy[int]:
    """Seeds for numpy generators built on both sides of a comparison (scenarios)."""
    return st.integers(0, 2**32 - 1)


def seed_or_none() -> st.SearchStrategy[int | None]:
    """A seed, or None for "no generator" (functions whose `rng` is optional)."""
    return st.one_of(st.none(), seeds())
