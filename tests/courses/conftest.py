"""Courses: the example course, scratch courses, and a clean catalog around each test."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader import catalog

from ..conftest import run_grader

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
    return run_grader(*args, env={**environment, **env})
