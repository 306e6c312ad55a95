"""Fixtures of the playground's tests: preset sessions, learner workspaces, headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


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


def _find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _install_chromium() -> str:
    """Install Debian's chromium with apt-get; '' on success, else why not."""
    if os.geteuid() != 0:
        return "chromium is not installed and installing it needs root"
    if not shutil.which("apt-get"):
        return "chromium is not installed and there is no apt-get to install it"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300", "chromium"],
    ):
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"{' '.join(command[:2])} failed: {error}"
        if done.returncode != 0:
            return f"{' '.join(command[:2])} failed: {done.stderr.strip()[-300:]}"
    return ""


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of a headless-capable Chromium, installed with apt-get where possible; else skip."""
    found = _find_chromium()
    if found is None:
        why = _install_chromium()
        found = _find_chromium()
        if found is None:
            pytest.skip(why or "chromium could not be installed")
    return found


@pytest.fixture
def run_chromium(chromium: str, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """`run_chromium(page, *flags)`: headless Chromium on a file with a fresh profile."""

    def run(page: Path, *flags: str) -> subprocess.CompletedProcess:
        profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
        return subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *flags, page.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run
