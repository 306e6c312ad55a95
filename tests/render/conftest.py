"""The format tests' fixtures: a hostile result (built in consumers.py)."""

from __future__ import annotations

import pytest

from grader.result import RunResult


@pytest.fixture
def hostile(consumers) -> RunResult:
    """A result with hostile learner text in every field the learner's code can influence."""
    return consumers.hostile_run()
