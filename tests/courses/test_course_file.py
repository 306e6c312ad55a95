"""course.toml: what it chooses, and errors that name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import catalog
from grader.course import CourseError, load_course

from .conftest import EXAMPLE, neurograde


def write(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "course.toml").write_text(toml, "utf-8")
    return tmp_path


def error_of(tmp_path: Path, toml: str) -> str:
    with pytest.raises(CourseError) as caught:
        load_course(write(tmp_path, toml), catalog.builtin())
    assert str(tmp_path / "course.toml") in str(caught.value)
    return str(caught.value)


@pytest.mark.parametrize(
    ("toml", "key", "why"),
    [
        ('[course]\nnme = "x"\n[[exercise]]\nname = "neuron"\n', "course.nme", "unknown key"),
        ('[[exercise]]\nname = "neuron"\npoint = 3\n', "exercise[1].point", "unknown key"),
        ('[[exercise]]\nname = "neuron"\n[quizzes]\ntopic = []\n', "quizzes.topic", "unknown"),
        ('[[exercise]]\nname = "attention"\n', "exercise[1].name", "unknown exercise 'attention'"),
        (
            '[[exercise]]\nname = "neuron"\n[[exercise]]\nname = "neuron"\n',
            "exercise[2].name",
            "listed twice",
        ),
        ('[[exercise]]\nname = "neuron"\npoints = -1\n', "exercise[1].points", "positive"),
        ('[[exercise]]\nname = "cnn"\ndevice = "tpu"\n', "exercise[1].device", "one of"),
        ('[[exercise]]\nname = "neuron"\ntimeout_s = "5"\n', "exercise[1].timeout_s", "seconds"),
        ('[course]\nname = "x"\n', "exercise", "at least one"),
        (
            '[[exercise]]\nname = "neuron"\n[quizzes]\ntopics = ["a", "a"]\n',
            "quizzes.topics",
            "twice",
        ),
        (
            '[[exercise]]\nname = "neuron"\n[release]\nsolutions = true\n',
            "release.solutions",
            "unknown",
        ),
    ],
)
def test_a_bad_course_file_names_the_file_and_the_key(
    tmp_path: Path, toml: str, key: str, why: str
) -> None:
    message = error_of(tmp_path, toml)
    assert f": {key}: " in message and why in message


def test_unreadable_toml_and_a_missing_file_are_errors_naming_the_file(tmp_path: Path) -> None:
    assert "cannot be read as TOML" in error_of(tmp_path, "[[exercise]\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CourseError, match=r"course\.toml: missing"):
        load_course(empty, ())


def test_an_unknown_quiz_topic_names_the_key(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path, '[[exercise]]\nname = "neuron"\n[quizzes]\ntopics = ["neurons", "nope"]\n')
    monkeypatch.setenv("NEUROGRADE_COURSE", str(tmp_path))
    with pytest.raises(CourseError, match=r"course.toml: quizzes.topics: unknown topic 'nope'"):
        catalog.bank()


def test_the_cli_refuses_a_bad_course_as_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, '[[exercise]]\nname = "neuron"\nweight = 3\n')
    for args in (["list"], ["grade", "neuron"], ["assign", "validate"]):
        done = neurograde(*args, "--course", str(tmp_path))
        assert done.returncode == 2, (args, done.stderr)
        assert "course.toml: exercise[1].weight: unknown key" in done.stderr
    done = neurograde("list", NEUROGRADE_COURSE=str(tmp_path))
    assert done.returncode == 2 and "exercise[1].weight" in done.stderr


def test_the_course_chooses_order_points_and_limits(example) -> None:
    assert catalog.available() == ["neuron", "logistic", "activations"]
    for name, points in (("neuron", 10), ("logistic", 30), ("activations", 20)):
        assert sum(c.points for c in catalog.load(name).checks) == pytest.approx(points)
    assert catalog.timeout_s("logistic") == 5.0
    assert catalog.timeout_s("neuron") == 10.0
    assert "torch" not in catalog.allowed_imports("logistic")
    assert list(catalog.bank().topics) == ["neurons", "logistic"]


def test_without_a_course_the_built_in_curriculum_is_served() -> None:
    assert catalog.course() is None
    assert catalog.available()[0] == "neuron" and "cnn" in catalog.available()
    assert sum(c.points for c in catalog.load("neuron").checks) == len(
        catalog.load("neuron").checks
    )


def test_a_course_may_force_a_device_and_set_limits(tmp_path: Path, monkeypatch) -> None:
    from grader.session import resolve_device

    write(
        tmp_path,
        '[[exercise]]\nname = "cnn"\ndevice = "cpu"\ntimeout_s = 7\nmemory_mb = 4096\n'
        '[[exercise]]\nname = "neuron"\nimports = ["torch"]\n',
    )
    monkeypatch.setenv("NEUROGRADE_COURSE", str(tmp_path))
    assert resolve_device("cnn", "cuda") == "cpu"
    assert catalog.settings("cnn").timeout_s == 7.0
    assert catalog.memory_mb("cnn") == 4096 and catalog.memory_mb("cnn", "cuda") is None
    assert catalog.uses_torch("neuron") and "torch" in catalog.allowed_imports("neuron")


def test_the_example_course_file_is_the_one_documented() -> None:
    served = load_course(EXAMPLE, catalog.builtin())
    assert served.id == "nn-example"
    own = [e.name for e in served.exercises if e.folder is not None]
    assert own == ["logistic"]


def test_a_courses_hidden_cases_are_seeded_by_its_id_too(example, monkeypatch) -> None:
    from grader.engine import Context
    from grader.session import GradeRequest, options_for

    monkeypatch.setenv("NEUROGRADE_SECRET", "s3cret")
    monkeypatch.delenv("NEUROGRADE_LEARNER", raising=False)
    secret = options_for("logistic", GradeRequest(["logistic"], Path("."))).hidden_seed()
    assert secret == "s3cret:nn-example"

    def draw(secret: str) -> float:
        return Context("logistic", None, None, secret).rng("fit-hidden").random()  # type: ignore[arg-type]

    assert draw(secret) != draw("s3cret")
    monkeypatch.delenv("NEUROGRADE_COURSE")
    assert options_for("neuron", GradeRequest(["neuron"], Path("."))).hidden_seed() == "s3cret"
