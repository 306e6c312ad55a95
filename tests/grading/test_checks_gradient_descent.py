"""Specific promises of the gradient_descent checks: the plotted loss history, shuffling feedback."""

from __future__ import annotations

import json
from pathlib import Path

from grader.result import ExerciseResult
from grader.runner import Options, grade

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "gradient_descent.py"


def _checks(result: ExerciseResult) -> dict[str, dict]:
    data = json.loads(json.dumps(result.to_json()))
    return {c["id"]: c for c in data["checks"]}


def _grade_edited(tmp_path: Path, old: str, new: str) -> ExerciseResult:
    source = SOLUTION.read_text("utf-8")
    assert old in source
    path = tmp_path / "gradient_descent.py"
    path.write_text(source.replace(old, new), "utf-8")
    return grade("gradient_descent", path, Options())


def test_solution_json_has_the_loss_history_series() -> None:
    check = _checks(grade("gradient_descent", SOLUTION, Options()))["fit-loss-history"]
    assert check["passed"]
    (series,) = check["series"]
    assert len(series["learner"]) == 12  # one loss per epoch
    assert series["learner"] == series["reference"]
    assert series["learner"][-1] < series["learner"][0]


def test_a_fit_that_never_shuffles_is_plotted_and_explained(tmp_path: Path) -> None:
    result = _grade_edited(
        tmp_path,
        "        for batch in minibatches(n, batch_size or n, rng):",
        "        for batch in minibatches(n, batch_size or n):",
    )
    checks = _checks(result)
    check = checks["fit-loss-history"]
    assert not check["passed"]
    assert check["message"].startswith("history[0], the full-data MSE after epoch 1")
    (series,) = check["series"]
    assert len(series["learner"]) == 12 and series["learner"] != series["reference"]
    assert checks["minibatches-reshuffles-each-epoch"]["passed"]


def test_a_dropped_last_batch_is_named(tmp_path: Path) -> None:
    result = _grade_edited(
        tmp_path,
        "    for start in range(0, n_samples, batch_size):\n        batches.append(",
        "    for start in range(0, n_samples - batch_size + 1, batch_size):\n        batches.append(",
    )
    check = _checks(result)["minibatches-partition"]
    assert not check["passed"]
    assert "last, shorter batch is missing" in check["message"]


def test_a_permutation_drawn_once_for_all_epochs_is_caught(tmp_path: Path) -> None:
    result = _grade_edited(
        tmp_path,
        "    order = rng.permutation(n_samples) if rng is not None else np.arange(n_samples)",
        "    global ORDER\n"
        "    if rng is not None and len(globals().get('ORDER', [])) != n_samples:\n"
        "        ORDER = rng.permutation(n_samples)\n"
        "    order = ORDER if rng is not None else np.arange(n_samples)",
    )
    check = _checks(result)["minibatches-reshuffles-each-epoch"]
    assert not check["passed"]
    assert "same order in two consecutive epochs" in check["message"]
