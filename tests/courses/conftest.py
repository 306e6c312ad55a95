"""Courses: the example course, scratch courses, and a clean catalog around each test."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader import catalog

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "course"


@pytest.fixture(autouse=True)
def builtin_catalog(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts on the built-in curriculum; the catalog rereads the environment."""
    monkeypatch.delenv("NEUROGRADE_COURSE", raising=False)
    yield
    monkeypatch.delenv("NEUROGRADE_COURSE", raising=False)
    catalog.use(None)


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> catalog.Course:
    """The example course, served as if NEUROGRADE_COURSE named it."""
    monkeypatch.setenv("NEUROGRADE_COURSE", str(EXAMPLE))
    served = catalog.course()
    assert served is not None
    return served


def neurograde(*args: str, **env: str) -> subprocess.CompletedProcess:
    import os

    environment = {k: v for k, v in os.environ.items() if k != "NEUROGRADE_COURSE"}
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**environment, **env},
    )
