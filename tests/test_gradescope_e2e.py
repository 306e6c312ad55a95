"""The Gradescope autograder, end to end, the way Gradescope runs it.

`neurograde assign bundle` builds the zip; the zip is unpacked into a
temporary root laid out as Gradescope's `/autograder` (source/, submission/,
results/, run_autograder copied to the root); `setup.sh` builds the image
offline (NEUROGRADE_DEPS_FROM: the dependencies this test's interpreter already
has, the bundled neurograde installed into a fresh venv); then
`run_autograder` grades real submissions and every results.json is validated
against Gradescope's documented format (tests/gradescope/results.schema.json).
This is the only test of the bundle: what it holds is proven by what it does.
A second bundle, `--course examples/course`, proves that the autograder serves
the bundled course: its exercises, order and points, its misconceptions.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "tests" / "gradescope" / "results.schema.json").read_text("utf-8"))
EXERCISE = "activations"  # numpy: quick to grade
SOLUTION = (ROOT / "solutions" / f"{EXERCISE}.py").read_text("utf-8")
SECRET = "course-secret-4d1f0c"  # must never reach a learner's code or feedback


def unpack(archive: Path, source: Path) -> None:
    """Extract like `unzip`: files and their permission bits."""
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            path = Path(zipped.extract(info, source))
            mode = info.external_attr >> 16
            if mode and not info.is_dir():
                path.chmod(stat.S_IMODE(mode))


def environment(root: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEUROGRADE_")}
    return {**env, "NEUROGRADE_AUTOGRADER_ROOT": str(root), **extra}


def build(work: Path, *arguments: str, env: dict[str, str] | None = None) -> Path:
    """An /autograder root in `work`: `neurograde assign bundle ARGUMENTS` unpacked as
    Gradescope does, and its setup.sh run offline; the bundled neurograde is what grades."""
    archive = work / "autograder.zip"
    built = subprocess.run(
        [sys.executable, "-m", "grader", "assign", "bundle", str(archive), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in (env or os.environ).items() if k != "NEUROGRADE_COURSE"},
    )
    assert built.returncode == 0, built.stderr
    root = work / "autograder"
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir(parents=True)
    unpack(archive, root / "source")
    # Gradescope copies run_autograder to the root and runs it from there.
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    paths = sysconfig.get_paths()
    deps = os.pathsep.join(dict.fromkeys([paths["purelib"], paths["platlib"]]))
    setup = subprocess.run(
        ["bash", "setup.sh"],
        cwd=root / "source",
        capture_output=True,
        text=True,
        timeout=300,
        env=environment(root, NEUROGRADE_DEPS_FROM=deps, NEUROGRADE_PYTHON=sys.executable),
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    # The code that grades is the bundle's copy, not this checkout's.
    where = subprocess.run(
        [
            str(root / "venv" / "bin" / "python"),
            "-I",
            "-c",
            "import grader; print(grader.__file__)",
        ],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=60,
    )
    installed = Path(where.stdout.strip()).parent
    assert installed.is_relative_to(root / "venv"), where
    # Every file of the bundled source is installed: templates, quiz bank, stubs.
    bundled = root / "source" / "neurograde" / "grader"
    missing = [
        p
        for p in bundled.rglob("*")
        if p.is_file() and not (installed / p.relative_to(bundled)).is_file()
    ]
    assert not missing and (installed / "stubs" / f"{EXERCISE}.py").is_file()
    return root


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An /autograder root built from `neurograde assign bundle` and its setup.sh."""
    work = tmp_path_factory.mktemp("gradescope")
    root = build(work, "--exercise", EXERCISE, env={**os.environ, "NEUROGRADE_SECRET": SECRET})
    assert SECRET in (root / "source" / "neurograde.json").read_text("utf-8")
    assert not (root / "source" / "course").exists()
    return root


def run_autograder(root: Path, files: dict[str, str | bytes], learner: str | None = None) -> dict:
    """Put `files` in submission/ (and `learner`, a Gradescope user id, in
    submission_metadata.json), run run_autograder as Gradescope does, return results.json."""
    for folder in ("submission", "results"):
        shutil.rmtree(root / folder, ignore_errors=True)
        (root / folder).mkdir()
    metadata = root / "submission_metadata.json"
    metadata.unlink(missing_ok=True)
    if learner is not None:
        metadata.write_text(json.dumps({"users": [{"id": learner, "name": "A"}]}), "utf-8")
    for name, content in files.items():
        path = root / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
    done = subprocess.run(
        [str(root / "run_autograder")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env=environment(root),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return accepted(json.loads((root / "results" / "results.json").read_text("utf-8")))


def accepted(results: dict) -> dict:
    """`results` as Gradescope reads it: the documented format, and scores that add up."""
    jsonschema.validate(results, SCHEMA)
    assert isinstance(results["score"], float | int)
    assert isinstance(results["execution_time"], int) and results["execution_time"] >= 0
    assert results["output"].strip()
    for test in results["tests"]:
        assert 0 <= test["score"] <= test["max_score"], test
        if test["score"] < test["max_score"]:
            assert test["status"] == "failed", test
        assert not any(ord(c) < 32 and c not in "\n\t" for c in test["output"] + test["name"])
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))
    return results


