"""The learner-sized text report: limits for every exercise, failures first, the next step."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import catalog
from grader.render import render
from grader.render.text import render_text
from grader.result import CheckResult, ExerciseResult, RunResult
from grader.runner import Options, grade

NEURON_MAX = f"{sum(c.points for c in catalog.load('neuron').checks):g}"  # neuron's full marks

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = catalog.available()
STUB_LINES, SYNTAX_LINES, FULL_MARKS_LINES = 12, 8, 6


def text(*results: ExerciseResult, width: int = 100) -> str:
    """The compact report of these results at `width` columns, without colour."""
    return render_text(RunResult(list(results)), lambda line, **style: line, width=width)


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ExerciseResult]:
    """Every exercise's untouched stub, graded for real."""
    return {
        name: grade(name, ROOT / "exercises" / f"{name}.py", Options(max_examples=2))
        for name in EXERCISES
    }


@pytest.mark.parametrize("name", EXERCISES)
def test_an_untouched_stub_fits_in_12_lines_and_names_what_to_write(
    name: str, stubs: dict[str, ExerciseResult]
) -> None:
    report = text(stubs[name])
    lines = report.splitlines()
    assert len(lines) <= STUB_LINES, report
    assert lines[0].startswith(f"{name} — ") and lines[0].endswith(f"0 / {stubs[name].max_score:g}")
    functions = catalog.load(name).functions
    for function in functions:
        assert function in report
    assert "not written yet: " + functions[0] in report
    assert lines[-1] == f"next: write {functions[0]} — neurograde docs {name}"
    assert "not run" not in report and "NotImplementedError" not in report


@pytest.mark.parametrize("name", EXERCISES)
def test_a_syntax_error_is_shown_once_with_its_line_and_a_caret(name: str, tmp_path: Path) -> None:
    source = (ROOT / "solutions" / f"{name}.py").read_text("utf-8").splitlines()
    at = next(i for i, line in enumerate(source) if line.strip() == "# BEGIN SOLUTION")
    source[at] = "    total = (1 +"
    path = tmp_path / f"{name}.py"
    path.write_text("\n".join(source) + "\n", "utf-8")
    report = text(grade(name, path, Options()))
    lines = report.splitlines()
    assert len(lines) <= SYNTAX_LINES, report
    assert f"line {at + 1}" in lines[1] and "does not parse" in lines[1]
    code = next(n for n, line in enumerate(lines) if line.endswith("total = (1 +"))
    assert lines[code].lstrip().startswith(f"{at + 1} |")
    caret = lines[code + 1]
    assert caret.rstrip().endswith("^") and caret.index("^") == lines[code].index("(")
    assert report.count("does not parse") == 1


def full_marks(name: str) -> ExerciseResult:
    """What a grade with every check passed holds (the static and smoke checks included)."""
    exercise = catalog.load(name)
    result = ExerciseResult(name, "cpu", title=exercise.title)
    for check_id, kind in [("syntax", "static"), ("allowed-imports", "static"),
                           ("imports-cleanly", "smoke"), ("signatures", "smoke")]:  # fmt: skip
        result.checks.append(CheckResult(check_id, kind, True, 0.0, 0.0))
    for check in exercise.checks:
        result.checks.append(CheckResult(check.id, check.kind, True, check.points, check.points))
    return result


@pytest.mark.parametrize("name", EXERCISES)
def test_full_marks_fit_in_6_lines_and_point_to_the_next_exercise(name: str) -> None:
    result = full_marks(name)
    report = text(result)
    lines = report.splitlines()
    assert len(lines) <= FULL_MARKS_LINES, report
    assert f"all {len(result.checks) - 4} checks passed" in report
    following = EXERCISES[EXERCISES.index(name) + 1] if name != EXERCISES[-1] else None
    if following:
        assert lines[-1] == f"next: {following} — neurograde grade {following}"
    else:
        assert (
            lines[-1].startswith("next: every exercise is done") and "neurograde quiz" in lines[-1]
        )


def test_a_real_full_marks_grade_is_as_short(tmp_path: Path) -> None:
    path = tmp_path / "neuron.py"
    path.write_text((ROOT / "solutions" / "neuron.py").read_text("utf-8"), "utf-8")
    report = text(grade("neuron", path, Options()))
    assert len(report.splitlines()) <= FULL_MARKS_LINES
    assert (
        f"{NEURON_MAX} / {NEURON_MAX}" in report
        and "next: activations — neurograde grade activations" in report
    )


def test_two_mistakes_show_failures_first_and_passes_in_one_line(tmp_path: Path) -> None:
    source = (ROOT / "solutions" / "activations.py").read_text("utf-8")
    source = source.replace("z > 0).astype", "z >= 0).astype")
    source = source.replace("shifted = z - np.max(z, axis=axis, keepdims=True)", "shifted = z")
    path = tmp_path / "activations.py"
    path.write_text(source, "utf-8")
    result = grade("activations", path, Options())
    report = text(result)
    lines = report.splitlines()
    assert lines[0].endswith(f"{result.score:g} / 28") and result.score < 28
    assert lines[1] == "  failing: relu_grad, softmax"
    assert "PASS" not in report
    for function, mistake in [("relu_grad", "relu_grad gives 1 at z = 0"),
                              ("softmax", "softmax overflows")]:  # fmt: skip
        block = report[report.index(f"  {function}: ") :]
        assert "checks failed" in block.splitlines()[0]
        assert mistake in block
    assert "    input:    relu_grad(array(" in report
    assert "    expected: " in report and "    received: " in report
    assert sum("passed: " in line for line in lines) == 1
    assert lines[-1] == "next: fix relu_grad first (stuck? neurograde hint activations)"
    assert len(lines) <= 30


def test_values_are_cut_to_the_width_and_learner_text_is_defused() -> None:
    wide = "array([[" + ", ".join(["1.5"] * 80) + "],\n       [" + ", ".join(["2.5"] * 80) + "]])"
    result = ExerciseResult("neuron", "cpu", title="The neuron")
    result.checks.append(
        CheckResult(
            "dense_forward-matches-reference", "property", False, 0.0, 1.0,
            "dense_forward raised ValueError: \x1b[2Jgotcha\rhidden", counterexample=f"dense_forward({wide})",
        )
    )  # fmt: skip
    report = text(result, width=60)
    assert all(len(line) <= 60 for line in report.splitlines()), report
    value = [line for line in report.splitlines() if "1.5, 1.5" in line or "2.5, 2.5" in line]
    assert (
        len(value) == 2 and value[0].startswith("    input:    ") and value[1].startswith(" " * 14)
    )
    assert value[0].endswith("…")
    assert "\x1b" not in report and "\r" not in report and "\\x1b[2Jgotcha\\rhidden" in report


def test_verbose_lists_every_check() -> None:
    report = render(RunResult([full_marks("losses")]), "text", verbose=True)
    assert report.count("PASS") == len(full_marks("losses").checks)


def test_a_failure_reads_what_then_input_then_expected_and_received_then_cause(
    tmp_path: Path,
) -> None:
    path = tmp_path / "neuron.py"
    source = (ROOT / "solutions" / "neuron.py").read_text("utf-8")
    wrong = source.replace("return float(np.dot(w, x) + b)", "return float(np.dot(w, x))")
    assert wrong != source
    path.write_text(wrong, "utf-8")
    lines = [line.strip() for line in text(grade("neuron", path, Options())).splitlines()]
    order = [
        next(i for i, line in enumerate(lines) if line.startswith(label))
        for label in ("weighted_sum-", "input:", "expected:", "received:", "likely cause:")
    ]
    assert order == sorted(order), lines
