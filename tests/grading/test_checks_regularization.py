"""Specific promises of the regularization checks: statistics feedback, scripted early stopping."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "regularization.py"
SCENARIOS = ROOT / "grader" / "exercises" / "regularization" / "scenarios.py"


def test_the_scenarios_the_worker_imports_use_numpy_only() -> None:
    lines = SCENARIOS.read_text("utf-8").splitlines()
    imports = [line for line in lines if line.startswith(("import ", "from "))]
    assert imports == [
        "from __future__ import annotations",
        "from typing import Any",
        "import numpy as np",
    ]


def test_keep_probability_confusion_is_explained_by_the_statistics(
    grade_edited, by_id, check_of
) -> None:
    result = grade_edited(
        "regularization",
        "    mask = rng.random(x.shape) >= p\n    if p == 1.0:",
        "    mask = rng.random(x.shape) < 1.0 - p\n    if p == 1.0:",
    )
    check = check_of(result, "dropout-keeps-mean-drops-fraction-p")
    assert check.passed  # same statistics, ...
    assert not check_of(
        result, "dropout-matches-reference"
    ).passed  # ... but not the mask asked for


def test_early_stopping_one_call_early_is_caught_on_the_scripted_sequences(
    grade_edited, by_id, check_of
) -> None:
    result = grade_edited(
        "regularization",
        "        return self.bad_calls >= self.patience",
        "        return self.bad_calls >= self.patience - 1 and self.bad_calls > 0",
    )
    check = check_of(result, "early-stopping-scripted")
    assert not check.passed
    assert "one call early" in check.message
    assert "early-stopping-off-by-one" in result.misconceptions  # the family: early or late


def test_hidden_early_stopping_feedback_does_not_show_the_losses(
    grade_edited, by_id, check_of
) -> None:
    result = grade_edited(
        "regularization",
        "        return self.bad_calls >= self.patience",
        "        return self.bad_calls > self.patience",
    )
    check = check_of(result, "early-stopping-hidden")
    assert not check.passed
    assert "loss" not in check.message.split("Likely cause")[0].replace("loss sequences", "")
    assert check.counterexample is None


def test_batchnorm_eval_with_batch_statistics_fails_row_independence(
    grade_edited, by_id, check_of
) -> None:
    result = grade_edited(
        "regularization",
        "    if training:\n        n = x.shape[0]",
        "    if True:\n        n = x.shape[0]",
    )
    assert not check_of(result, "batchnorm-eval-rows-independent").passed