def by_status(results: dict, status: str) -> list[dict]:
    return [t for t in results["tests"] if t["status"] == status]


def test_a_correct_submission_in_a_folder_gets_full_marks(autograder: Path) -> None:
    results = run_autograder(autograder, {f"my work/{EXERCISE}.py": SOLUTION})
    maximum = sum(t["max_score"] for t in results["tests"])
    assert maximum > 0 and results["score"] == maximum
    assert not by_status(results, "failed")
    assert f"graded my work/{EXERCISE}.py" in results["output"]


def test_a_partial_submission_loses_the_points_of_its_mistake(autograder: Path) -> None:
    wrong = SOLUTION.replace("return 1.0 - np.tanh(z) ** 2", "return 1.0 - z**2")
    assert wrong != SOLUTION
    results = run_autograder(autograder, {f"{EXERCISE}.py": wrong})
    failed = by_status(results, "failed")
    assert failed and all(t["name"].startswith(f"{EXERCISE}: tanh_grad") for t in failed)
    assert 0 < results["score"] < sum(t["max_score"] for t in results["tests"])
    assert all(t["score"] == t["max_score"] for t in by_status(results, "passed"))


def test_a_crashing_submission_scores_zero_with_every_check_failed(autograder: Path) -> None:
    crash = 'raise RuntimeError("<b>boom</b> \\x00 ]]>")\n' + SOLUTION
    results = run_autograder(autograder, {f"{EXERCISE}.py": crash})
    assert results["score"] == 0 and results["tests"]
    assert not by_status(results, "passed")
    # Learner text is shown as typed (text formats), never rendered; its NUL is gone (accepted()).
    assert results["output_format"] == results["test_output_format"] == "text"
    assert any("<b>boom</b>" in t["output"] for t in results["tests"])


def test_a_zeroed_exercise_reports_its_checks_as_failed(autograder: Path) -> None:
    """A refused import that never runs: every check passes, and the score is still zero."""
    zeroed = SOLUTION + "\n\ndef unused():\n    import subprocess\n"
    results = run_autograder(autograder, {f"{EXERCISE}.py": zeroed})
    assert results["score"] == 0 and "subprocess" in results["output"]
    assert len(results["tests"]) > 1 and not by_status(results, "passed")
    assert any("Not scored" in t["output"] for t in results["tests"])


def test_a_binary_file_is_graded_not_a_grader_crash(autograder: Path) -> None:
    results = run_autograder(autograder, {f"{EXERCISE}.py": bytes(range(256)) * 4})
    assert results["score"] == 0 and results["tests"]


def test_a_submission_without_the_file_says_so(autograder: Path) -> None:
    results = run_autograder(autograder, {"notes.txt": "hello", "other.py": SOLUTION})
    assert results["score"] == 0
    assert f"no {EXERCISE}.py in your submission" in results["output"]


def test_the_course_secret_never_reaches_the_learner(autograder: Path) -> None:
    config = autograder / "source" / "neurograde.json"
    spy = (
        "try:\n"
        f"    seen = open({str(config)!r}).read()\n"
        "except OSError as refused:  # where the worker may not read outside its folder\n"
        "    seen = type(refused).__name__\n"
        "raise ValueError('spy saw ' + seen)\n"
    )
    results = run_autograder(autograder, {f"{EXERCISE}.py": spy})
    assert "spy saw " in json.dumps(results)  # it ran, and its text is in the feedback
    assert SECRET not in json.dumps(results)
    assert SECRET not in config.read_text("utf-8")
    assert results["score"] == 0


def test_when_grading_fails_the_learner_gets_zero_and_the_reason(autograder: Path) -> None:
    installed = subprocess.run(
        [
            str(autograder / "venv" / "bin" / "python"),
            "-I",
            "-c",
            "import grader.session as s; print(s.__file__)",
        ],
        capture_output=True,
        text=True,
        cwd=autograder,
        timeout=60,
    ).stdout.strip()
    session = Path(installed)
    original = session.read_bytes()
    session.write_text('raise RuntimeError("forced grader failure")\n', "utf-8")
    try:
        results = run_autograder(autograder, {f"{EXERCISE}.py": SOLUTION})
    finally:
        session.write_bytes(original)
    assert results["score"] == 0 and results["tests"] == []
    assert "forced grader failure" in results["output"]
    assert "not a verdict on your code" in results["output"]


