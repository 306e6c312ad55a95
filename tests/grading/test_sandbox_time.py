"""Bounded time: one time-out per learner function, and a time budget per exercise.

A function that ran out of time is never run again in that grade: later
checks, the learner's other functions that call it, and diagnosis probes fail
at once, naming it and the limit. Once an exercise's budget is spent the checks
left are reported as not run, and the report is complete. Every case runs the
real command line; times are measured and printed (`-s`), and bounded only
generously.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def solution(name: str) -> str:
    return (ROOT / "solutions" / f"{name}.py").read_text("utf-8")


def grade_cli(tmp_path: Path, name: str, source: str, *options: str) -> tuple[int, dict, float]:
    """(exit status, JSON result, seconds) of `neurograde grade NAME --format json` on `source`."""
    workspace = tmp_path / "ws"
    workspace.mkdir(exist_ok=True)
    (workspace / f"{name}.py").write_text(source, "utf-8")
    started = time.monotonic()
    command = [sys.executable, "-m", "grader", "grade", name, "--workspace", str(workspace)]
    done = subprocess.run(
        [*command, "--format", "json", *options],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    seconds = time.monotonic() - started
    assert "Traceback" not in done.stderr, done.stderr
    print(f"\n{name} {' '.join(options)}: graded in {seconds:.1f} s")
    return done.returncode, json.loads(done.stdout), seconds


GATES = ["syntax", "allowed-imports", "no-escape-hatches", "imports-cleanly", "signatures"]


def check_ids(name: str) -> list[str]:
    """Every check a complete report of `name` lists, in order: the gates, then the scored."""
    from grader import catalog

    return GATES + [check.id for check in catalog.load(name).checks]


HANGS = "\n    while True:\n        pass\n"


def test_a_hung_function_is_never_run_again_not_even_by_another(tmp_path: Path) -> None:
    source = solution("activations") + textwrap.dedent(
        """

        def sigmoid(z):
            while True:
                pass

        def sigmoid_grad(z):
            s = sigmoid(z)
            return s * (1 - s)
        """
    )
    code, result, _ = grade_cli(tmp_path, "activations", source, "--timeout", "1")
    assert code == 1
    checks = {c["id"]: c for c in result["checks"]}
    assert checks["sigmoid-matches-reference"]["message"] == "sigmoid did not finish within 1 s"
    later = "not run again: sigmoid did not finish within 1 s earlier in this grade"
    for check_id in ("sigmoid-special-values", "sigmoid-hidden"):
        assert checks[check_id]["message"].startswith(later), checks[check_id]
    caller = checks["sigmoid_grad-matches-reference"]["message"]
    assert caller.startswith(later) and "in sigmoid_grad: s = sigmoid(z)" in caller, caller
    timeouts = [c for c in result["checks"] if "did not finish within" in c["message"]]
    assert sum(not c["message"].startswith("not run again") for c in timeouts) == 1
    assert checks["tanh-matches-reference"]["passed"] and checks["softmax-hidden"]["passed"]


def test_a_spent_budget_leaves_the_rest_not_run_in_a_complete_report(tmp_path: Path) -> None:
    source = solution("activations").replace(
        "def tanh(z: np.ndarray) -> np.ndarray:",
        "def tanh(z: np.ndarray) -> np.ndarray:" + HANGS,
    )
    assert source != solution("activations")
    code, result, seconds = grade_cli(tmp_path, "activations", source, "--budget", "5")
    assert code == 1
    assert [c["id"] for c in result["checks"]] == check_ids("activations"), "the report is complete"
    checks = {c["id"]: c for c in result["checks"]}
    assert checks["sigmoid-matches-reference"]["passed"], "checks before the budget ran"
    spent = "the exercise's time budget of 5 s was used up"
    cut = checks["tanh-matches-reference"]["message"]
    assert cut == f"tanh was still running when {spent}", cut
    after = check_ids("activations")[check_ids("activations").index("tanh-matches-reference") + 1 :]
    assert all(checks[c]["message"] == f"not run: {spent}" for c in after), [
        checks[c] for c in after
    ]
    assert result["score"] < result["max_score"]
    assert seconds < 60  # generous: the budget is 5 s, the per-call limit 10 s


TORCH_HANGS = """

def train_one_epoch(model, loader, optimizer, criterion, device):
    while True:
        pass


def fit(model, train_loader, val_loader, optimizer, criterion, epochs, device, patience=None):
    while True:
        pass
"""


def _never_returning_training_loop(tmp_path: Path, *options: str) -> tuple[dict, float]:
    source = solution("training_loop") + TORCH_HANGS
    code, result, seconds = grade_cli(tmp_path, "training_loop", source, *options)
    assert code == 1
    assert [c["id"] for c in result["checks"]] == check_ids("training_loop")
    checks = {c["id"]: c for c in result["checks"]}
    assert any(c["passed"] for c in result["checks"] if c["kind"] == "property")
    first = [c for c in checks.values() if "train_one_epoch did not finish within" in c["message"]]
    assert sum(not c["message"].startswith("not run") for c in first) <= 1
    return result, seconds


@pytest.mark.slow
def test_a_training_loop_that_never_returns_grades_in_under_150_s(tmp_path: Path) -> None:
    _, seconds = _never_returning_training_loop(tmp_path)
    print(f"never-returning training loop, default limits: {seconds:.1f} s")
    assert seconds < 150, "issue 8: the never-returning training loop grades in under 150 s"


@pytest.mark.slow  # about 20 s: each time-out restarts a worker that imports torch
def test_a_training_loop_that_never_returns_costs_one_timeout_per_function(tmp_path: Path) -> None:
    result, seconds = _never_returning_training_loop(tmp_path, "--timeout", "5", "--budget", "100")
    messages = [c["message"] for c in result["checks"]]
    assert not any(m.startswith("not run: the exercise's time budget") for m in messages)
    fresh = [m for m in messages if "did not finish within 5 s" in m and "again" not in m]
    assert len(fresh) == 2, fresh  # train_one_epoch once, fit once
    assert seconds < 100  # generous: two 5 s time-outs and torch's start-ups


def test_one_timeout_per_grade_through_scenarios_callers_and_probes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`minibatches` never returns: its scenario checks, `fit_linear_regression` (which calls
    it) and the diagnosis probes of both never run it again, so the worker is started twice
    only: once, and once more after the one time-out."""
    from grader.runner import Options, grade
    from grader.worker import Worker

    starts: list[int] = []
    start = Worker.start

    def counting_start(self: Worker) -> None:
        starts.append(self._process is None)
        start(self)

    monkeypatch.setattr(Worker, "start", counting_start)
    source = solution("gradient_descent").replace("def minibatches(", "def _unused(", 1)
    source += "\n\ndef minibatches(n_samples, batch_size, rng=None):" + HANGS
    (tmp_path / "gradient_descent.py").write_text(source, "utf-8")
    result = grade("gradient_descent", tmp_path / "gradient_descent.py", Options(timeout_s=1))
    checks = {c.id: c for c in result.checks}
    assert checks["minibatches-partition"].message == "minibatches did not finish within 1 s"
    again = "not run again: minibatches did not finish within 1 s earlier in this grade"
    assert checks["minibatches-hidden"].message == again
    assert checks["fit-matches-reference"].message.startswith(again + " (line ")
    assert "in fit_linear_regression: for batch in minibatches(" in checks["fit-hidden"].message
    assert checks["normal_equation-hidden"].passed
    assert sum(starts) == 2, "something ran the hung function again"
