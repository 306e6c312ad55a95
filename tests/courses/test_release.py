"""`assign release --course`: the learners' repository, cloned, graded locally and by its workflow.

One release of the example course is written (by the CLI) for the module; each test
works on a fresh `git clone` of it, so nothing outside the clone can help it grade.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.course import load_course
from grader.release import POINTER, recorded_course
from grader.release.write import leaks

from ..conftest import run_grader
from .conftest import EXAMPLE, ROOT, neurograde

SOLUTION = EXAMPLE / "exercises" / "logistic" / "solution.py"
BUILTIN = {
    "neuron": ROOT / "solutions" / "neuron.py",
    "activations": ROOT / "solutions" / "activations.py",
}


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release of the example course, committed as its instructor would push it."""
    out = tmp_path_factory.mktemp("release") / "learners"
    done = neurograde("assign", "release", "--course", str(EXAMPLE), str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "left out logistic: hint sigmoid#2 (it quotes the solution)" in done.stdout
    git(out, "init", "-q")
    git(out, "add", "-A")
    git(out, "commit", "-qm", "release")
    return out


def git(where: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=where,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def clone(released: Path, tmp_path: Path) -> Path:
    git(tmp_path, "clone", "-q", str(released), "clone")
    return tmp_path / "clone"


def learner(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """neurograde as a learner runs it in the clone: no --course, no NEUROGRADE_COURSE."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NEUROGRADE_")}
    return run_grader(*args, cwd=cwd, env={**environment, **env})


# -- what the release holds ------------------------------------------------------------


def test_the_release_holds_the_learners_files_and_the_public_course(clone: Path) -> None:
    names = {p.relative_to(clone).as_posix() for p in clone.rglob("*") if ".git" not in p.parts}
    for needed in (
        "README.md",
        POINTER,
        ".gitignore",
        ".github/workflows/neurograde.yml",
        "neuron.py",
        "logistic.py",
        "activations.py",
        "course/course.toml",
        "course/exercises/logistic/checks.py",
        "course/exercises/logistic/stub.py",
        "course/exercises/logistic/hints.toml",
        "course/exercises/logistic/cases/sigmoid-matches-reference.npz",
        "course/exercises/logistic/cases/bce_loss-special-values.npz",
        "course/quizzes/logistic.toml",
    ):
        assert needed in names, needed
    assert not [n for n in names if "hidden" in n or n.endswith("solution.py")]
    course = load_course(clone / "course", ["neuron", "activations"])
    assert [e.name for e in course.exercises] == ["neuron", "logistic", "activations"]
    assert [e.points for e in course.exercises] == [10, 30, 20] and course.id == "nn-example"
    assert recorded_course(clone / "course" / "exercises") == (clone / "course").resolve()
    checks = (clone / "course/exercises/logistic/checks.py").read_text("utf-8")
    assert "probes=" in checks and not [n for n in names if n.endswith("mutants.toml")]
    readme = (clone / "README.md").read_text("utf-8")
    assert "neurograde grade neuron" in readme and "--course" not in readme.split("## Work")[1]


def solution_lines() -> list[str]:
    """Every non-trivial line between the markers of every solution.py of the course."""
    lines, inside = [], False
    for solution in sorted((EXAMPLE / "exercises").glob("*/solution.py")):
        for line in solution.read_text("utf-8").splitlines():
            if line.strip() in ("# BEGIN SOLUTION", "# END SOLUTION"):
                inside = line.strip() == "# BEGIN SOLUTION"
            elif inside and len(line.split("#")[0].strip()) >= 8:
                lines.append(line.split("#")[0].strip())
    return lines


def texts(root: Path) -> dict[str, str]:
    """Every file of a release as text (an .npz: every array of text it holds)."""
    found = {}
    for path in root.rglob("*"):
        if not path.is_file() or ".git" in path.relative_to(root).parts:
            continue
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                found[str(path)] = "\n".join(
                    str(archive[k]) for k in archive.files if archive[k].dtype.kind == "U"
                )
        else:
            found[str(path)] = path.read_text("utf-8")
    return found


def test_no_file_of_the_release_holds_a_line_of_a_solution(clone: Path) -> None:
    secret = solution_lines()
    assert len(secret) >= 8
    solution = SOLUTION.read_text("utf-8")
    for path, text in texts(clone).items():
        squeezed = "".join(text.split())
        assert text != solution, path
        for line in secret:
            assert line not in text and "".join(line.split()) not in squeezed, (path, line)
    assert leaks(clone, load_course(EXAMPLE, ["neuron", "activations"])) == []


def test_the_leak_check_finds_a_planted_line(clone: Path) -> None:
    planted = clone / "course" / "exercises" / "logistic" / "notes.md"
    planted.write_text("see: delta = predict_proba(X, w, b) - y\n", "utf-8")
    found = leaks(clone, load_course(EXAMPLE, ["neuron", "activations"]))
    assert found and found[0].startswith("course/exercises/logistic/notes.md")


def test_the_public_cases_are_npz_without_pickle(clone: Path) -> None:
    cases = sorted((clone / "course/exercises/logistic/cases").glob("*-*.npz"))
    assert len(cases) == 7  # five properties, two special values; no hidden check
    for path in [*cases, clone / "course/exercises/logistic/cases/mistakes.npz"]:
        with np.load(path, allow_pickle=False) as archive:
            manifest = json.loads(str(archive["manifest"]))
            assert manifest["schema"] == "neurograde.cases/1"
            assert manifest.get("answers", True), path  # every check asked the reference
            assert all(archive[k].dtype != object for k in archive.files)


# -- the learner grades locally ----------------------------------------------------------


def graded(clone: Path, source: str) -> dict:
    (clone / "logistic.py").write_text(source, "utf-8")
    done = learner("grade", "logistic", "--format", "json", cwd=clone)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def test_a_fresh_clone_grades_locally_from_its_cases_with_no_reference(clone: Path) -> None:
    full = graded(clone, SOLUTION.read_text("utf-8"))
    ran = [c for c in full["checks"] if c.get("skipped") != "runs at submission"]
    later = [c for c in full["checks"] if c.get("skipped") == "runs at submission"]
    assert all(c["passed"] for c in ran) and full["score"] == full["max_score"] == 17.5
    assert sorted(c["id"] for c in later) == sorted(
        f"{f}-hidden" for f in ("sigmoid", "predict_proba", "bce_loss", "gradients", "fit")
    )
    assert all(c["max_points"] == 0 and "graded when you submit" in c["message"] for c in later)
    stub = graded(clone, (clone / "course/exercises/logistic/stub.py").read_text("utf-8"))
    assert stub["score"] == 0
    text = learner("grade", "logistic", cwd=clone)
    assert (
        text.returncode == 1 and "not run here, graded at submission: sigmoid-hidden" in text.stdout
    )


def test_a_local_grade_fails_with_the_first_failing_recorded_example(clone: Path) -> None:
    wrong = SOLUTION.read_text("utf-8").replace("sigmoid(X @ w + b)", "sigmoid(X @ w)")
    result = graded(clone, wrong)
    failed = {c["id"]: c for c in result["checks"] if not c["passed"] and not c.get("skipped")}
    assert "predict_proba-matches-reference" in failed
    assert failed["predict_proba-matches-reference"]["counterexample"].startswith("predict_proba(")
    assert "sigmoid-matches-reference" not in failed


def test_the_workflow_is_valid_and_reports_to_classroom(clone: Path) -> None:
    import yaml

    workflow = yaml.safe_load((clone / ".github/workflows/neurograde.yml").read_text("utf-8"))
    assert "push" in workflow["on"]
    job = workflow["jobs"]["run-autograding-tests"]
    assert job["name"] == "Autograding Tests"  # the check run the reporter updates
    steps = {step.get("id") or step["name"]: step for step in job["steps"]}
    assert "neurograde" in steps["neurograde"]["run"]
    assert "install" in " ".join(s.get("run", "") for s in job["steps"])
    reporter = next(s for s in job["steps"] if "autograding-grading-reporter" in s.get("uses", ""))
    assert reporter["with"]["runners"] == "neurograde"
    assert reporter["env"]["NEUROGRADE_RESULTS"] == "${{ steps.neurograde.outputs.result }}"


def run_grading_step(clone: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, Path, Path]:
    """The workflow's grading step, run as the runner runs it: bash, GitHub's files in env."""
    import yaml

    workflow = yaml.safe_load((clone / ".github/workflows/neurograde.yml").read_text("utf-8"))
    step = next(
        s for s in workflow["jobs"]["run-autograding-tests"]["steps"] if s.get("id") == "neurograde"
    )
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NEUROGRADE_")}
    python = Path(sys.executable).parent
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=600,
        env={
            **environment,
            "PATH": f"{python}{os.pathsep}{environment.get('PATH', '')}",
            "GITHUB_ACTIONS": "true",
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(output),
        },
    )
    return done, summary, output


def test_the_workflows_grading_step_writes_junit_summary_annotation_and_points(
    clone: Path, tmp_path: Path
) -> None:
    from junitparser import JUnitXml, Skipped
    from markdown_it import MarkdownIt

    for name, path in BUILTIN.items():
        shutil.copyfile(path, clone / f"{name}.py")
    wrong = SOLUTION.read_text("utf-8").replace("float(np.mean(delta))", "float(np.sum(delta))")
    (clone / "logistic.py").write_text(wrong, "utf-8")
    done, summary, output = run_grading_step(clone, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr  # one check fails
    assert "::notice title=neurograde score::neurograde: " in done.stdout

    junit = JUnitXml.fromfile(str(clone / "neurograde-junit.xml"))
    suites = {suite.name: suite for suite in junit}
    assert list(suites) == ["neuron", "logistic", "activations"]
    cases = {case.name: case for case in suites["logistic"]}
    assert isinstance(cases["sigmoid-hidden"].result[0], Skipped)
    assert not cases["gradients-matches-reference"].is_passed
    assert cases["sigmoid-matches-reference"].is_passed

    tokens = MarkdownIt("gfm-like").parse(summary.read_text("utf-8"))
    headings = [t for i, t in enumerate(tokens) if i and tokens[i - 1].type == "heading_open"]
    assert headings[0].content.startswith("neurograde: ")
    assert any(t.type == "table_open" for t in tokens)
    assert "runs at submission (sigmoid-hidden" in summary.read_text("utf-8")

    lines = output.read_text("utf-8").splitlines()
    assert len(lines) == 1 and lines[0].startswith("result=")
    points = json.loads(base64.b64decode(lines[0].removeprefix("result=")))
    assert points["status"] == "fail" and points["version"] == 1
    tests = {t["name"]: t for t in points["tests"]}
    assert tests["logistic: gradients-matches-reference"]["status"] == "fail"
    assert "logistic: sigmoid-hidden" not in tests  # graded at submission, not here
    total = sum(t["score"] for t in points["tests"])
    assert 0 < total < points["max_score"] == 10 + 17.5 + 20
    annotation = next(line for line in done.stdout.splitlines() if line.startswith("::notice"))
    assert f"{total:g} / {points['max_score']:g} points" in annotation


def test_the_step_gives_full_points_to_the_solutions(clone: Path, tmp_path: Path) -> None:
    for name, path in {**BUILTIN, "logistic": SOLUTION}.items():
        shutil.copyfile(path, clone / f"{name}.py")
    done, _, output = run_grading_step(clone, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    points = json.loads(base64.b64decode(output.read_text("utf-8").strip().removeprefix("result=")))
    assert points["status"] == "pass"
    assert sum(t["score"] for t in points["tests"]) == pytest.approx(points["max_score"])


def test_outside_github_the_step_writes_the_junit_only(clone: Path) -> None:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("NEUROGRADE_", "GITHUB_"))
    }
    done = subprocess.run(
        [sys.executable, "-m", "grader.release.ci", "--junit", "report.xml"],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
    )
    assert done.returncode == 1 and (clone / "report.xml").is_file()
    assert io.StringIO(done.stdout).read().count("::notice") == 1


def test_the_learners_commands_serve_the_recorded_course(clone: Path, tmp_path: Path) -> None:
    listed = learner("list", cwd=clone)
    assert (
        listed.returncode == 0 and "logistic" in listed.stdout and "quiz:logistic" in listed.stdout
    )
    docs = learner("docs", "logistic", cwd=clone / "course")  # from a sub-folder too
    assert "predict_proba(X: numpy.ndarray, w: numpy.ndarray, b: float)" in docs.stdout
    hint = learner("hint", "logistic", cwd=clone)
    assert "Hint 1/1: For z = -1000" in hint.stdout, hint.stdout  # the quoting hint left out
    init = learner("init", str(tmp_path / "ws"), cwd=clone)
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "ws" / "logistic.py").read_text("utf-8") == (
        clone / "logistic.py"
    ).read_text("utf-8")
    elsewhere = learner("list", cwd=tmp_path)
    assert "logistic" not in elsewhere.stdout  # outside the repository: the built-in curriculum


def test_the_public_course_file_reads_back_as_the_same_course(tmp_path: Path) -> None:
    from grader import catalog
    from grader.release.write import public_course_toml

    source, public = tmp_path / "source", tmp_path / "public"
    for root in (source, public):
        (root / "exercises").mkdir(parents=True)
    (source / "course.toml").write_text(
        '[course]\nname = "A \\"quoted\\" course"\nid = "c1"\n\n'
        '[[exercise]]\nname = "neuron"\npoints = 12.5\ntimeout_s = 3\ndevice = "cpu"\n'
        'memory_mb = 900\n\n[[exercise]]\nname = "cnn"\npoints = 7\nimports = ["torch"]\n\n'
        '[quizzes]\ntopics = ["neurons"]\n\n[release]\nsolutions_after_full_marks = true\n',
        "utf-8",
    )
    served = load_course(source, catalog.CURRICULUM)
    (public / "course.toml").write_text(public_course_toml(served), "utf-8")
    again = load_course(public, catalog.CURRICULUM)
    for field in ("name", "id", "exercises", "topics", "solutions_after_full_marks"):
        assert getattr(again, field) == getattr(served, field), field
