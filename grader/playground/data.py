"""The playground's 2-D data sets, two classes each, seeded, split into training and validation.

- ``moons``: scikit-learn's two interleaving half circles (``make_moons``);
- ``circles``: scikit-learn's two concentric circles (``make_circles``, factor 0.5);
- ``spiral``: two arms winding one and a half turns around each other;
- ``xor``: points in the square [-1, 1]^2, class 1 where x1 x2 > 0.

scikit-learn is imported only here, and only for the first two: nothing on a
grading path imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DATASETS = ("moons", "circles", "spiral", "xor")
DEFAULT_NOISE = {"moons": 0.2, "circles": 0.1, "spiral": 0.15, "xor": 0.05}
GRID_SIDE = 60
"""Decision regions are sampled on a GRID_SIDE x GRID_SIDE grid over the data."""


@dataclass(frozen=True)
class Dataset:
    """One seeded draw: the split, the sampling grid of the decision regions and its bounds."""

    name: str
    noise: float
    seed: int
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    bounds: tuple[float, float, float, float]  # x_min, x_max, y_min, y_max

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "X_train": self.X_train,
            "y_train": self.y_train,
            "X_val": self.X_val,
            "y_val": self.y_val,
        }

    def grid(self) -> np.ndarray:
        """(GRID_SIDE**2, 2) points, row by row from the bottom (y_min) up, x left to right."""
        x_min, x_max, y_min, y_max = self.bounds
        xs, ys = np.linspace(x_min, x_max, GRID_SIDE), np.linspace(y_min, y_max, GRID_SIDE)
        gx, gy = np.meshgrid(xs, ys)
        return np.column_stack([gx.ravel(), gy.ravel()])

    def describe(self) -> str:
        n = len(self.y_train) + len(self.y_val)
        return (
            f"{self.name} ({n} points: {len(self.y_train)} train, {len(self.y_val)} validation; "
            f"noise {self.noise:g}, seed {self.seed})"
        )


def points(name: str, n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """X (n, 2) float64 and labels y (n,) int64 in {0, 1}."""
    if name == "moons":
        from sklearn.datasets import make_moons

        X, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    elif name == "circles":
        from sklearn.datasets import make_circles

        X, y = make_circles(n_samples=n, noise=noise, factor=0.5, random_state=seed)
    elif name == "spiral":
        X, y = _spiral(n, noise, np.random.default_rng(seed))
    elif name == "xor":
        X, y = _xor(n, noise, np.random.default_rng(seed))
    else:
        raise ValueError(f"unknown data set {name!r} (choose from {', '.join(DATASETS)})")
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = np.arange(n) % 2
    r = rng.uniform(0.1, 1.0, size=n)
    theta = 3.0 * np.pi * r + np.pi * y
    X = np.column_stack([r * np.cos(theta), r * np.sin(theta)])
    return X + rng.normal(0.0, noise * 0.5, size=X.shape), y


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return X + rng.normal(0.0, noise, size=X.shape), y


def load(name: str, n: int = 200, noise: float | None = None, seed: int = 0,
         val_fraction: float = 0.3) -> Dataset:
    """``n`` points of data set ``name``, a seeded shuffled split (``val_fraction`` validation)."""
    noise = DEFAULT_NOISE[name] if noise is None and name in DEFAULT_NOISE else noise
    X, y = points(name, n, float(noise or 0.0), seed)
    order = np.random.default_rng(seed).permutation(n)
    n_val = max(1, round(n * val_fraction))
    val, train = order[:n_val], order[n_val:]
    margin = 0.1 * float(np.ptp(X))
    bounds = (
        float(X[:, 0].min() - margin),
        float(X[:, 0].max() + margin),
        float(X[:, 1].min() - margin),
        float(X[:, 1].max() + margin),
    )
    return Dataset(name, float(noise or 0.0), seed, X[train], y[train], X[val], y[val], bounds)
