"""The command line contract of shared/spec/cli.md: commands, formats, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader import catalog, runner

from .conftest import run_grader as neurograde

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workspace = tmp_path_factory.mktemp("solved")
    (workspace / "activations.py").write_text((ROOT / "solutions" / "activations.py").read_text())
    return workspace


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    unknown = neurograde("grade", "nonsense", "--workspace", str(tmp_path))
    assert unknown.returncode == 2 and "unknown exercise 'nonsense'" in unknown.stderr
    missing = neurograde("grade", "activations", "--workspace", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    no_file = neurograde("grade", "activations", "--workspace", str(tmp_path))
    assert no_file.returncode == 2 and "no file" in no_file.stderr
    bad_option = neurograde("grade", "activations", "--format", "pdf")
    assert bad_option.returncode == 2
    neither = neurograde("grade")
    assert neither.returncode == 2


def test_init_copies_the_stubs_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "work"
    made = neurograde("init", str(target))
    assert made.returncode == 0
    assert "neurograde watch neuron" in made.stdout  # the curriculum's first exercise, not a-z
    assert sorted(p.name for p in target.glob("*.py")) == sorted(
        p.name for p in (ROOT / "exercises").glob("*.py")
    )
    again = neurograde("init", str(target))
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr


def test_text_report_and_progress(solved: Path) -> None:
    done = neurograde(
        "grade", "activations", "--workspace", str(solved), env={"NO_COLOR": "1", "PATH": ""}
    )
    assert done.returncode == 0
    assert "\x1b[" not in done.stdout
    assert done.stdout.startswith("activations — ") and "28 / 28" in done.stdout
    assert "next: losses — neurograde grade losses" in done.stdout
    verbose = neurograde("grade", "activations", "--workspace", str(solved), "--verbose")
    assert "PASS softmax-special-values" in verbose.stdout
    listing = neurograde("list", "--workspace", str(solved))
    line = next(row for row in listing.stdout.splitlines() if row.startswith("activations"))
    assert "done" in line


def test_json_junit_gradescope_markdown_html(solved: Path, tmp_path: Path) -> None:
    outputs = {}
    for fmt in ("json", "junit", "gradescope", "markdown", "html"):
        target = tmp_path / f"report.{fmt}"
        done = neurograde(
            "grade",
            "activations",
            "--workspace",
            str(solved),
            "--format",
            fmt,
            "--output",
            str(target),
        )
        assert done.returncode == 0 and done.stdout == ""
        outputs[fmt] = target.read_text()
    result = json.loads(outputs["json"])
    assert result["score"] == result["max_score"]
    # every check says what it asks, in the exercise's words (hints.toml [titles] included)
    declared = {c.id: c.title for c in catalog.load("activations").checks} | runner.GATES
    assert {c["id"]: c["title"] for c in result["checks"]} == declared
    assert declared["softmax-special-values"] in outputs["html"]
    suite = ET.fromstring(outputs["junit"]).find("testsuite")
    assert suite is not None and int(suite.get("tests")) == len(result["checks"])
    assert int(suite.get("failures")) == 0
    gradescope = json.loads(outputs["gradescope"])
    assert gradescope["score"] == result["score"]
    assert {"name", "score", "max_score", "output", "visibility"} <= set(gradescope["tests"][0])
    assert "neurograde:" in outputs["markdown"] and "| activations |" in outputs["markdown"]
    assert outputs["html"].startswith("<!doctype html>")


def test_failing_submission_reports_in_every_format(tmp_path: Path) -> None:
    source = (
        (ROOT / "solutions" / "activations.py")
        .read_text()
        .replace("z > 0).astype", "z >= 0).astype")
    )
    (tmp_path / "activations.py").write_text(source)
    junit = neurograde("grade", "activations", "--workspace", str(tmp_path), "--format", "junit")
    assert junit.returncode == 1
    failures = ET.fromstring(junit.stdout).findall(".//failure")
    assert failures and any(f.get("type") == "relu-grad-at-zero" for f in failures)
    text = neurograde("grade", "activations", "--workspace", str(tmp_path))
    assert "likely cause:" in text.stdout and "input:    relu_grad(" in text.stdout


def test_several_exercises_give_a_run_object(solved: Path) -> None:
    (solved / "neuron.py").write_text((ROOT / "exercises" / "neuron.py").read_text())
    done = neurograde(
        "grade", "activations", "neuron", "--workspace", str(solved), "--format", "json"
    )
    assert done.returncode == 1
    run = json.loads(done.stdout)
    assert run["schema"] == "neurograde.run/1"
    assert [e["exercise"] for e in run["exercises"]] == ["activations", "neuron"]
    assert run["score"] == run["exercises"][0]["score"]
    (solved / "neuron.py").unlink()


def test_hints_are_progressive(tmp_path: Path) -> None:
    first = neurograde("hint", "activations", "--workspace", str(tmp_path))
    second = neurograde("hint", "activations", "--workspace", str(tmp_path))
    assert "There is no" in first.stdout
    assert "Hint 1/3 for activations" in first.stdout and "Hint 2/3" in second.stdout
    assert neurograde("hint", "nonsense").returncode == 2


def test_numpy_exercise_never_imports_torch(solved: Path) -> None:
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['neurograde', 'grade', 'activations', '--workspace', sys.argv[1], '--format', 'json']\n"
        "try:\n    runpy.run_module('grader', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', 'SKLEARN' if 'sklearn' in sys.modules else '')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(solved)], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip().endswith("NO-TORCH")


def test_worker_of_a_numpy_exercise_never_imports_torch(tmp_path: Path) -> None:
    from grader.catalog import allowed_imports
    from grader.worker import Worker

    spy = (ROOT / "solutions" / "activations.py").read_text() + (
        "\ndef loaded(z):\n"
        "    for cls in ().__class__.__base__.__subclasses__():\n"
        "        if cls.__name__ == '_wrap_close':\n"
        "            modules = cls.__init__.__globals__['sys'].modules\n"
        "    return [name for name in ('torch', 'sklearn', 'hypothesis') if name in modules]\n"
    )
    (tmp_path / "activations.py").write_text(spy)
    with Worker(
        tmp_path / "activations.py", "learner_activations", allowed_imports("activations")
    ) as worker:
        worker.call("sigmoid", __import__("numpy").zeros(3))
        assert worker.call("loaded", 0) == []


def test_all_grades_missing_files_as_zero(tmp_path: Path) -> None:
    (tmp_path / "neuron.py").write_text((ROOT / "solutions" / "neuron.py").read_text())
    done = neurograde("grade", "--all", "--workspace", str(tmp_path), "--format", "json")
    assert done.returncode == 1
    run = json.loads(done.stdout)
    by_name = {e["exercise"]: e for e in run["exercises"]}
    assert by_name["neuron"]["score"] == by_name["neuron"]["max_score"]
    assert by_name["cnn"]["score"] == 0 and by_name["cnn"]["errors"][0].startswith("no file")
    assert len(by_name) == 9
