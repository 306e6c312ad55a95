"""Texts are data beside the declaration: hints.toml gives hints per function, general hints and
check titles, and says which file and key is wrong when it cannot be used."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader import catalog
from grader.course import CourseError
from grader.engine import texts
from grader.release.write import public_hints
from grader.scaffold import scaffold

POSITIVE = '''
def positive(ctx, example):
    (z,), _ = example
    if (ctx.values("relu", [((z,), {})])[0] < 0).any():
        raise Wrong("negative")


'''
HAND_WRITTEN = 'property_check("relu-positive", ["relu"], relu_call.strategy, positive),'


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A scaffolded course with one exercise, `tiny`, served; its modules forgotten after."""
    scaffold(tmp_path, "tiny", catalog.CURRICULUM)
    monkeypatch.setenv("NEUROGRADE_COURSE", str(tmp_path))
    yield tmp_path / "exercises" / "tiny"
    for name in [k for k in sys.modules if k.startswith("neurograde_")]:
        del sys.modules[name]
    catalog._loaded.clear()


def test_titles_and_general_hints_come_from_hints_toml(course: Path) -> None:
    exercise = catalog.load("tiny")
    titles = {check.id: check.title for check in exercise.checks}
    assert titles["relu-special-values"] == "relu is right on the kink at 0"  # from [titles]
    assert titles["relu-hidden"] == "relu agrees with the reference on hidden inputs"  # generated
    assert exercise.hints == ("np.maximum works elementwise on whole arrays.",)
    assert list(exercise.function_hints) == ["relu"]  # the tables are not functions


def test_a_title_for_no_check_names_the_file_and_key(course: Path) -> None:
    hints = course / "hints.toml"
    hints.write_text(hints.read_text("utf-8") + 'relu-typo = "a title"\n', "utf-8")
    with pytest.raises(CourseError, match=rf"^{re.escape(str(hints))}: titles\.relu-typo: names no"):
        catalog.load("tiny")  # hints.toml is named, not the checks.py that read it


def test_a_hand_written_check_needs_a_title(course: Path) -> None:
    checks = course / "checks.py"
    source = checks.read_text("utf-8").replace("import Case,", "import Case, Wrong, property_check,")
    source = source.replace("EXERCISE = ", POSITIVE + "EXERCISE = ")
    checks.write_text(source.replace("checks=[", "checks=[" + HAND_WRITTEN), "utf-8")
    where = re.escape(str(course / "hints.toml"))
    with pytest.raises(CourseError, match=rf"^{where}: titles\.relu-positive: missing"):
        catalog.load("tiny")
    hints = course / "hints.toml"
    hints.write_text(hints.read_text("utf-8") + 'relu-positive = "relu is never negative"\n')
    titles = {check.id: check.title for check in catalog.load("tiny").checks}
    assert titles["relu-positive"] == "relu is never negative"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('relu = "one hint, not a list"\n', "relu: must be a list of strings"),
        ("general = 3\n", "general: must be a table"),
        ("[general]\nhint = ['typo']\n", "general.hint: unknown key"),
        ("[titles]\nrelu-hidden = 3\n", "titles.relu-hidden: must be a string"),
        ("relu = [\n", "cannot be read as TOML"),
    ],
)
def test_a_bad_hints_file_names_its_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "hints.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(texts.TextsError, match=f"{path}: {key}"):
        texts.read(path)


def test_a_release_keeps_the_titles_and_drops_the_hints_that_quote_the_solution(
    tmp_path: Path,
) -> None:
    path = tmp_path / "hints.toml"
    given = texts.Texts(
        {"relu": ["nudge", "return np.maximum(z, 0.0)"], "odd name": ["x"]},
        ("general nudge", "just write return np.maximum(z, 0.0) here"),
        {"relu-special-values": 'the kink "0"'},
    )
    path.write_text(texts.dump(given), "utf-8")
    assert texts.read(path) == given
    public, dropped = public_hints(path, ["returnnp.maximum(z,0.0)"])
    assert dropped == ["relu#2", "general#2"]
    path.write_text(public, "utf-8")
    assert texts.read(path) == texts.Texts(
        {"relu": ["nudge"], "odd name": ["x"]}, ("general nudge",), given.titles
    )
