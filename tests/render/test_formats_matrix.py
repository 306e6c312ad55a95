"""Every stub and a set of broken files, in every format, alone and with `--all`.

Each file is graded once, for real, and its one `RunResult` rendered in all
six formats, each read by its consumer (`consumers.py`). Every mutant of every
exercise goes through the same check in `tests/grading/test_exercise_contract.py`,
which grades them already. A handful of real `neurograde grade` runs prove the
exit statuses; a grader failure inside one exercise is reported as that
exercise's error, the others still graded, exit 3.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader import catalog, session
from grader.engine import Verdict, Wrong
from grader.render import FORMATS
from grader.result import RunResult
from grader.runner import Options, grade
from grader.session import GradeRequest, exit_status, grade_all, run_grades

ROOT = Path(__file__).resolve().parents[2]
NAMES = catalog.available()
NUMPY_NAMES = [n for n in NAMES if not catalog.uses_torch(n)]

HOSTILE = (
    "<img src=x onerror=\"document.title='PWNED'\"> </script><script>document.title='PWNED'"
    "</script> ]]> \x00\x01\x02\x03\x04\x05\x06\x07\x08 __dunder__ *star* a | b `tick` &amp; <module>"
)
"""Learner text that is markup in every format, and characters XML 1.0 forbids."""

RAISE = re.compile(r"raise NotImplementedError\([^)]*\)")


def stub(name: str) -> str:
    return (ROOT / "exercises" / f"{name}.py").read_text("utf-8")


def every_function(name: str, body: str) -> str:
    """The stub with every function's body replaced by `body` (one line)."""
    return f"HOSTILE = {HOSTILE!r}\n" + RAISE.sub(body, stub(name))


BROKEN = {
    "syntax-error": lambda name: f"# {HOSTILE!r}\ndef broken(:\n    return {HOSTILE!r}\n",
    "raises-at-import": lambda name: f"print({HOSTILE!r})\nraise RuntimeError({HOSTILE!r})\n",
    "raises-everywhere": lambda name: every_function(name, "raise ValueError(HOSTILE)"),
    "prints-and-returns-markup": lambda name: every_function(
        name, "print(HOSTILE); return HOSTILE"
    ),
    "returns-hostile-repr": lambda name: (
        "class Evil:\n    def __repr__(self):\n        return HOSTILE\n\n"
        + every_function(name, "return Evil()")
    ),
    "hangs": lambda name: every_function(name, "raise ValueError(HOSTILE)").replace(
        "raise ValueError(HOSTILE)", "while True: pass", 1
    ),
}
"""kind -> the file's text for an exercise."""

CASES = [
    *[(kind, name) for kind in ("raises-everywhere",) for name in NAMES],
    *[(kind, "activations") for kind in ("syntax-error", "raises-at-import")],
    *[("prints-and-returns-markup", name) for name in ("activations", "backprop")],
    ("returns-hostile-repr", "losses"),
    ("hangs", "neuron"),
]


@pytest.mark.parametrize("name", NAMES)
def test_every_stub_in_every_format(name: str, every_format) -> None:
    result = grade(name, ROOT / "exercises" / f"{name}.py", Options())
    assert result.score == 0 and result.grader_error is None
    every_format(RunResult([result]))


@pytest.mark.parametrize(("kind", "name"), CASES, ids=[f"{k}:{n}" for k, n in CASES])
def test_broken_file_in_every_format(kind: str, name: str, tmp_path: Path, every_format) -> None:
    path = tmp_path / f"{name}.py"
    path.write_text(BROKEN[kind](name), "utf-8")
    result = grade(name, path, Options(timeout_s=0.5 if kind == "hangs" else None))
    assert result.score == 0 and result.grader_error is None
    assert not result.passed
    outputs = every_format(RunResult([result]))
    if kind in ("raises-everywhere", "raises-at-import"):
        # the learner's text reached the report, escaped
        assert "onerror" in outputs["json"]
        assert "&lt;img src=x onerror=" in outputs["html"]
        assert "&lt;img src=x onerror=" in outputs["junit"]
        assert r"\<img src=x onerror=" in outputs["markdown"]


def test_a_run_of_every_stub_in_every_format(tmp_path: Path, every_format) -> None:
    """Several exercises in one report (what --all renders), one of them graded from a broken file."""
    (tmp_path / "activations.py").write_text(BROKEN["raises-everywhere"]("activations"), "utf-8")
    (tmp_path / "losses.py").write_text(stub("losses"), "utf-8")
    run = grade_all(GradeRequest(NUMPY_NAMES, tmp_path), record=False)
    assert [e.exercise for e in run.exercises] == NUMPY_NAMES
    assert exit_status(run) == 1
    every_format(run)


