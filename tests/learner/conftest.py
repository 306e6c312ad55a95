"""Helpers for the learner's-loop tests: run `neurograde` for real, in a subprocess or a pty."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from ..conftest import run_grader

ROOT = Path(__file__).resolve().parents[2]
WIDTH = 100


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NEUROGRADE_WORKSPACE", "NO_COLOR")}
    env.update({"NO_COLOR": "1", "COLUMNS": str(WIDTH), **extra})
    return env


def neurograde(*args: str, cwd: Path = ROOT, **extra: str) -> subprocess.CompletedProcess:
    return run_grader(*args, cwd=cwd, env=environment(**extra))


def default_signals() -> None:
    """In the child: SIGINT does what it does in a terminal, whatever the test runner inherited."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(*args: str, cwd: Path = ROOT, **extra: str) -> pexpect.spawn:
    """`neurograde ARGS` on a real pseudo-terminal, with generous time-outs."""
    return pexpect.spawn(
        sys.executable,
        ["-m", "grader", *args],
        cwd=str(cwd),
        env=environment(**extra),
        encoding="utf-8",
        timeout=120,
        dimensions=(40, WIDTH),
        preexec_fn=default_signals,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A fresh workspace made by `neurograde init`."""
    target = tmp_path / "work"
    done = neurograde("init", str(target))
    assert done.returncode == 0, done.stderr
    return target


def solution(name: str) -> str:
    return (ROOT / "solutions" / f"{name}.py").read_text("utf-8")


@pytest.fixture(name="neurograde")
def neurograde_fixture():
    """Run `neurograde ARGS` in a subprocess (NO_COLOR, COLUMNS=100)."""
    return neurograde


@pytest.fixture(name="spawn")
def spawn_fixture():
    """Start `neurograde ARGS` on a pseudo-terminal; closed at the end of the test."""
    children: list[pexpect.spawn] = []

    def start(*args: str, **kwargs: object) -> pexpect.spawn:
        children.append(spawn(*args, **kwargs))
        return children[-1]

    yield start
    for child in children:
        if child.isalive():
            child.terminate(force=True)


@pytest.fixture(name="solution")
def solution_fixture():
    """The text of solutions/NAME.py."""
    return solution


@pytest.fixture(name="invoke")
def invoke_fixture(monkeypatch: pytest.MonkeyPatch):
    """Run `neurograde ARGS` in this process (click's test runner), in folder `cwd`."""
    from click.testing import CliRunner

    from grader.cli import main

    def run(*args: str, cwd: Path = ROOT, **extra: str):
        monkeypatch.chdir(cwd)
        env = {"NEUROGRADE_WORKSPACE": None, "COLUMNS": str(WIDTH), "NO_COLOR": "1", **extra}
        return CliRunner(env=env).invoke(main, list(args), prog_name="neurograde")

    return run
