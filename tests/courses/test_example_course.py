"""The example course grades as a course must: validate, grade, autograde, hint, quiz, docs."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader import catalog
from grader.runner import Options, grade
from grader.validate import validate

from .conftest import EXAMPLE, neurograde

SOLUTION = EXAMPLE / "exercises" / "logistic" / "solution.py"


def test_its_own_exercise_validates_solution_full_stub_zero_each_mistake_named(example) -> None:
    findings = list(validate(["logistic"]))
    assert all(f.ok for f in findings), [f for f in findings if not f.ok]
    subjects = [f.subject for f in findings]
    assert subjects[:2] == ["solution", "stub"]
    mutants = catalog.load("logistic").mutants
    assert [s.removeprefix("mutant ") for s in subjects[2:]] == [m.id for m in mutants]
    assert len(mutants) >= 10 and len({m.misconception for m in mutants}) >= 3


def test_a_mutant_grade_names_the_mistake_and_explains_it(example, tmp_path: Path) -> None:
    path = tmp_path / "logistic.py"
    path.write_text(
        SOLUTION.read_text("utf-8").replace(
            "X.T @ delta / len(y), float(np.mean(delta))", "X.T @ delta, float(delta.sum())"
        ),
        "utf-8",
    )
    result = grade("logistic", path, Options())
    assert 0 < result.score < result.max_score == 30
    assert result.misconceptions == ["gradient-not-averaged"]
    failed = {c.id for c in result.checks if not c.passed}
    assert "gradients-matches-reference" in failed and "sigmoid-hidden" not in failed
    explained = next(c for c in result.checks if c.id == "gradients-matches-reference")
    assert "Likely cause: gradients sums over the samples" in explained.message


def test_the_learners_stub_is_generated_from_the_solution_and_holds_none_of_it(
    example, tmp_path: Path
) -> None:
    stub = catalog.stub_text("logistic")
    assert "neurograde grade logistic" in stub and "NotImplementedError" in stub
    inside, secret = False, []
    for line in SOLUTION.read_text("utf-8").splitlines():
        if line.strip() in ("# BEGIN SOLUTION", "# END SOLUTION"):
            inside = not inside
        elif inside:
            secret.append(line.strip())
    assert secret and not [line for line in secret if line in stub]


def test_the_cli_validates_the_whole_course_quizzes_included() -> None:
    done = neurograde("assign", "validate", "--course", str(EXAMPLE))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok   logistic: solution (30/30)" in done.stdout
    assert "ok   neuron: solution (10/10)" in done.stdout
    assert "ok   quiz:logistic: answer keys (4 questions)" in done.stdout


def test_autograde_of_two_submissions_under_the_course(tmp_path: Path) -> None:
    good, bad = tmp_path / "subs" / "ada", tmp_path / "subs" / "bob"
    good.mkdir(parents=True)
    bad.mkdir()
    (good / "logistic.py").write_text(SOLUTION.read_text("utf-8"), "utf-8")
    (bad / "logistic.py").write_text(
        SOLUTION.read_text("utf-8").replace("sigmoid(X @ w + b)", "sigmoid(X @ w)"), "utf-8"
    )
    done = neurograde(
        "autograde",
        str(tmp_path / "subs"),
        "--jobs",
        "2",
        "--store",
        str(tmp_path / "gradebook.sqlite"),
        NEUROGRADE_COURSE=str(EXAMPLE),
    )
    assert done.returncode == 0, done.stderr
    rows = {row["submission"]: row for row in csv.DictReader(io.StringIO(done.stdout))}
    assert list(rows["ada"])[3:6] == ["neuron", "logistic", "activations"]
    assert float(rows["ada"]["logistic"]) == 30.0 and float(rows["ada"]["max_score"]) == 60.0
    assert 0 < float(rows["bob"]["logistic"]) < 30.0
    assert rows["bob"]["misconceptions"] == "bias-forgotten"


def test_init_grade_hint_docs_and_list_serve_the_course(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    course = ("--course", str(EXAMPLE))
    done = neurograde("init", str(ws), *course)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in ws.glob("*.py")) == ["activations.py", "logistic.py", "neuron.py"]
    graded = neurograde("grade", "logistic", "--workspace", str(ws), *course)
    assert graded.returncode == 1 and "0 / 30" in graded.stdout
    hint = neurograde("hint", "logistic", "--workspace", str(ws), *course)
    assert "Hint 1/2: For z = -1000" in hint.stdout  # from exercises/logistic/hints.toml
    docs = neurograde("docs", "logistic", *course)
    assert "predict_proba(X: numpy.ndarray, w: numpy.ndarray, b: float)" in docs.stdout
    listed = neurograde("list", "--workspace", str(ws), *course).stdout
    assert "quiz:logistic" in listed and "quiz:cnn" not in listed and "cnn " not in listed


def test_the_quiz_serves_the_courses_own_topic(tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text(
        '"logistic/one-neuron" = true\n"logistic/gradient-at-z" = "a"\n'
        '"logistic/boundary" = "a"\n"logistic/mean-gradient" = 0.2\n',
        "utf-8",
    )
    done = neurograde(
        "quiz",
        "logistic",
        "--answers",
        str(answers),
        "--workspace",
        str(tmp_path),
        NEUROGRADE_COURSE=str(EXAMPLE),
    )
    assert done.returncode in (0, 1), done.stderr  # the choices' order is drawn per seed
    assert "Quiz: Logistic regression as one neuron" in done.stdout
    assert "right  logistic/one-neuron" in done.stdout
    assert "right  logistic/mean-gradient" in done.stdout


def test_the_release_holds_the_courses_stubs_and_no_solution_line(tmp_path: Path) -> None:
    done = neurograde("assign", "release", str(tmp_path / "out"), "--course", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["README.md", "activations.py", "logistic.py", "neuron.py"]
    stub = (tmp_path / "out" / "logistic.py").read_text("utf-8")
    assert "raise NotImplementedError" in stub and "np.clip(p, eps, 1.0 - eps)" not in stub


def test_solutions_are_shown_only_where_the_course_says_so(tmp_path: Path) -> None:
    done = neurograde("solution", "neuron", "--workspace", str(tmp_path), "--course", str(EXAMPLE))
    assert done.returncode == 1 and "does not show its solutions" in done.stderr


def test_the_quiz_listing_is_the_courses_choice() -> None:
    done = neurograde("quiz", "--course", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert "2 topics, 13 questions" in done.stdout and "logistic" in done.stdout
