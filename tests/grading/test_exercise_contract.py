"""The promise every exercise keeps: solutions full marks, stubs zero, every mutant caught and named.

Each case grades a real file through the real worker, exactly as
`neurograde grade` does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import catalog
from grader.result import RunResult
from grader.validate import check_solution, check_stub, grade_mutant

ROOT = Path(__file__).resolve().parents[2]
NAMES = catalog.available()
MUTANTS = [(name, m) for name in NAMES for m in catalog.load(name).mutants]


@pytest.mark.parametrize("name", NAMES)
def test_solution_scores_full_marks(name: str) -> None:
    finding = check_solution(name)
    assert finding.ok, finding.detail


@pytest.mark.parametrize("name", NAMES)
def test_stub_scores_zero(name: str) -> None:
    finding = check_stub(name)
    assert finding.ok, finding.detail


@pytest.mark.parametrize(
    ("name", "mutant"), MUTANTS, ids=[f"{n}:{m.misconception}" for n, m in MUTANTS]
)
def test_mutant_loses_points_and_is_named(name: str, mutant, tmp_path: Path, every_format) -> None:
    result = grade_mutant(name, mutant, tmp_path)
    assert result.score < result.max_score, "no scored check caught this mutant"
    assert mutant.misconception in result.misconceptions
    named = [c for c in result.checks if c.misconception == mutant.misconception]
    assert named and all(not c.passed for c in named)
    every_format(RunResult([result]))  # and its report is valid in every format


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
