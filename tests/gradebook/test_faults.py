"""Faults: a killed run resumes to the same gradebook; hostile submissions and a failing grader
are each recorded and the batch goes on."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grader import catalog
from grader.engine.mutants import apply
from grader.gradebook import books
from grader.gradebook.autograde import autograde
from grader.gradebook.pool import Pool
from grader.gradebook.progress import Progress
from grader.gradebook.shards import Shard
from grader.gradebook.store import Store

QUICK = {"NEUROGRADE_EXAMPLES": "3"}


def stored(store: Path) -> int:
    if not store.exists():
        return 0
    with contextlib.closing(sqlite3.connect(store, timeout=30)) as db:
        try:
            return db.execute("SELECT count(*) FROM results").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def wait_for_group(pgid: int, seconds: float) -> bool:
    """Whether every process of the group has exited within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_kill_9_mid_run_then_rerun_gives_the_uninterrupted_gradebook(gb, tmp_path: Path) -> None:
    solution = gb.solution("activations")
    mutants = catalog.load("activations").mutants[:4]
    learners = {f"m{i}": {"activations": apply(solution, m)} for i, m in enumerate(mutants)}
    learners["solution"] = {"activations": solution}
    learners["stub"] = {"activations": gb.stub("activations")}
    gb.write_course(tmp_path / "subs", learners)
    args = ("autograde", "subs", "--jobs", "2", "--exercise", "activations")
    whole = gb.neurograde(*args, "--store", "whole.sqlite", "--quiet", "--output", "whole.json", cwd=tmp_path, env=QUICK)
    assert whole.returncode == 0, whole.stderr

    env = {**os.environ, **QUICK, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    env.pop("NEUROGRADE_SECRET", None)
    run = subprocess.Popen(
        [sys.executable, "-m", "grader", *args, "--store", "killed.sqlite", "--quiet"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while stored(tmp_path / "killed.sqlite") < 1 and run.poll() is None:
            time.sleep(0.05)
        os.kill(run.pid, signal.SIGKILL)
    finally:
        run.wait()
    kept = stored(tmp_path / "killed.sqlite")
    assert 1 <= kept < len(learners), "killed mid-run, with some grades stored"
    assert wait_for_group(run.pid, 60), "the grader processes end once their parent is gone"

    again = gb.neurograde(*args, "--store", "killed.sqlite", "--output", "resumed.json", cwd=tmp_path, env=QUICK)
    assert again.returncode == 0, again.stderr
    assert f"{kept} grades already stored and up to date" in again.stderr
    resumed = json.loads((tmp_path / "resumed.json").read_text())
    assert gb.without_timings(resumed) == gb.without_timings(json.loads((tmp_path / "whole.json").read_text()))


FAULTY_GRADER = '''
import os, signal, time
from grader.gradebook.grading import grade_task, serve

def answer(task):
    who = task["submission"]
    if who == "grader-bug":
        raise RuntimeError("a bug in the grader")
    if who == "grader-killed":
        os.kill(os.getpid(), signal.SIGKILL)
    if who == "grader-stuck":
        time.sleep(600)
    return grade_task(task)

serve(answer)
'''


def learner_file(gb, override: str) -> str:
    return gb.solution("activations") + "\n\n" + textwrap.dedent(override)


@pytest.fixture
def faulty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A grader that fails on some submissions, as a module the pool can start."""
    (tmp_path / "faulty_grader.py").write_text(FAULTY_GRADER)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    for name, value in QUICK.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("NEUROGRADE_SECRET", raising=False)
    return "faulty_grader"


def grade(directory: Path, store: Path, pool: Pool) -> dict:
    with Store(store) as opened:
        outcome = autograde(directory, ["activations"], Shard(), opened, pool, Progress(io.StringIO()))
        book = books.from_store(opened).gradebook
    book["outcome"] = outcome
    return book


def test_hostile_submissions_and_a_failing_grader_are_recorded_and_the_batch_finishes(
    gb, tmp_path: Path, faulty: str
) -> None:
    learners = {
        "good": {"activations": gb.solution("activations")},
        "oom": {"activations": learner_file(gb, """
            def relu(z):
                hoard = [bytearray(64 * 1024 * 1024) for _ in range(1024)]
                return z * len(hoard)
        """)},
        "hangs": {"activations": learner_file(gb, """
            def sigmoid(z):
                while True:
                    pass
        """)},
        "hangs-at-import": {"activations": "while True:\n    pass\n"},
        "grader-bug": {"activations": gb.solution("activations")},
        "grader-killed": {"activations": gb.solution("activations")},
    }
    gb.write_course(tmp_path / "subs", learners)
    book = grade(tmp_path / "subs", tmp_path / "g.sqlite", Pool(jobs=2, timeout_s=2.5, module=faulty))
    scores = {who: row["score"] for who, row in book["submissions"].items()}
    full = book["submissions"]["good"]["max_score"]
    assert scores["good"] == full > 0
    assert 0 < scores["oom"] < full and 0 < scores["hangs"] < full
    assert scores["hangs-at-import"] == 0
    results = {who: run["exercises"][0] for who, run in book["results"].items()}
    assert any("relu" in c["id"] and not c["passed"] for c in results["oom"]["checks"])
    assert any("sigmoid" in c["id"] and not c["passed"] for c in results["hangs"]["checks"])
    assert {who: row["errors"] for who, row in book["submissions"].items() if row["errors"]} == {
        "grader-bug": ["activations"],
        "grader-killed": ["activations"],
    }
    assert "RuntimeError: a bug in the grader" in results["grader-bug"]["errors"][0]
    assert "killed by signal SIGKILL" in results["grader-killed"]["errors"][0]
    assert results["grader-bug"]["max_score"] == full and scores["grader-bug"] == 0
    assert book["outcome"].errors == 2 and book["outcome"].graded == len(learners)

    again = grade(tmp_path / "subs", tmp_path / "g.sqlite", Pool(jobs=2, timeout_s=2.5))
    assert again["outcome"].graded == 2, "a rerun retries only the grades the grader failed on"
    assert again["submissions"]["grader-bug"]["score"] == full


def test_a_grader_stuck_past_its_limit_is_killed_and_the_next_task_runs(
    gb, tmp_path: Path, faulty: str
) -> None:
    gb.write_course(tmp_path / "subs", {"grader-stuck": {"activations": "x = 1\n"}, "nothing": {}})
    book = grade(tmp_path / "subs", tmp_path / "g.sqlite", Pool(jobs=1, limit_s=2.0, module=faulty))
    stuck = book["results"]["grader-stuck"]["exercises"][0]
    assert "ran past its limit of 2 s" in stuck["errors"][0]
    assert book["results"]["nothing"]["exercises"][0]["status"] == "missing"
