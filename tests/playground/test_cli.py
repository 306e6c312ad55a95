"""`neurograde playground` from the command line: sweeps, the table, JSON, errors, imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from grader.cli import main

QUICK = ["--epochs", "15", "--samples", "80"]


def invoke(*args: str, columns: int = 100):
    return CliRunner().invoke(main, ["playground", *args], env={"COLUMNS": str(columns)})


def test_a_sweep_runs_every_combination_side_by_side():
    result = invoke("--lr", "0.001,0.1", "--optimizer", "sgd,adam", *QUICK)
    assert result.exit_code == 0, result.output
    for label in ("lr=0.001 opt=sgd", "lr=0.001 opt=adam", "lr=0.1 opt=sgd", "lr=0.1 opt=adam"):
        assert label in result.output
    assert "loss / epoch" in result.output and "loss / update" in result.output
    assert any(bar in result.output for bar in "▁▂▃▄▅▆▇█")


def test_the_region_map_appears_only_when_the_terminal_is_wide_enough():
    wide = invoke("--depth", "0,2", *QUICK, columns=120).output
    narrow = invoke("--depth", "0,2", *QUICK, columns=50).output
    assert "Decision regions" in wide and "▒" in wide
    assert "Decision regions" not in narrow


def test_json_report_for_notebooks():
    result = invoke("--batch-size", "1,full", "--format", "json", *QUICK)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["schema"] == "neurograde.playground/1"
    assert [run["config"]["batch_size"] for run in report["runs"]] == [1, None]
    first = report["runs"][0]
    assert len(first["curves"]["train_loss"]) == 16
    assert len(first["curves"]["update_loss"]) == 15 * first["updates_per_epoch"]
    assert first["verdict"]["kind"] in ("diverged", "oscillating", "stalled", "still-falling",
                                        "converged")
    side = report["dataset"]["grid_side"]
    assert len(first["boundaries"][0]) == side * side


def test_a_preset_ends_with_its_lesson_and_quiz_pointer():
    result = invoke("--preset", "depth", "--epochs", "20")
    assert result.exit_code == 0, result.output
    assert "Lesson: Without a hidden layer" in result.output
    assert "Test yourself: neurograde quiz neurons" in result.output
    assert "depth=0" in result.output and "depth=2" in result.output


def test_every_data_set_activation_and_optimizer_trains():
    for dataset in ("moons", "circles", "spiral", "xor"):
        result = invoke("--dataset", dataset, "--format", "json", *QUICK)
        assert result.exit_code == 0, result.output
    for sweep in (["--activation", "relu,tanh,sigmoid,leaky_relu,elu"],
                  ["--optimizer", "sgd,momentum,rmsprop,adagrad,adam"]):
        result = invoke(*sweep, "--l2", "0.001", "--dropout", "0.1", "--format", "json",
                        "--epochs", "5", "--samples", "40")
        assert result.exit_code == 0, result.output
        runs = json.loads(result.output)["runs"]
        assert len(runs) == 5
        assert all(run["curves"]["train_loss"][-1] is not None for run in runs)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--lr", "fast"], "--lr"),
        (["--lr", "-1"], "outside"),
        (["--optimizer", "lbfgs"], "'lbfgs' is not one of"),
        (["--batch-size", "0"], "at least 1"),
        (["--depth", "0,1,2,3,4", "--width", "1,2,3,4,5,6"], "at most 24"),
        (["--batch-size", "1", "--epochs", "5000", "--samples", "5000"], "optimizer steps"),
        (["--output", "play.txt"], ".html"),
    ],
)
def test_bad_options_are_usage_errors(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_a_preset_imports_neither_torch_nor_matplotlib_and_grading_never_sklearn(root):
    """numpy only: torch stays out of a preset run; sklearn and the playground out of grading."""
    code = (
        "import sys\n"
        "from grader.cli import main\n"
        "try:\n"
        "    main(['playground', '--preset', 'learning-rate'], standalone_mode=False)\n"
        "finally:\n"
        "    print('MODULES', sorted(m for m in ('torch', 'matplotlib', 'sklearn')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "MODULES ['sklearn']"
    grading = (
        "import sys, grader.cli, grader.session, grader.runner, grader.catalog\n"
        "grader.catalog.load('optimizers')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'"
        " or m.startswith('grader.playground')))"
    )
    done = subprocess.run([sys.executable, "-c", grading], capture_output=True, text=True,
                          cwd=root, timeout=120)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
