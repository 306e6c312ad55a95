"""Specific promises of the optimizers checks: plotted series, in-place and per-key diagnoses,
and mistakes named by their family's signature even when no mutant makes them exactly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from grader import catalog
from grader.runner import Options, grade

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "optimizers.py"
TRAJECTORIES = [
    "sgd-momentum-matches-torch-semantics",
    "rmsprop-matches-torch-semantics",
    "adagrad-matches-torch-semantics",
    "adam-matches-torch-semantics",
]


def grade_with_edits(tmp_path: Path, *edits: tuple[str, str]):
    """Grade the solution with each `find` (exactly once in the file) replaced."""
    text = SOLUTION.read_text("utf-8")
    for find, replace in edits:
        assert text.count(find) == 1, find
        text = text.replace(find, replace)
    path = tmp_path / "optimizers.py"
    path.write_text(text, "utf-8")
    return grade("optimizers", path, Options())


def named(result, misconception: str) -> set[str]:
    """The ids of the failed checks the grade names with `misconception`."""
    return {c.id for c in result.checks if c.misconception == misconception and not c.passed}


def test_solution_json_has_equal_series_for_every_trajectory(by_id) -> None:
    checks = by_id(grade("optimizers", SOLUTION, Options()))
    for check_id in TRAJECTORIES:
        (series,) = checks[check_id]["series"]
        assert series["label"]
        assert len(series["learner"]) == 26  # the start and 25 steps
        assert series["learner"] == series["reference"]
        assert series["learner"][-1] < series["learner"][0]
    assert "series" not in checks["step_lr-matches-reference"]


def test_a_wrong_adam_shows_its_own_trajectory(tmp_path: Path, by_id) -> None:
    mutant = next(
        m for m in catalog.load("optimizers").mutants if m.id == "adam-no-bias-correction#1"
    )
    path = tmp_path / "optimizers.py"
    path.write_text(mutant.text(), "utf-8")
    check = by_id(grade("optimizers", path, Options()))["adam-matches-torch-semantics"]
    assert not check["passed"]
    (series,) = check["series"]
    assert len(series["learner"]) == len(series["reference"]) == 26
    assert series["learner"] != series["reference"]
    assert check["misconception"] == "adam-no-bias-correction"
    assert "after step 1 of 25" in check["message"]


def test_a_crashing_optimizer_still_gets_the_reference_series(grade_edited, by_id) -> None:
    result = grade_edited(
        "optimizers", "            p -= self.lr * g / (np.sqrt(G) + self.eps)", "            1 / 0"
    )
    check = by_id(result)["adagrad-matches-torch-semantics"]
    assert not check["passed"] and "ZeroDivisionError" in check["message"]
    (series,) = check["series"]
    assert series["learner"] == [] and len(series["reference"]) == 26


def test_a_global_adam_step_count_fails_the_per_key_property(grade_edited, by_id) -> None:
    result = grade_edited(
        "optimizers",
        "            self.t[key] += 1\n            t = self.t[key]",
        "            self.t[key] += 1\n            t = max(self.t.values())",
    )
    checks = by_id(result)
    assert not checks["adam-keeps-per-key-state"]["passed"]
    assert "stepped alone" in checks["adam-keeps-per-key-state"]["message"]
    assert checks["sgd-keeps-per-key-state"]["passed"]
    assert "optimizer-state-shared" in result.misconceptions


def test_rebinding_params_fails_the_descent_property_with_a_clear_message(
    grade_edited, by_id
) -> None:
    result = grade_edited(
        "optimizers",
        "            p -= self.lr * g / (np.sqrt(s) + self.eps)",
        "            params[key] = p - self.lr * g / (np.sqrt(s) + self.eps)",
    )
    check = by_id(result)["rmsprop-decreases-quadratic"]
    assert not check["passed"]
    assert "in place" in check["message"]
    assert by_id(result)["rmsprop-matches-torch-semantics"]["passed"]


def test_a_bias_correction_no_mutant_makes_is_named_by_its_factor(tmp_path: Path) -> None:
    # m corrected by the square root of its factor: Adam's first step is off by a constant
    # factor, which is the family's signature ("factor"), though no member does exactly this.
    result = grade_with_edits(
        tmp_path,
        (
            "m_hat = self.m[key] / (1.0 - beta1**t)",
            "m_hat = self.m[key] / np.sqrt(1.0 - beta1**t)",
        ),
    )
    assert named(result, "adam-no-bias-correction") == {
        "adam-matches-torch-semantics",
        "adam-trajectory-hidden",
    }


def test_one_mistake_in_three_classes_is_named_in_each(tmp_path: Path) -> None:
    result = grade_with_edits(
        tmp_path,
        ("np.sqrt(s) + self.eps", "np.sqrt(s + self.eps)"),
        ("np.sqrt(G) + self.eps", "np.sqrt(G + self.eps)"),
        ("np.sqrt(v_hat) + self.eps", "np.sqrt(v_hat + self.eps)"),
    )
    assert result.misconceptions == ["eps-inside-sqrt"]
    assert named(result, "eps-inside-sqrt") == {
        f"{slug}-{suffix}"
        for slug in ("rmsprop", "adagrad", "adam")
        for suffix in ("matches-torch-semantics", "trajectory-hidden")
    }


def test_state_keyed_by_shape_is_named_shared_state(tmp_path: Path) -> None:
    # Two keys of the same shape share one running average: no member keys state by shape,
    # but the family's probe asks whether each key follows the path it follows alone.
    result = grade_with_edits(
        tmp_path,
        (
            "s = self.square_avg.get(key, np.zeros_like(p))",
            "s = self.square_avg.get(p.shape, np.zeros_like(p))",
        ),
        ("self.square_avg[key] = s", "self.square_avg[p.shape] = s"),
    )
    assert "optimizer-state-shared" in result.misconceptions
    assert "rmsprop-keeps-per-key-state" in named(result, "optimizer-state-shared")


def test_not_in_place_is_named_whatever_the_values(tmp_path: Path) -> None:
    # A new array, with a wrong step too: the caller's arrays still never move.
    result = grade_with_edits(
        tmp_path,
        ("            p -= self.lr * g\n", "            params[key] = p - 2 * self.lr * g\n"),
    )
    assert "optimizer-not-in-place" in result.misconceptions
    assert "sgd-decreases-quadratic" in named(result, "optimizer-not-in-place")


def test_grading_imports_neither_torch_nor_the_grader_in_the_scenarios() -> None:
    code = (
        "import sys; from pathlib import Path; from grader.runner import Options, grade; "
        "import grader.exercises.optimizers.scenarios; "
        "r = grade('optimizers', Path('solutions/optimizers.py'), Options()); "
        "assert r.score == r.max_score; assert 'torch' not in sys.modules, 'torch'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    allowed = (
        "from __future__ import annotations",
        "from typing import Any",
        "import numpy as np",
        "from grader.engine.scenarios import batched",
    )
    text = (ROOT / "grader" / "exercises" / "optimizers" / "scenarios.py").read_text("utf-8")
    imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
    assert all(line in allowed for line in imports), imports
