"""Courses of real submissions for the gradebook tests, and the CLI run as instructors run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from ..conftest import run_grader

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def solution(name: str) -> str:
    return (ROOT / "solutions" / f"{name}.py").read_text("utf-8")


def stub(name: str) -> str:
    return (ROOT / "exercises" / f"{name}.py").read_text("utf-8")


def write_course(root: Path, learners: dict[str, dict[str, str]]) -> Path:
    """One folder per learner holding {exercise: source}."""
    for learner, files in learners.items():
        (root / learner).mkdir(parents=True)
        for exercise, source in files.items():
            (root / learner / f"{exercise}.py").write_text(source, "utf-8")
    return root


def run_neurograde(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """`neurograde ARGS` in `cwd`, with the project's environment (and `env` added)."""
    inherited = {k: v for k, v in os.environ.items() if k != "NEUROGRADE_SECRET"}
    full = {**inherited, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    return run_grader(*args, cwd=cwd, env=full, timeout=timeout)


def without_timings(value: object) -> object:
    """A gradebook with its timings removed (everything else is reproducible)."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k != "duration_s"}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


@pytest.fixture(scope="session")
def gb() -> SimpleNamespace:
    """The helpers above, for the tests of this folder."""
    return SimpleNamespace(
        solution=solution,
        stub=stub,
        write_course=write_course,
        neurograde=run_neurograde,
        without_timings=without_timings,
        root=ROOT,
    )
