"""Comparing a learner's value with the expected one, and saying how they differ.

Both values are plain data (see `grader.worker.protocol`): numbers, arrays,
tuples, lists, dicts. `difference` returns None when they agree, else one
sentence for a learner: where they differ, what was expected, what came back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.engine.verdicts import Wrong
from grader.worker.protocol import Unsupported

RTOL = 1e-6
ATOL = 1e-9


def show(value: Any, limit: int = 300) -> str:
    """A short, readable rendering of a value for feedback."""
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=6, threshold=40, edgeitems=3, suppress=False):
            text = f"array({np.array2string(value, separator=', ')}"
            text += f", dtype={value.dtype})" if value.dtype.kind in "iub" else ")"
    elif isinstance(value, float):
        text = f"{value:.8g}"
    elif isinstance(value, tuple):
        text = (
            "(" + ", ".join(show(v, limit) for v in value) + ("," if len(value) == 1 else "") + ")"
        )
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k!r}: {show(v, limit)}" for k, v in value.items()) + "}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_type(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, Unsupported):
        return f"an object of type {value.type_name}"
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, (int, float)):
        return "a number"
    return f"a {type(value).__name__}"


def _as_array(value: Any) -> np.ndarray | None:
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (bool, int, float)):
        return np.asarray(value, dtype=np.float64)
    return None


def difference(
    expected: Any, received: Any, rtol: float = RTOL, atol: float = ATOL, where: str = ""
) -> str | None:
    """None if `received` matches `expected` within tolerance, else why not."""
    label = f"{where}: " if where else ""
    if isinstance(expected, dict):
        if not isinstance(received, dict):
            return f"{label}expected a dict, received {describe_type(received)}"
        missing = [k for k in expected if k not in received]
        if missing:
            return f"{label}the result has no key {missing[0]!r}"
        for key in expected:
            found = difference(expected[key], received[key], rtol, atol, f"{where}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(received, (tuple, list)):
            return f"{label}expected a tuple of {len(expected)}, received {describe_type(received)}"
        if len(received) != len(expected):
            return f"{label}expected {len(expected)} values, received {len(received)}"
        for i, (e, r) in enumerate(zip(expected, received, strict=True)):
            found = difference(e, r, rtol, atol, f"{where}[{i}]")
            if found:
                return found
        return None
    want, got = _as_array(expected), _as_array(received)
    if want is None:
        return (
            None
            if expected == received
            else f"{label}expected {show(expected)}, received {show(received)}"
        )
    if got is None:
        return f"{label}expected {describe_type(expected)}, received {describe_type(received)}"
    if isinstance(expected, np.ndarray) and got.shape != want.shape:
        return f"{label}expected shape {want.shape}, received shape {got.shape}"
    if want.ndim == 0 and got.size != 1:
        return f"{label}expected a number, received an array of shape {got.shape}"
    if got.dtype.kind == "c":
        return f"{label}received complex numbers"
    got = got.astype(np.float64)
    want = want.astype(np.float64)
    bad_nan = np.isnan(got) & ~np.isnan(want)
    if bad_nan.any():
        index = _index(np.argwhere(bad_nan)[0])
        return f"{label}received nan{index} where {show(float(want[tuple(np.argwhere(bad_nan)[0])]))} was expected"
    close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    first = tuple(np.argwhere(~close)[0])
    if want.ndim == 0:
        return f"{label}expected {show(float(want))}, received {show(float(got))}"
    gap = np.abs(np.nan_to_num(got - want, nan=np.inf))
    return (
        f"{label}{int((~close).sum())} of {want.size} values differ; "
        f"first{_index(first)}: expected {show(float(want[first]))}, received {show(float(got[first]))} "
        f"(largest difference {show(float(np.max(gap)))})"
    )


def _index(index: tuple[int, ...] | np.ndarray) -> str:
    return f" at index {tuple(int(i) for i in index)}" if len(index) else ""


def agrees(a: Any, b: Any, rtol: float = RTOL, atol: float = ATOL) -> bool:
    return difference(a, b, rtol, atol) is None


def agree(
    expected: Any, received: Any, rtol: float = RTOL, atol: float = ATOL, where: str = ""
) -> None:
    """Raise `Wrong` saying how `received` differs from `expected` (the rows' default judge)."""
    found = difference(expected, received, rtol, atol, where)
    if found:
        raise Wrong(found)
