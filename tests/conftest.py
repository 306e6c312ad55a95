"""Shared test set-up: hypothesis profiles and helpers to grade files for real."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("quick", max_examples=20, deadline=None, database=None)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def grade_edited(tmp_path: Path):
    """Grade the solution of an exercise with one piece of text replaced (a hand-made mistake)."""
    from grader.runner import Options, grade

    def run(name: str, old: str, new: str):
        source = (ROOT / "solutions" / f"{name}.py").read_text("utf-8")
        assert old in source, f"{old!r} is not in solutions/{name}.py"
        path = tmp_path / f"{name}.py"
        path.write_text(source.replace(old, new), "utf-8")
        return grade(name, path, Options())

    return run


def checks_by_id(result) -> dict[str, dict]:
    """A result's checks as JSON dicts, by id."""
    return {c["id"]: c for c in result.to_json()["checks"]}


@pytest.fixture
def by_id():
    return checks_by_id


@pytest.fixture
def check_of():
    """The CheckResult with this id in a result."""
    return lambda result, check_id: next(c for c in result.checks if c.id == check_id)
