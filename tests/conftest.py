"""Shared test set-up: hypothesis profiles and helpers to grade files for real."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
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


def run_grader(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`python -m grader ARGS` for real, in a subprocess, its output captured as text: in `cwd`,
    with exactly the environment `env` (this process's when None)."""
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def _grade_solution(tmp_path: Path, name: str, edit) -> object:
    """Grade solutions/NAME.py after `edit(source)`, written to `tmp_path`."""
    from grader.runner import Options, grade

    path = tmp_path / f"{name}.py"
    path.write_text(edit((ROOT / "solutions" / f"{name}.py").read_text("utf-8")), "utf-8")
    return grade(name, path, Options())


@pytest.fixture
def grade_edited(tmp_path: Path):
    """Grade the solution of an exercise with one piece of text replaced (a hand-made mistake)."""

    def run(name: str, old: str, new: str):
        def edit(source: str) -> str:
            assert old in source, f"{old!r} is not in solutions/{name}.py"
            return source.replace(old, new)

        return _grade_solution(tmp_path, name, edit)

    return run


@pytest.fixture
def grade_with(tmp_path: Path):
    """Grade the solution of an exercise with some definitions redefined at the end of the file."""
    return lambda name, override: _grade_solution(
        tmp_path, name, lambda source: source + "\n\n" + textwrap.dedent(override)
    )


@pytest.fixture
def failures():
    """A result's failed checks: id -> message."""
    return lambda result: {c.id: c.message for c in result.checks if not c.passed}


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


@pytest.fixture(scope="session")
def consumers():
    """tests/render/consumers.py: each output format read by its real consumer (XSD, GFM, ...)."""
    import importlib.util

    path = ROOT / "tests" / "render" / "consumers.py"
    spec = importlib.util.spec_from_file_location("neurograde_test_consumers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def every_format(consumers):
    """Render a RunResult in every format and check each output with its real consumer."""
    return consumers.assert_every_format

# -- headless Chromium, for the tests that open a page as a learner would ------------

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
