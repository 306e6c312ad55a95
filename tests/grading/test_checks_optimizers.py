"""Specific promises of the optimizers checks: plotted series, in-place and per-key diagnoses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from grader.checks.base import mutant_source
from grader.checks.optimizers import MUTANTS
from grader.runner import Options, grade

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "optimizers.py"
TRAJECTORIES = [
    "sgd-momentum-matches-torch-semantics",
    "rmsprop-matches-torch-semantics",
    "adagrad-matches-torch-semantics",
    "adam-matches-torch-semantics",
]


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
    mutant = next(m for m in MUTANTS if m.misconception == "adam-no-bias-correction")
    path = tmp_path / "optimizers.py"
    path.write_text(mutant_source(SOLUTION.read_text("utf-8"), mutant), "utf-8")
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
        "            self.t[key] += 1\n            t = sum(self.t.values())",
    )
    checks = by_id(result)
    assert not checks["adam-keeps-per-key-state"]["passed"]
    assert "stepped alone" in checks["adam-keeps-per-key-state"]["message"]
    assert checks["sgd-keeps-per-key-state"]["passed"]


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


def test_grading_imports_neither_torch_nor_hypothesis_in_the_scenarios() -> None:
    code = (
        "import sys; from pathlib import Path; from grader.runner import Options, grade; "
        "import grader.scenarios.optimizers, "
        "grader.scenarios.regularization; "
        "r = grade('optimizers', Path('solutions/optimizers.py'), Options()); "
        "assert r.score == r.max_score; assert 'torch' not in sys.modules, 'torch'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    scenarios = ROOT / "grader" / "scenarios"
    allowed = (
        "from __future__ import annotations",
        "from collections.abc import Callable",
        "from typing import Any",
        "import numpy as np",
        "from grader.scenarios import batched",
    )
    for name in ("__init__", "optimizers", "regularization"):
        text = (scenarios / f"{name}.py").read_text("utf-8")
        imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
        assert all(line in allowed for line in imports), imports