def test_without_a_working_python_results_json_is_still_written(
    autograder: Path, tmp_path: Path
) -> None:
    bare = tmp_path / "autograder"
    (bare / "submission").mkdir(parents=True)
    shutil.copy2(autograder / "run_autograder", bare / "run_autograder")
    results = run_autograder(bare, {f"{EXERCISE}.py": SOLUTION})
    assert results["score"] == 0 and "before it could grade" in results["output"]


def test_a_run_stopped_from_outside_leaves_a_zero_that_says_so(
    autograder: Path, tmp_path: Path
) -> None:
    """As when Gradescope's time limit kills run_autograder in the middle of grading."""
    stopped = tmp_path / "autograder"
    (stopped / "venv" / "bin").mkdir(parents=True)
    shutil.copy2(autograder / "run_autograder", stopped / "run_autograder")
    killer = stopped / "venv" / "bin" / "python"
    killer.write_text("#!/bin/sh\nkill -9 $PPID\n", "utf-8")
    killer.chmod(0o755)
    done = subprocess.run([str(stopped / "run_autograder")], cwd=stopped, env=environment(stopped))
    assert done.returncode == -9
    results = accepted(json.loads((stopped / "results" / "results.json").read_text("utf-8")))
    assert results["score"] == 0 and "stopped before it finished" in results["output"]


def test_setup_installs_the_cpu_build_of_torch_and_the_bundled_source(
    autograder: Path, tmp_path: Path
) -> None:
    """setup.sh's online path, run with apt-get, python3 and pip replaced by recorders."""
    log = tmp_path / "calls.log"
    tools = tmp_path / "bin"
    tools.mkdir()
    recorder = f'#!/usr/bin/env bash\necho "$(basename "$0") $*" >> {log}\n'
    venv_maker = (
        recorder
        + 'if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin"; for t in python neurograde; do\n'
        + f'  cp "{tools}/recorder" "$3/bin/$t"; chmod +x "$3/bin/$t"; done; fi\n'
    )
    for name, text in {"recorder": recorder, "apt-get": recorder, "python3": venv_maker}.items():
        (tools / name).write_text(text, "utf-8")
        (tools / name).chmod(0o755)
    root = tmp_path / "root"
    shutil.copytree(autograder / "source", root / "source")
    done = subprocess.run(
        ["bash", "setup.sh"],
        cwd=root / "source",
        capture_output=True,
        text=True,
        timeout=60,
        env={**environment(root), "PATH": f"{tools}:{os.environ['PATH']}"},
    )
    assert done.returncode == 0, done.stderr
    calls = log.read_text("utf-8").splitlines()
    assert any(c.startswith("apt-get install") and "python3-venv" in c for c in calls)
    torch = next(c for c in calls if "install" in c and " torch" in c)
    assert "--index-url https://download.pytorch.org/whl/cpu" in torch
    source = root / "source" / "neurograde"
    assert any(c.endswith(f"install --no-cache-dir {source}") for c in calls), calls
    assert (source / "pyproject.toml").is_file()
    # the mistakes diagnosed are patches of the solutions (which the learner's code cannot read)
    assert (source / "solutions" / f"{EXERCISE}.py").is_file()


