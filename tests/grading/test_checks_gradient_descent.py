"""Specific promises of the gradient_descent checks: the plotted loss history, shuffling feedback."""

from __future__ import annotations

from pathlib import Path

from grader.runner import Options, grade

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "gradient_descent.py"


def test_solution_json_has_the_loss_history_series(by_id) -> None:
    check = by_id(grade("gradient_descent", SOLUTION, Options()))["fit-loss-history"]
    assert check["passed"]
    (series,) = check["series"]
    assert len(series["learner"]) == 12  # one loss per epoch
    assert series["learner"] == series["reference"]
    assert series["learner"][-1] < series["learner"][0]


def test_a_fit_that_never_shuffles_is_plotted_and_explained(grade_edited, by_id) -> None:
    result = grade_edited(
        "gradient_descent",
        "        for batch in minibatches(n, batch_size or n, rng):",
        "        for batch in minibatches(n, batch_size or n):",
    )
    checks = by_id(result)
    check = checks["fit-loss-history"]
    assert not check["passed"]
    assert check["message"].startswith("history[0], the full-data MSE after epoch 1")
    (series,) = check["series"]
    assert len(series["learner"]) == 12 and series["learner"] != series["reference"]
    assert checks["minibatches-reshuffles-each-epoch"]["passed"]


def test_a_dropped_last_batch_is_named(grade_edited, by_id) -> None:
    result = grade_edited(
        "gradient_descent",
        "    for start in range(0, n_samples, batch_size):\n        batches.append(",
        "    for start in range(0, n_samples - batch_size + 1, batch_size):\n        batches.append(",
    )
    check = by_id(result)["minibatches-partition"]
    assert not check["passed"]
    assert "last, shorter batch is missing" in check["message"]


def test_a_permutation_drawn_once_for_all_epochs_is_caught(grade_edited, by_id) -> None:
    result = grade_edited(
        "gradient_descent",
        "    order = rng.permutation(n_samples) if rng is not None else np.arange(n_samples)",
        "    global ORDER\n"
        "    if rng is not None and len(globals().get('ORDER', [])) != n_samples:\n"
        "        ORDER = rng.permutation(n_samples)\n"
        "    order = ORDER if rng is not None else np.arange(n_samples)",
    )
    check = by_id(result)["minibatches-reshuffles-each-epoch"]
    assert not check["passed"]
    assert "same order in two consecutive epochs" in check["message"]


def test_the_worker_scenarios_import_numpy_only() -> None:
    """The worker imports scenarios.py: a numpy exercise brings in neither torch nor the grader."""
    text = (ROOT / "grader" / "exercises" / "gradient_descent" / "scenarios.py").read_text("utf-8")
    imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
    allowed = {
        "from __future__ import annotations",
        "from typing import Any",
        "import numpy as np",
        "from grader.engine.scenarios import batched",
    }
    assert imports and set(imports) <= allowed, imports
