"""The format tests' fixtures: a hostile result (built in consumers.py), a headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from grader.result import RunResult


@pytest.fixture
def hostile(consumers) -> RunResult:
    """A result with hostile learner text in every field the learner's code can influence."""
    return consumers.hostile_run()


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's headless Chromium; installed with apt-get where this user can, else the test skips."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(
            "Chromium is not installed and cannot be installed here (needs root and apt-get); "
            "install Debian's `chromium` package to run the browser tests"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
    ):
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"`{' '.join(command)}` failed: {done.stderr.strip()[-300:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium, but no `chromium` is on PATH")
    return found
