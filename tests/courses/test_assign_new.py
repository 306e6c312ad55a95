"""`assign new` scaffolds an exercise that validates at once; `assign validate` names what fails."""

from __future__ import annotations

from pathlib import Path

from grader.course import load_course

from .conftest import neurograde


def test_new_then_validate_passes_at_once_and_a_second_exercise_is_listed(tmp_path: Path) -> None:
    course = tmp_path / "my-course"
    made = neurograde("assign", "new", "scaled", "--course", str(course))
    assert made.returncode == 0, made.stderr
    assert {p.name for p in (course / "exercises" / "scaled").iterdir()} == {
        "solution.py",
        "checks.py",
        "mutants.toml",
        "hints.toml",
    }
    assert neurograde("assign", "new", "second", "--course", str(course)).returncode == 0
    assert [e.name for e in load_course(course, ()).exercises] == ["scaled", "second"]
    done = neurograde("assign", "validate", "--course", str(course))
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("scaled", "second"):
        assert f"ok   {name}: solution (10/10)" in done.stdout
        assert f"ok   {name}: stub (0/10)" in done.stdout
        assert f"ok   {name}: mutant relu-keeps-negatives#1" in done.stdout


def test_new_refuses_a_built_in_name_a_bad_name_and_an_existing_exercise(tmp_path: Path) -> None:
    for name, why in (("neuron", "built-in"), ("Bad-Name", "lower case"), ("ok", "already exists")):
        if name == "ok":
            assert neurograde("assign", "new", "ok", "--course", str(tmp_path)).returncode == 0
        done = neurograde("assign", "new", name, "--course", str(tmp_path))
        assert done.returncode == 2 and why in done.stderr, (name, done.stderr)


def test_validate_names_what_fails(tmp_path: Path) -> None:
    assert neurograde("assign", "new", "tiny", "--course", str(tmp_path)).returncode == 0
    folder = tmp_path / "exercises" / "tiny"
    checks, mutants = folder / "checks.py", folder / "mutants.toml"
    # a "mistake" that is no mistake: never caught
    mutants.write_text(mutants.read_text("utf-8").replace("0.1 * z", "0.0 * z"), "utf-8")
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "broken.toml").write_text('topic = "broken"\n', "utf-8")
    done = neurograde("assign", "validate", "--course", str(tmp_path))
    assert done.returncode == 1
    assert "ok   tiny: solution (10/10)" in done.stdout
    assert (
        "FAIL tiny: mutant relu-keeps-negatives#1 (10/10, no scored check failed, not diagnosed)"
        in done.stdout
    )
    assert (
        f"FAIL quiz:broken: answer keys ({tmp_path / 'quizzes' / 'broken.toml'}: broken.toml:"
        in (done.stdout)
    )
    # a data file beside checks.py that cannot be used is named, with its entry
    good = mutants.read_text("utf-8")
    mutants.write_text(good.replace('function = "relu"', 'function = "relux"'), "utf-8")
    done = neurograde("assign", "validate", "--course", str(tmp_path))
    assert f"FAIL tiny: declaration ({mutants}: mutant 1 (relu-keeps-negatives#1): no " in done.stdout
    mutants.write_text(good, "utf-8")
    hints = folder / "hints.toml"
    hints.write_text(hints.read_text("utf-8") + 'relu-typo = "a title"\n', "utf-8")
    done = neurograde("assign", "validate", "--course", str(tmp_path))
    assert f"FAIL tiny: declaration ({hints}: titles.relu-typo: names no check" in done.stdout
    checks.write_text("EXERCISE = None\n", "utf-8")
    done = neurograde("assign", "validate", "--course", str(tmp_path))
    assert done.returncode == 1
    assert f"FAIL tiny: declaration ({folder / 'checks.py'}: EXERCISE: must be set" in done.stdout
