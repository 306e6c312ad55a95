"""Fixtures of the playground's tests: preset sessions, learner workspaces."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def setup_for(preset: str, **options: object):
    """The Setup `neurograde playground --preset PRESET [options]` builds."""
    from grader.playground.cli import build_setup

    base = dict.fromkeys(
        ("dataset", "samples", "noise", "lr", "depth", "width", "batch_size", "optimizer",
         "activation", "epochs", "l2", "dropout", "workspace", "output")
    )
    base.update(preset=preset, seed=0, fmt="text")
    base.update(options)
    return build_setup(base)


@pytest.fixture(scope="session")
def make_setup() -> Callable[..., object]:
    """`make_setup(preset, **options)`: the Setup the command line would build."""
    return setup_for


@pytest.fixture(scope="session")
def preset_session() -> Callable[[str], object]:
    """`preset_session(name)`: the played session of a preset, computed once per test run."""
    from grader.playground.sweep import play

    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = play(setup_for(name))
        return cache[name]

    return get


@pytest.fixture
def finished_workspace(tmp_path: Path) -> Path:
    """A workspace holding every solution, with activations, losses, optimizers recorded as passed.

    (tests/playground/test_workspace.py grades them for real in a slow test.)
    """
    from grader.workspace import Workspace

    ws = tmp_path / "ws"
    ws.mkdir()
    for source in (ROOT / "solutions").glob("*.py"):
        shutil.copy(source, ws / source.name)
    for name in ("activations", "losses", "optimizers"):
        Workspace(ws).record(name, "exercise", 1.0, 1.0)  # full marks
    return ws
