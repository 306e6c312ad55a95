"""Small helpers for check bodies and scenarios' results: plain values in, plain values out."""

from __future__ import annotations

from typing import Any

import numpy as np


def stacked_twice(value: Any) -> Any:
    """The batch seen twice: an array argument concatenated with itself along axis 0."""
    if isinstance(value, np.ndarray) and value.ndim >= 1:
        return np.concatenate([value, value], axis=0)
    return value


def finite_floats(values: Any) -> list[float]:
    """A trajectory as plain floats for a plot, cut at its first non-finite value."""
    out: list[float] = []
    try:
        items = [float(v) for v in values]
    except (TypeError, ValueError):
        return out
    for v in items:
        if not np.isfinite(v):
            break
        out.append(v)
    return out


def sklearn_data(filename: str, skiprows: int = 0) -> np.ndarray | None:
    """A data file scikit-learn ships in `sklearn/datasets/data`, parsed as a float array.

    Read from the installed package (never the network) without importing
    scikit-learn, which costs a second or two; None if the file is not there
    (the caller then asks scikit-learn's own loader).
    """
    import gzip
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / filename
    if not path.is_file():
        return None
    opener = gzip.open if filename.endswith(".gz") else open
    with opener(path, "rt") as handle:
        return np.loadtxt(handle, delimiter=",", skiprows=skiprows, ndmin=2)
