"""Input domains, declared once and read by two interpreters.

    @domain
    def softmax_call(pick: Pick) -> Call:
        z = pick.array(pick.shape())
        return (z,), {"axis": pick.integers(-z.ndim, z.ndim - 1)}

`softmax_call.strategy` is a hypothesis strategy (explored, shrunk, shown to the
learner); `softmax_call.draw(rng)` draws one hidden case from the secret's
generator. The same `build` runs under both, so the two never drift apart.

Arrays under hypothesis are (shape, seed, scale, style) filled by numpy, as
`fill` says: hypothesis explores and shrinks the shape, the magnitude and the
style (plain, whole numbers so that kinks at 0 appear, half zeros), while
drawing stays cheap. Hidden arrays are normal draws.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any, Generic, TypeVar

import numpy as np

T = TypeVar("T")
U = TypeVar("U")

SCALES = (1.0, 10.0, 100.0)
STYLES = ("uniform", "integers", "sparse")
SEEDS = 2**32


def fill(shape: tuple[int, ...], seed: int, scale: float, style: str) -> np.ndarray:
    """The float64 array that (shape, seed, scale, style) stands for."""
    rng = np.random.default_rng(seed)
    z = rng.uniform(-scale, scale, size=shape)
    if style == "integers":
        z = np.round(z)
    elif style == "sparse":
        z[rng.random(shape) < 0.5] = 0.0
    return z


def _softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


class Pick:
    """What a domain's `build` draws from; the meaning is the same under both interpreters.

    Subclasses answer `_integers`, `_floats`, `_choice` and `_array`; everything
    else is built from those.
    """

    def integers(self, low: int, high: int) -> int:
        """A whole number in [low, high] (both included)."""
        return self._integers(low, high)

    def floats(self, low: float, high: float) -> float:
        return self._floats(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return self._choice(list(options))

    def boolean(self) -> bool:
        return bool(self._choice([False, True]))

    def seed(self) -> int:
        """A seed for numpy generators built on both sides of a comparison."""
        return self.integers(0, SEEDS - 1)

    def shape(self, min_dims: int = 1, max_dims: int = 3, max_side: int = 4) -> tuple[int, ...]:
        return self._shape(min_dims, max_dims, max_side)

    def array(self, shape: Sequence[int], scale: float | None = None) -> np.ndarray:
        """A float64 array of `shape`: magnitudes up to `scale` (hypothesis: one of SCALES)."""
        return self._array(tuple(int(n) for n in shape), scale)

    def labels(self, n: int, classes: int) -> np.ndarray:
        """`n` int64 class indices in [0, classes)."""
        rng = np.random.default_rng(self.seed())
        return rng.integers(0, classes, size=n).astype(np.int64)

    def probabilities(self, shape: Sequence[int], axis: int = -1) -> np.ndarray:
        """Positive values summing to 1 along `axis`."""
        return _softmax(self.array(shape, 3.0), axis)

    def draw(self, other: Domain[T]) -> T:
        """A value of another domain, drawn by the same interpreter."""
        return other.build(self)

    def _integers(self, low: int, high: int) -> int:
        raise NotImplementedError

    def _floats(self, low: float, high: float) -> float:
        raise NotImplementedError

    def _choice(self, options: list[T]) -> T:
        raise NotImplementedError

    def _shape(self, min_dims: int, max_dims: int, max_side: int) -> tuple[int, ...]:
        raise NotImplementedError

    def _array(self, shape: tuple[int, ...], scale: float | None) -> np.ndarray:
        raise NotImplementedError


@functools.lru_cache(maxsize=1024)
def _cached(kind: str, *args: Any) -> Any:
    """One hypothesis strategy per (kind, arguments): built once, its properties computed once."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    if kind == "integers":
        return st.integers(*args)
    if kind == "floats":
        return st.floats(*args, allow_nan=False, allow_infinity=False)
    if kind == "sampled_from":
        return st.sampled_from(args)
    low, high, side = args
    return hnp.array_shapes(min_dims=low, max_dims=high, min_side=1, max_side=side)


class Explored(Pick):
    """Hypothesis's interpreter: every pick is a draw hypothesis records and shrinks."""

    def __init__(self, draw: Callable[[Any], Any]) -> None:
        self._draw = draw

    def _integers(self, low: int, high: int) -> int:
        return self._draw(_cached("integers", low, high))

    def _floats(self, low: float, high: float) -> float:
        return self._draw(_cached("floats", float(low), float(high)))

    def _choice(self, options: list[T]) -> T:
        return options[self._draw(_cached("sampled_from", *range(len(options))))]

    def _shape(self, min_dims: int, max_dims: int, max_side: int) -> tuple[int, ...]:
        return self._draw(_cached("shape", min_dims, max_dims, max_side))

    def _array(self, shape: tuple[int, ...], scale: float | None) -> np.ndarray:
        seed = self.seed()
        magnitude = scale if scale is not None else self._choice(list(SCALES))
        return fill(shape, seed, magnitude, self._choice(list(STYLES)))


class Hidden(Pick):
    """The hidden cases' interpreter: every pick comes from the secret's generator."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def _integers(self, low: int, high: int) -> int:
        return int(self.rng.integers(low, high + 1))

    def _floats(self, low: float, high: float) -> float:
        return float(self.rng.uniform(low, high))

    def _choice(self, options: list[T]) -> T:
        return options[int(self.rng.integers(len(options)))]

    def _shape(self, min_dims: int, max_dims: int, max_side: int) -> tuple[int, ...]:
        dims = int(self.rng.integers(min_dims, max_dims + 1))
        return tuple(int(n) for n in self.rng.integers(1, max_side + 2, size=dims))

    def _array(self, shape: tuple[int, ...], scale: float | None) -> np.ndarray:
        return self.rng.normal(0.0, 10.0 if scale is None else scale, size=shape)


class Domain(Generic[T]):
    """One declared input domain: `strategy` for hypothesis, `draw(rng)` for hidden cases."""

    def __init__(self, build: Callable[[Pick], T]) -> None:
        self.build = build

    @cached_property
    def strategy(self) -> Any:
        """A hypothesis strategy of the domain's values (st.composite: it shrinks)."""
        from hypothesis import strategies as st

        return st.composite(lambda draw: self.build(Explored(draw)))()

    def draw(self, rng: np.random.Generator) -> T:
        return self.build(Hidden(rng))

    def map(self, function: Callable[[T], U]) -> Domain[U]:
        return Domain(lambda pick: function(self.build(pick)))


def domain(build: Callable[[Pick], T]) -> Domain[T]:
    """The domain `build(pick)` describes (usable as a decorator)."""
    return Domain(build)


def fixed(value: T) -> Domain[T]:
    """A domain of one value (a configuration that does not vary)."""
    return Domain(lambda pick: value)
