"""`neurograde autograde`: a course into a result store, resumed, sharded, merged, regraded, exported."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

QUICK = {"NEUROGRADE_EXAMPLES": "3"}


@pytest.fixture(scope="module")
def course(gb: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """Four learners graded once into `gradebook.sqlite` (the default store) in `cwd`."""
    cwd = tmp_path_factory.mktemp("autograde")
    solution = gb.solution("activations")
    gb.write_course(
        cwd / "subs",
        {
            "alice": {"activations": solution},
            "bob": {"activations": gb.stub("activations")},
            "carol": {"activations": solution.replace("z > 0).astype", "z >= 0).astype")},
            "dave": {},
        },
    )
    done = gb.neurograde("autograde", "subs", "--exercise", "activations", "--jobs", "2", cwd=cwd, env=QUICK)
    assert done.returncode == 0, done.stderr
    return SimpleNamespace(cwd=cwd, csv=done.stdout, log=done.stderr)


def sql(store: Path, statement: str) -> list[tuple]:
    """One statement on a store, committed, the connection closed."""
    with contextlib.closing(sqlite3.connect(store)) as db, db:
        return db.execute(statement).fetchall()


def rows(text: str) -> dict[str, dict[str, str]]:
    return {row["submission"]: row for row in csv.DictReader(io.StringIO(text))}


def test_gradebook_has_a_row_per_submission_and_a_line_per_finished_one(course) -> None:
    found = rows(course.csv)
    assert sorted(found) == ["alice", "bob", "carol", "dave"]
    assert float(found["alice"]["activations"]) == float(found["alice"]["max_score"]) > 0
    assert float(found["bob"]["score"]) == float(found["dave"]["score"]) == 0.0
    assert found["carol"]["misconceptions"] == "relu-grad-at-zero"
    assert "grading 4 submissions with 2 jobs" in course.log
    assert sum(line.startswith("[") for line in course.log.splitlines()) == 4
    assert not (course.cwd / "subs" / "alice" / ".neurograde").exists(), "submissions untouched"
    assert sql(course.cwd / "gradebook.sqlite", "SELECT count(*) FROM results") == [(4,)]


def copy(course: SimpleNamespace, tmp_path: Path) -> Path:
    """A copy of the graded course and its store, for a test that changes them."""
    shutil.copytree(course.cwd, tmp_path / "copy")
    return tmp_path / "copy"


def test_a_rerun_grades_only_what_changed(gb, course, tmp_path: Path) -> None:
    cwd = copy(course, tmp_path)
    again = gb.neurograde("autograde", "subs", "--exercise", "activations", cwd=cwd, env=QUICK)
    assert "grading 0 submissions" in again.stderr and "4 grades already stored" in again.stderr
    assert rows(again.stdout) == rows(course.csv)
    (cwd / "subs" / "dave" / "activations.py").write_text(gb.solution("activations"))
    changed = gb.neurograde("autograde", "subs", "--exercise", "activations", cwd=cwd, env=QUICK)
    assert "grading 1 submissions" in changed.stderr
    assert "[1/1] dave: activations 28/28" in changed.stderr
    assert rows(changed.stdout)["dave"]["score"] == rows(course.csv)["alice"]["score"]
    sql(cwd / "gradebook.sqlite", "UPDATE results SET secret_hash = 'new' WHERE submission = 'bob'")
    moved = gb.neurograde("autograde", "subs", "--exercise", "activations", cwd=cwd, env=QUICK)
    assert "grading 1 submissions" in moved.stderr and "[1/1] bob: " in moved.stderr


def test_regrade_writes_before_and_after_and_says_who_changed(gb, course, tmp_path: Path) -> None:
    cwd = copy(course, tmp_path)
    sql(cwd / "gradebook.sqlite", "UPDATE results SET score = 1.5 WHERE submission = 'carol'")
    done = gb.neurograde(
        "autograde", "subs", "--exercise", "activations", "--regrade", "--changes", "changes.csv",
        cwd=cwd, env=QUICK,
    )
    assert done.returncode == 0, done.stderr
    assert "regraded 4 grades: 1 changed" in done.stderr
    assert "  carol activations: 1.5 -> 26" in done.stderr
    changes = list(csv.DictReader((cwd / "changes.csv").open()))
    assert [(c["submission"], c["before"], c["after"]) for c in changes if c["change"] != "0.0"] == [
        ("carol", "1.5", "26.0")
    ]
    assert len(changes) == 4
    assert rows(done.stdout) == rows(course.csv)


def test_shard_stores_merge_into_the_whole_gradebook(gb, course) -> None:
    whole = gb.neurograde("autograde", "--merge", "gradebook.sqlite", "--format", "json", cwd=course.cwd)
    stores = []
    for index in (1, 2):
        args = ("autograde", "subs", "--exercise", "activations", "--shard", f"{index}/2", "--quiet")
        shard = gb.neurograde(*args, "--output", f"shard{index}.json", cwd=course.cwd, env=QUICK)
        assert shard.returncode == 0, shard.stderr
        stores.append(f"gradebook-shard{index}of2.sqlite")
    merged = gb.neurograde("autograde", "--merge", *stores, "--output", "merged.json", cwd=course.cwd)
    assert merged.returncode == 0, merged.stderr
    book = json.loads((course.cwd / "merged.json").read_text())
    assert gb.without_timings(book["results"]) == gb.without_timings(json.loads(whole.stdout)["results"])
    assert book["shards"] == ["1/2", "2/2"]
    from_json = gb.neurograde("autograde", "--merge", "shard1.json", "shard2.json", "--format", "json", cwd=course.cwd)
    assert json.loads(from_json.stdout)["submissions"] == book["submissions"]
    clash = gb.neurograde("autograde", "--merge", "shard1.json", "shard1.json", cwd=course.cwd)
    assert clash.returncode == 2 and "appears in two gradebooks" in clash.stderr


def test_lms_exports(gb, course) -> None:
    canvas = gb.neurograde("autograde", "--merge", "gradebook.sqlite", "--format", "canvas", cwd=course.cwd)
    table = list(csv.reader(io.StringIO(canvas.stdout)))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "activations"]
    assert table[1] == ["Points Possible", "", "", "", "", "28"]
    assert table[2] == ["alice", "", "", "alice", "", "28"] and table[4][-1] == "26"
    moodle = gb.neurograde("autograde", "--merge", "gradebook.sqlite", "--format", "moodle", cwd=course.cwd)
    assert moodle.stdout.splitlines()[:2] == ["Username,activations", "alice,28"]
