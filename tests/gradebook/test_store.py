"""The result store: keyed rows, one transaction each, history of replaced scores, merging."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from grader.gradebook import books
from grader.gradebook.store import Key, Row, Store, file_sha256, is_store, secret_hash

KEY = Key("f" * 64, "0.1.0+abc", secret_hash("s3cret"))


def row(
    submission: str,
    exercise: str,
    score: float,
    at: float = 0.0,
    status: str = "graded",
    result: dict | None = None,
) -> Row:
    result = result or {
        "schema": "neurograde.result/1",
        "exercise": exercise,
        "score": score,
        "max_score": 10.0,
        "checks": [],
        "misconceptions": [],
        "errors": [],
    }
    return Row(submission, exercise, KEY, status, score, 10.0, result, "x = 1\n", at)


def test_each_result_is_committed_at_once_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    store = Store(path)
    store.put(row("alice", "activations", 7.5), run="r1")
    with contextlib.closing(sqlite3.connect(path)) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        found = other.execute("SELECT submission, score FROM results").fetchall()
    assert found == [("alice", 7.5)], "committed before the next grade starts"
    assert store.keys() == {("alice", "activations"): (KEY, "graded")}
    assert is_store(path)
    store.close()


def test_a_replaced_score_is_kept_in_history(tmp_path: Path) -> None:
    with Store(tmp_path / "g.sqlite") as store:
        store.put(row("alice", "activations", 7.5), run="r1")
        store.put(row("alice", "activations", 10.0), run="r2")
        store.put(row("bob", "activations", 3.0), run="r2")
        assert [(c.submission, c.before, c.after) for c in store.history("r2")] == [
            ("alice", 7.5, 10.0)
        ]
        assert [r.score for r in store.rows()] == [10.0, 3.0]


def test_merging_keeps_the_newer_grade_and_every_shard(tmp_path: Path) -> None:
    with Store(tmp_path / "a.sqlite") as a, Store(tmp_path / "b.sqlite") as b:
        a.add_shard("1/2")
        b.add_shard("2/2")
        a.put(row("alice", "activations", 5.0, at=1.0), "r")
        b.put(row("alice", "activations", 9.0, at=2.0), "r")
        b.put(row("bob", "activations", 1.0, at=2.0), "r")
    with Store(tmp_path / "m.sqlite") as merged:
        loaded = books.merge_stores([tmp_path / "b.sqlite", tmp_path / "a.sqlite"], merged)
    book = loaded.gradebook
    assert book["shards"] == ["1/2", "2/2"]
    assert {s: r["score"] for s, r in book["submissions"].items()} == {"alice": 9.0, "bob": 1.0}
    assert loaded.sources == {("alice", "activations"): "x = 1\n", ("bob", "activations"): "x = 1\n"}


def test_a_grader_error_scores_zero_of_the_exercises_full_marks(tmp_path: Path) -> None:
    from grader.gradebook.autograde import error_result

    failed = error_result("activations", "the grader process was killed by signal SIGKILL", 0.0)
    with Store(tmp_path / "g.sqlite") as store:
        store.put(row("alice", "activations", 10.0), "r")
        store.put(row("bob", "activations", 0.0, status="error", result=failed), "r")
        book = books.from_store(store).gradebook
    assert book["submissions"]["bob"] == {
        "score": 0.0,
        "max_score": 10.0,
        "exercises": {"activations": 0.0},
        "misconceptions": [],
        "errors": ["activations"],
    }
    assert "killed by signal SIGKILL" in book["results"]["bob"]["exercises"][0]["errors"][0]


def test_the_secret_is_not_recoverable_from_its_hash_and_keys_see_files(tmp_path: Path) -> None:
    assert "s3cret" not in secret_hash("s3cret") and secret_hash("s3cret") != secret_hash("other")
    path = tmp_path / "activations.py"
    assert file_sha256(path) == ""
    path.write_text("a = 1\n")
    first = file_sha256(path)
    path.write_text("a = 2\n")
    assert file_sha256(path) not in ("", first)


def test_a_store_of_another_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    Store(path).close()
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    with pytest.raises(ValueError, match="schema 99"):
        Store(path)


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "grades.json"
    path.write_text('{"schema": "neurograde.gradebook/1"}' + " " * 200)
    with pytest.raises(ValueError, match="not a gradebook store"):
        Store(path)
