"""Specific verdicts of the `losses` checks: clipping eps, batch duplication, messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.exercises.losses.checks import SATURATED, bce_bounds
from reference.losses import binary_cross_entropy

ROOT = Path(__file__).resolve().parents[2]


BCE = """
def binary_cross_entropy(p, y):
    p = np.clip(p, {eps}, 1 - {eps})
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))
"""


@pytest.mark.parametrize("eps", ["1e-7", "1e-15"])
def test_bce_accepts_any_allowed_eps(eps: str, grade_with, failures) -> None:
    result = grade_with("losses", BCE.format(eps=eps))
    assert failures(result) == {}


def test_bce_eps_too_small_for_one_minus_eps_is_caught(grade_with, failures) -> None:
    result = grade_with("losses", BCE.format(eps="1e-20"))
    failed = failures(result)
    assert set(failed) == {"binary_cross_entropy-saturated"}
    assert "nan" in failed["binary_cross_entropy-saturated"]


def test_bce_eps_too_large_is_caught(grade_with, failures) -> None:
    failed = failures(grade_with("losses", BCE.format(eps="1e-3")))
    assert "binary_cross_entropy-saturated" in failed
    assert "16.1" in failed["binary_cross_entropy-saturated"]


def test_bce_bounds_hold_the_reference() -> None:
    for p, y in SATURATED:
        low, high = bce_bounds(p, y)
        assert low <= binary_cross_entropy(p, y) <= high
        assert np.isfinite(high)


def test_mse_sum_fails_duplication_with_advice(grade_with, failures) -> None:
    result = grade_with(
        "losses",
        """
        def mse(y_pred, y_true):
            return float(np.sum((y_pred - y_true) ** 2))
        """,
    )
    failed = failures(result)
    assert "mse-batch-duplication" in failed
    assert "a sum doubles" in failed["mse-batch-duplication"]
    assert not any(name.startswith("mse_grad") for name in failed)
