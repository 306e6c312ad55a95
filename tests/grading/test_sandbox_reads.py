"""Learner code reads only what it must: its own file, Python and its libraries, the system's.

In a batch, a submission that knows where its neighbour's file is (the path
is written into it) tries to read and exec it, during `neurograde autograde`
and `grade --all`: it gets a PermissionError, and scores what its own code
deserves, while the neighbour scores full. Where the kernel has no Landlock,
the report says the reads were not confined.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from grader.catalog import allowed_imports
from grader.runner import UNCONFINED_READS
from grader.worker import Worker, confine

from ..conftest import run_grader

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "activations.py").read_text("utf-8")
OWN_CODE = "import numpy as np\n\n\ndef relu(z):\n    return np.maximum(z, 0.0)\n"


LANDLOCK = confine.landlock_abi() >= 1


def neurograde(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = run_grader(*args, cwd=cwd)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def steal(neighbour: Path, caught: bool) -> str:
    """A file that reads its neighbour's file and execs it (optionally catching the refusal)."""
    attack = f"exec(open({str(neighbour)!r}).read())\n"
    if caught:
        attack = f"try:\n    {attack}except PermissionError:\n    STOLEN = False\n"
    return attack


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """alice: a correct file; mallory: only the theft; eve: the theft caught, and her own relu;
    honest: eve's own relu alone."""
    subs = tmp_path / "subs"
    alice = subs / "alice" / "activations.py"
    alice.parent.mkdir(parents=True)
    alice.write_text(SOLUTION, "utf-8")
    files = {
        "mallory": steal(alice, caught=False),
        "eve": steal(alice, caught=True) + OWN_CODE,
        "honest": OWN_CODE,
    }
    for name, source in files.items():
        (subs / name).mkdir()
        (subs / name / "activations.py").write_text(source, "utf-8")
    return subs


def _imports_cleanly(result: dict) -> dict:
    return next(c for c in result["checks"] if c["id"] == "imports-cleanly")


@pytest.mark.skipif(not LANDLOCK, reason="needs Landlock (Linux 5.13+) to confine reads")
def test_autograde_a_theft_of_the_neighbours_file_gets_nothing(course: Path) -> None:
    done = neurograde(
        "autograde", str(course), "--exercise", "activations", "--format", "json", cwd=course
    )
    book = json.loads(done.stdout)
    scores = {name: run["score"] for name, run in book["submissions"].items()}
    results = {name: run["exercises"][0] for name, run in book["results"].items()}
    full = results["alice"]["max_score"]
    assert scores["alice"] == full, "the neighbour scores full"
    assert scores["mallory"] == 0
    assert "PermissionError" in _imports_cleanly(results["mallory"])["message"]
    assert 0 < scores["eve"] == scores["honest"] < full, "eve scores her own relu, no more"
    assert all(not r["errors"] for r in results.values())


@pytest.mark.skipif(not LANDLOCK, reason="needs Landlock (Linux 5.13+) to confine reads")
def test_grade_all_a_theft_of_the_neighbours_file_gets_nothing(course: Path) -> None:
    done = neurograde(
        "grade", "--all", "--workspace", str(course / "mallory"), "--format", "json", cwd=course
    )
    assert done.returncode == 1
    run = {e["exercise"]: e for e in json.loads(done.stdout)["exercises"]}
    assert run["activations"]["score"] == 0
    assert "PermissionError" in _imports_cleanly(run["activations"])["message"]
    eve = neurograde(
        "grade", "activations", "--workspace", str(course / "eve"), "--format", "json", cwd=course
    )
    honest = neurograde(
        "grade", "activations", "--workspace", str(course / "honest"), "--format", "json", cwd=course
    )
    assert json.loads(eve.stdout)["score"] == json.loads(honest.stdout)["score"] > 0


def test_the_learner_file_is_a_private_copy(tmp_path: Path) -> None:
    """`__file__` shows the worker's own folder, never where the submissions are."""
    source = SOLUTION + "\n\ndef where(z):\n    return __file__\n"
    (tmp_path / "activations.py").write_text(source, "utf-8")
    with Worker(
        tmp_path / "activations.py", "learner_activations", allowed_imports("activations")
    ) as worker:
        seen = worker.call("where", np.zeros(1))
        assert str(tmp_path) not in seen and "neurograde-worker-" in seen
        assert Path(seen).name == "activations.py"
        assert worker.confined_reads == LANDLOCK
        if not LANDLOCK:
            assert "no landlock" in worker.sandbox


def test_unconfined_reads_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the kernel has no Landlock, the report says so (simulated: the worker reports it)."""
    from grader.runner import Options, grade

    (tmp_path / "activations.py").write_text(SOLUTION, "utf-8")
    if LANDLOCK:
        assert not grade("activations", tmp_path / "activations.py", Options()).errors
    monkeypatch.setattr(Worker, "_await_ready", _without_landlock(Worker._await_ready))
    result = grade("activations", tmp_path / "activations.py", Options())
    assert result.errors == [UNCONFINED_READS] and result.score == result.max_score


def _without_landlock(await_ready):  # type: ignore[no-untyped-def]
    def wrapped(self: Worker, *args: object) -> None:
        await_ready(self, *args)
        self.confined_reads = False

    return wrapped