# -- a grader failure in one exercise -----------------------------------------------------


@pytest.fixture
def broken_check(monkeypatch: pytest.MonkeyPatch) -> str:
    """gradient_descent's first check fails inside the grader: its body's message is not text."""
    exercise = catalog.load("gradient_descent")

    def run(ctx: object) -> Verdict:
        return Verdict(False, Wrong("a Wrong where a message belongs"))  # type: ignore[arg-type]

    checks = (dataclasses.replace(exercise.checks[0], run=run), *exercise.checks[1:])
    patched = dataclasses.replace(exercise, checks=checks)
    real = catalog.load
    monkeypatch.setattr(catalog, "load", lambda n: patched if n == "gradient_descent" else real(n))
    return "gradient_descent"


def test_a_grader_failure_is_that_exercises_error_and_exit_3(
    broken_check: str, graded_once: None, tmp_path: Path, every_format, consumers
) -> None:
    names = ["neuron", broken_check, "losses"]
    for name in names:
        (tmp_path / f"{name}.py").write_text(stub(name), "utf-8")
    run = grade_all(GradeRequest(names, tmp_path), record=False)
    failed, others = run.exercises[1], [run.exercises[0], run.exercises[2]]
    assert failed.grader_error is not None and failed.errors == [failed.grader_error]
    assert "TypeError" in failed.grader_error and "please report it" in failed.grader_error
    assert all(c.skipped and not c.passed for c in failed.checks)
    for other in others:
        assert other.grader_error is None and other.checks and other.max_score > 0
        assert any(c.skipped is None for c in other.checks)  # they were graded
    assert exit_status(run) == session.GRADER_FAILED
    outputs = every_format(run)
    assert "grader-error" in outputs["junit"]
    for fmt in ("junit", "html"):
        output = tmp_path / f"report.{fmt}"
        request = GradeRequest(names, tmp_path, fmt=fmt, output=output)
        assert run_grades(request, color=False) == 3
        consumers.assert_valid(fmt, output.read_text("utf-8"))


def test_a_message_is_text_by_construction() -> None:
    from grader.result import CheckResult

    with pytest.raises(TypeError, match=r"Verdict\.message must be a str, not Wrong"):
        Verdict(False, Wrong("x"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Wrong\.message"):
        Wrong(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"CheckResult\.message"):
        CheckResult("c", "property", False, 0.0, 1.0, Wrong("x"))  # type: ignore[arg-type]
    made = CheckResult("c", "property", False, 0.0, 1.0, "text")
    with pytest.raises(TypeError, match=r"CheckResult\.counterexample"):
        made.counterexample = 3  # type: ignore[assignment]
    made.message += "\nLikely cause: fine"  # text stays text


# -- command lines ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A broken activations, an untouched gradient_descent (the issue's report), nothing else."""
    workspace = tmp_path_factory.mktemp("hostile")
    (workspace / "activations.py").write_text(BROKEN["raises-everywhere"]("activations"), "utf-8")
    (workspace / "gradient_descent.py").write_text(stub("gradient_descent"), "utf-8")
    return workspace


GRADES: dict[tuple[str, bytes], object] = {}
"""(exercise, file content) -> its grade, shared by the command-line runs below."""


@pytest.fixture
def graded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each file is graded once for all the runs (grades are reproducible; rendering is what varies)."""

    def remembered(name: str, path: Path, options: Options):
        key = (name, path.read_bytes())
        if key not in GRADES:
            GRADES[key] = grade(name, path, options)
        return GRADES[key]

    monkeypatch.setattr(session, "grade", remembered)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_command_in_every_format(
    fmt: str, hostile_workspace: Path, graded_once: None, consumers
) -> None:
    """`neurograde grade` alone and `--all` (click's runner, in this process: the same command)."""
    from click.testing import CliRunner

    from grader.cli import main

    for args in (["gradient_descent"], ["activations", "gradient_descent"], ["--all"]):
        done = CliRunner().invoke(
            main, ["grade", *args, "--workspace", str(hostile_workspace), "--format", fmt]
        )
        assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
        assert done.exit_code == 1, (args, done.output[-2000:])
        consumers.assert_valid(fmt, done.stdout)
        shown = consumers.gfm_html(done.stdout) if fmt == "markdown" else done.stdout
        assert all(name in shown for name in (NAMES if args == ["--all"] else args))


def test_the_installed_command(hostile_workspace: Path, consumers) -> None:
    """The console script itself, in a process of its own: exit 1, a valid report, no traceback."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            "--all",
            "--workspace",
            str(hostile_workspace),
            "--format",
            "text",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    consumers.assert_valid("text", done.stdout)
