"""`--workspace`: the learner's activations, losses and optimizers train in the sandboxed worker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.playground.sweep import play

ROOT = Path(__file__).resolve().parents[2]


def _edit(ws: Path, name: str, old: str, new: str) -> None:
    path = ws / f"{name}.py"
    source = path.read_text("utf-8")
    assert old in source, f"{old!r} not in {name}.py"
    path.write_text(source.replace(old, new), "utf-8")


@pytest.fixture
def play_with(make_setup):
    """`play_with(ws, preset="depth", **options)`: the preset for 30 epochs, with a workspace."""

    def run(ws: Path, preset: str = "depth", **options: object):
        return play(make_setup(preset, workspace=ws, epochs=30, **options))

    return run


def test_the_solutions_in_the_worker_trace_the_reference_curves(finished_workspace, play_with):
    session = play_with(finished_workspace)
    assert session.learner_used, session.learner
    assert "sandboxed worker" in session.learner
    for run in session.runs:
        assert run.reference is not None and run.departure is not None
        assert run.departure.epoch is None, run.departure.text
        assert run.history is not run.reference


def test_a_subtly_wrong_optimizer_shows_as_a_departing_curve(finished_workspace, play_with):
    """Adam without bias correction of its second moment: every run leaves the reference."""
    _edit(finished_workspace, "optimizers", "v_hat = self.v[key] / (1.0 - beta2**t)",
          "v_hat = self.v[key]")
    session = play_with(finished_workspace)
    assert session.learner_used
    for run in session.runs:
        assert run.departure.epoch == 1, run.departure.text
        assert "departs from the reference's curve at epoch 1" in run.departure.text
        mine, ref = run.history["train_loss"], run.reference["train_loss"]
        assert mine[0] == ref[0], "same seed, same start: only the optimizer differs"
    from grader.playground.report import as_dict

    report = json.loads(json.dumps(as_dict(session)))
    assert report["learner"]["used"] is True
    assert report["runs"][0]["departure"]["epoch"] == 1
    assert len(report["runs"][0]["reference"]["curves"]["train_loss"]) == 31


def test_the_learners_activation_file_is_the_one_used(finished_workspace, play_with):
    """activations.py reaches the worker as source text: a wrong tanh derivative departs too."""
    _edit(finished_workspace, "activations", "return 1.0 - np.tanh(z) ** 2", "return 1.0 - np.tanh(z)")
    session = play_with(finished_workspace)
    assert session.learner_used
    assert all(run.departure.epoch is not None for run in session.runs if run.config["depth"] > 0)


def test_exit_in_the_learners_code_stays_in_the_worker(finished_workspace, play_with):
    signature = "def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:"
    _edit(finished_workspace, "optimizers", signature, signature + "\n        exit(0)")
    session = play_with(finished_workspace)
    assert not session.learner_used
    assert "your code failed" in session.learner and "exit()" in session.learner
    assert all(run.reference is None for run in session.runs), "the reference's runs are shown"
    assert [run.verdict.kind for run in session.runs]


def test_unfinished_exercises_are_named_and_the_reference_is_used(tmp_path, play_with):
    ws = tmp_path / "ws"
    ws.mkdir()
    for name in ("activations", "losses", "optimizers"):
        (ws / f"{name}.py").write_text((ROOT / "solutions" / f"{name}.py").read_text())
    from grader.workspace import Workspace

    Workspace(ws).record("activations", "exercise", 28.0, 28.0)
    Workspace(ws).record("losses", "exercise", 12.0, 20.0)
    session = play_with(ws)
    assert not session.learner_used
    assert "finish losses, optimizers first" in session.learner
    assert f"neurograde grade losses optimizers --workspace {ws}" in session.learner
    assert all(run.departure is None for run in session.runs)


def test_l2_or_dropout_needs_the_regularization_exercise_too(finished_workspace, play_with):
    session = play_with(finished_workspace, l2=0.001)
    assert not session.learner_used
    assert "finish regularization first" in session.learner


def test_a_finished_file_that_now_imports_os_is_refused(finished_workspace, play_with):
    _edit(finished_workspace, "losses", "import numpy as np", "import os\nimport numpy as np")
    session = play_with(finished_workspace)
    assert not session.learner_used
    assert "losses.py line" in session.learner and ": os is not allowed" in session.learner


@pytest.mark.slow
def test_graded_solutions_unlock_the_workspace(tmp_path, play_with):
    """The gate for real: grade the three exercises, then play with them."""
    from grader.session import GradeRequest, grade_all

    ws = tmp_path / "ws"
    ws.mkdir()
    for name in ("activations", "losses", "optimizers"):
        (ws / f"{name}.py").write_text((ROOT / "solutions" / f"{name}.py").read_text())
    assert not play_with(ws).learner_used
    run = grade_all(GradeRequest(["activations", "losses", "optimizers"], ws))
    assert run.passed
    session = play_with(ws)
    assert session.learner_used
    assert all(r.departure.epoch is None for r in session.runs)