@pytest.mark.slow
def test_a_wheel_install_bundles_the_same_files(tmp_path: Path) -> None:
    """`assign bundle` from an installed wheel (no checkout around) packs the same tree."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md", "grader", "reference", "solutions", "exercises"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, checkout / name)
    wheels, venv = tmp_path / "wheels", tmp_path / "venv"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", str(checkout), "-w", str(wheels)]
    subprocess.run(build, check=True, timeout=300)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", "utf-8")
    install = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
    subprocess.run([*install, *map(str, wheels.glob("*.whl"))], check=True, timeout=300)
    from_wheel = bundled([str(venv / "bin" / "neurograde")], tmp_path / "wheel.zip", cwd=tmp_path)
    assert from_wheel == bundled(
        [sys.executable, "-m", "grader"], tmp_path / "checkout.zip", cwd=ROOT
    )


def bundled(neurograde: list[str], archive: Path, cwd: Path) -> dict[str, int]:
    """Each file of the bundle `neurograde assign bundle` builds, with its CRC."""
    command = [*neurograde, "assign", "bundle", str(archive), "--exercise", EXERCISE]
    built = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    with zipfile.ZipFile(archive) as zipped:
        return {info.filename: info.CRC for info in zipped.infolist()}


def test_the_renderer_on_a_run_of_several_exercises() -> None:
    """Cases the end-to-end runs rarely produce: a zeroed exercise whose checks passed, a
    hidden check's counterexample, control characters, several exercises at once."""
    from grader.render import render
    from grader.result import CheckResult, ExerciseResult, RunResult

    zeroed = ExerciseResult(
        "neuron",
        "cpu",
        checks=[
            CheckResult("forward", "property", True, 1.0, 1.0),
            CheckResult(
                "no-escape-hatches", "static", False, 0.0, 0.0, message="line 3: __globals__"
            ),
            CheckResult("allowed-imports", "static", True, 0.0, 0.0),
        ],
        zeroed_by="line 3: __globals__ reaches into the interpreter",
    )
    graded = ExerciseResult(
        "losses",
        "cpu",
        checks=[
            CheckResult(
                "mse-hidden",
                "hidden",
                False,
                0.0,
                2.0,
                message="wrong\x00\x1b[31m",
                visibility="hidden",
                counterexample="z = [1.5]",
            ),
            CheckResult("mse", "property", True, 2.0, 2.0),
        ],
        misconceptions=["mse-no-mean"],
        duration_s=2.2,
    )
    results = accepted(json.loads(render(RunResult([zeroed, graded]), "gradescope")))
    tests = {t["name"]: t for t in results["tests"]}
    assert "neuron: allowed-imports" not in tests  # a passing gate is noise
    assert tests["neuron: forward"]["status"] == "failed" and tests["neuron: forward"]["score"] == 0
    assert "Not scored" in tests["neuron: forward"]["output"]
    assert "1.5" not in tests["losses: mse-hidden"]["output"]
    assert tests["losses: mse"]["status"] == "passed"
    assert results["execution_time"] == 3 and results["score"] == 2
    assert "Total: 2 / 5" in results["output"] and "mse-no-mean" in results["output"]


COURSE = ROOT / "examples" / "course"
LOGISTIC = (COURSE / "exercises" / "logistic" / "solution.py").read_text("utf-8")


@pytest.fixture(scope="module")
def course_autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An /autograder root built from `neurograde assign bundle --course examples/course`."""
    root = build(tmp_path_factory.mktemp("gradescope-course"), "--course", str(COURSE))
    bundled = root / "source" / "course"
    assert (bundled / "exercises" / "logistic" / "solution.py").read_text("utf-8") == LOGISTIC
    assert (bundled / "quizzes" / "logistic.toml").is_file()
    assert "**solutions**" in (root / "source" / "README.md").read_text("utf-8")
    return root


def scores(results: dict, exercise: str) -> tuple[float, float]:
    """(score, max_score) of one exercise's tests."""
    tests = [t for t in results["tests"] if t["name"].startswith(f"{exercise}: ")]
    return sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)


def test_a_bundled_course_grades_its_own_exercise_with_its_points(
    course_autograder: Path,
) -> None:
    """Two learners (their Gradescope ids seed the hidden cases) both get full marks for a
    correct logistic.py, the course's 30 points; the course's order is the tests' order."""
    for learner in ("1234567", "7654321"):
        results = run_autograder(course_autograder, {"logistic.py": LOGISTIC}, learner=learner)
        assert scores(results, "logistic") == (30, 30), results["output"]
        assert scores(results, "neuron") == (0, 10)
        assert scores(results, "activations") == pytest.approx((0, 20))
        assert results["score"] == 30 and "Total: 30 / 60" in results["output"]
        order = list(dict.fromkeys(t["name"].split(": ")[0] for t in results["tests"]))
        assert order == ["neuron", "logistic", "activations"]


def test_a_bundled_course_names_the_mistake(course_autograder: Path) -> None:
    wrong = LOGISTIC.replace("return sigmoid(X @ w + b)", "return sigmoid(X @ w)")
    assert wrong != LOGISTIC
    results = run_autograder(course_autograder, {"logistic.py": wrong}, learner="1234567")
    score, maximum = scores(results, "logistic")
    assert maximum == 30 and 0 < score < 30
    assert "Likely misconceptions: bias-forgotten" in results["output"]


def landlock() -> bool:
    """Whether this kernel offers landlock, which confines a worker's reads to its folder."""
    from grader.worker import confine

    return confine.landlock_abi() >= 1


@pytest.mark.skipif(not landlock(), reason="reads are confined only with landlock")
def test_a_bundled_course_keeps_its_solutions_from_the_learner(course_autograder: Path) -> None:
    solution = course_autograder / "source" / "course" / "exercises" / "logistic" / "solution.py"
    spy = (
        "try:\n"
        f"    seen = open({str(solution)!r}).read()\n"
        "except OSError as refused:\n"
        "    seen = type(refused).__name__\n"
        "raise ValueError('spy saw ' + seen)\n"
    )
    results = run_autograder(course_autograder, {"logistic.py": spy}, learner="1234567")
    assert "spy saw PermissionError" in json.dumps(results)
    assert "np.exp(-np.abs(z))" not in json.dumps(results) and results["score"] == 0
