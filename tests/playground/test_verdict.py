"""The verdict rules, the noise measure and the departure test on curves made to order."""

from __future__ import annotations

import numpy as np
import pytest

from grader.playground.terminal import BARS, sparkline
from grader.playground.verdict import departure, judge, roughness


def smooth(start: float, end: float, epochs: int, rate: float) -> np.ndarray:
    t = np.arange(epochs + 1)
    return end + (start - end) * np.exp(-rate * t)


def test_non_finite_loss_is_divergence_at_that_epoch():
    loss = np.array([1.0, 3.0, 50.0, np.inf])
    verdict = judge(loss)
    assert verdict.kind == "diverged" and verdict.epoch == 3


def test_a_loss_that_blows_up_and_stays_up_diverged():
    loss = np.concatenate([[1.0, 2.0, 15.0], np.full(20, 30.0)])
    verdict = judge(loss)
    assert verdict.kind == "diverged" and verdict.epoch == 2
    assert "never came back" in verdict.text


def test_jumps_in_the_second_half_are_oscillation():
    loss = np.array([1.0] + [0.5, 2.0] * 20)
    verdict = judge(loss)
    assert verdict.kind == "oscillating" and "jumped up" in verdict.text


def test_a_barely_moving_loss_stalled_with_its_fall_in_words():
    verdict = judge(np.linspace(1.0, 0.98, 301))
    assert verdict.kind == "stalled"
    assert verdict.text == "stalled: loss fell 2% in 300 epochs"


def test_a_rising_loss_without_blow_up_is_stalled_and_says_it_rose():
    verdict = judge(np.linspace(1.0, 1.2, 51))
    assert verdict.kind == "stalled" and "rose 20%" in verdict.text


def test_still_falling_when_the_last_fifth_still_moves():
    verdict = judge(np.linspace(1.0, 0.3, 101))
    assert verdict.kind == "still-falling" and "70%" in verdict.text


def test_converged_names_the_epoch_it_settled():
    loss = smooth(1.0, 0.1, 200, 0.1)  # within 5 % of its fall from about epoch 30
    verdict = judge(loss)
    assert verdict.kind == "converged"
    assert 25 <= verdict.epoch <= 35
    assert verdict.text.startswith(f"converged in {verdict.epoch} epochs")


def test_overfitting_is_noted_when_validation_loss_rises():
    train = smooth(1.0, 0.01, 200, 0.1)
    val = np.concatenate([smooth(1.0, 0.3, 50, 0.1), np.linspace(0.3, 0.6, 151)[1:]])
    assert "overfitting" in judge(train, val).text
    assert "overfitting" not in judge(train, train).text


def test_roughness_is_mean_jump_over_mean():
    assert roughness(np.array([1.0, 3.0, 1.0, 3.0])) == pytest.approx(2.0 / 2.0)
    assert roughness(np.linspace(1, 0.5, 11)) == pytest.approx(0.05 / 0.75)
    assert roughness(np.array([1.0, np.nan, 1.0])) == 0.0


def test_departure_finds_the_first_epoch_off_the_reference():
    ref = smooth(1.0, 0.1, 50, 0.1)
    assert departure(ref.copy(), ref).epoch is None
    assert departure(ref * (1 + 1e-9), ref).epoch is None
    off = ref.copy()
    off[7:] *= 1.01
    found = departure(off, ref)
    assert found.epoch == 7 and "epoch 7" in found.text
    assert departure(ref[:30], ref).epoch == 30, "a run that stopped early departs where it stopped"
    both = np.array([1.0, np.nan])
    assert departure(both, both.copy()).epoch is None


def test_sparkline_shares_the_scale_and_marks_non_finite():
    assert sparkline(np.array([1.0, 1.0]), 4, 0.0, 1.0) == BARS[0] * 2 + "  "
    assert sparkline(np.array([10.0]), 1, 0.0, 1.0) == BARS[-1]
    assert sparkline(np.array([1.0, np.nan]), 2, 0.0, 1.0) == BARS[0] + "×"
    assert len(sparkline(np.arange(1.0, 1000.0), 20, 0.0, 3.0)) == 20
