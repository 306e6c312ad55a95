"""The promise every exercise keeps: solutions full marks, stubs zero, every mutant caught and named.

Each case grades a real file through the real worker, exactly as
`neurograde grade` does, and its grade (every check's verdict, the score, the
named misconceptions) must be the one recorded in `golden/NAME.json`: grades
are reproducible, and a refactoring of the engine or of a declaration changes
none. `NEUROGRADE_UPDATE_GOLDEN=1` records them anew (review the diff).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from grader import catalog
from grader.result import ExerciseResult, RunResult
from grader.runner import Options, grade
from grader.validate import grade_mutant

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
NAMES = catalog.available()


MUTANTS = [(name, m.id, m) for name in NAMES for m in catalog.load(name).mutants]


def same_as_recorded(name: str, subject: str, result: ExerciseResult) -> None:
    """`result` is the grade recorded for `subject` of `name` (or is recorded, when asked)."""
    grade_ = {
        "score": result.score,
        "max": result.max_score,
        "checks": {c.id: c.passed for c in result.checks},
        "misconceptions": sorted(result.misconceptions),
    }
    path = GOLDEN / f"{name}.json"
    recorded = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    if os.environ.get("NEUROGRADE_UPDATE_GOLDEN") == "1":
        recorded[subject] = grade_
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", "utf-8")
    assert subject in recorded, (
        f"no grade recorded for {name} {subject}: NEUROGRADE_UPDATE_GOLDEN=1"
    )
    assert grade_ == recorded[subject]


@pytest.mark.parametrize("name", NAMES)
def test_solution_scores_full_marks(name: str) -> None:
    result = grade(name, catalog.solution_file(name), Options())
    assert result.score == result.max_score > 0, [c.id for c in result.checks if not c.passed]
    assert result.misconceptions == []
    same_as_recorded(name, "solution", result)


@pytest.mark.parametrize("name", NAMES)
def test_stub_scores_zero(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.py"
    path.write_text(catalog.stub_text(name), "utf-8")
    result = grade(name, path, Options())
    assert result.score == 0.0
    same_as_recorded(name, "stub", result)


@pytest.mark.parametrize(
    ("name", "mutant_id", "mutant"), MUTANTS, ids=[f"{n}:{i}" for n, i, _ in MUTANTS]
)
def test_mutant_loses_points_and_is_named(
    name: str, mutant_id: str, mutant, tmp_path: Path, every_format
) -> None:
    result = grade_mutant(name, mutant, tmp_path)
    assert result.score < result.max_score, "no scored check caught this mutant"
    assert mutant.misconception in result.misconceptions
    named = [c for c in result.checks if c.misconception == mutant.misconception]
    assert named and all(not c.passed for c in named)
    every_format(RunResult([result]))  # and its report is valid in every format
    same_as_recorded(name, f"mutant {mutant_id}", result)


@pytest.mark.parametrize("name", NAMES)
def test_every_catalog_misconception_has_a_mutant(name: str) -> None:
    wanted = {mid for mid, exercises in _catalog_ids().items() if name in exercises}
    covered = {m.misconception for m in catalog.load(name).mutants}
    assert sorted(wanted - covered) == []


def _catalog_ids() -> dict[str, set[str]]:
    """id -> exercises, read from the misconception catalog in shared/spec."""
    spec = ROOT.parent / "shared" / "spec" / "misconceptions.md"
    if not spec.exists():
        pytest.skip("shared/spec is not beside this checkout")
    rows = {}
    for line in spec.read_text("utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] and cells[0] not in ("id", "---"):
            rows[cells[0]] = {e.strip() for e in cells[1].split(",")}
    return rows
