"""`neurograde assign`: stubs, validation, release and the Gradescope bundle."""

from __future__ import annotations

from pathlib import Path

from .conftest import run_grader as neurograde

ROOT = Path(__file__).resolve().parents[1]


def test_validate_reports_every_finding() -> None:
    done = neurograde("assign", "validate", "activations")
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    assert any("solution (28/28)" in line for line in lines)
    assert sum("mutant" in line for line in lines) >= 6
    assert neurograde("assign", "validate", "nonsense").returncode == 2


def test_stubs_check_passes_on_a_synced_tree() -> None:
    assert neurograde("assign", "stubs", "--check").returncode == 0


def test_release_has_the_stubs_and_no_solutions(tmp_path: Path) -> None:
    assert neurograde("assign", "release", str(tmp_path / "rel")).returncode == 0
    files = sorted(p.name for p in (tmp_path / "rel").iterdir())
    assert "README.md" in files and "activations.py" in files
    assert "BEGIN SOLUTION" not in (tmp_path / "rel" / "activations.py").read_text()


def test_bundle_refuses_an_unknown_exercise(tmp_path: Path) -> None:
    """What the bundle holds is proven by tests/test_gradescope_e2e.py, which runs it."""
    done = neurograde("assign", "bundle", str(tmp_path / "a.zip"), "--exercise", "nonsense")
    assert done.returncode == 2 and not (tmp_path / "a.zip").exists()
