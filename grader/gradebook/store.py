"""The result store: one SQLite file per machine (or shard), written as grades complete.

A row is one (submission, exercise), keyed by the learner's file (sha256),
the grader's version and a hash of the secret: a row whose key still matches
is up to date, anything else is graded again. Each result is written in its
own transaction (WAL journal), so a run killed at any moment keeps every
grade it finished. A grade that replaces an earlier one leaves its before
and after in `history` (what `--regrade` reports).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "1"
SQLITE_MAGIC = b"SQLite format 3\x00"

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    submission TEXT NOT NULL,
    exercise TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('graded', 'missing', 'error')),
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    result TEXT NOT NULL,
    source TEXT,
    graded_at REAL NOT NULL,
    PRIMARY KEY (submission, exercise)
);
CREATE TABLE IF NOT EXISTS history (
    run TEXT NOT NULL,
    submission TEXT NOT NULL,
    exercise TEXT NOT NULL,
    before REAL NOT NULL,
    after REAL NOT NULL,
    before_version TEXT NOT NULL,
    after_version TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS shards (shard TEXT PRIMARY KEY);
"""


@dataclass(frozen=True)
class Key:
    """What a stored grade depends on: the learner's file, the grader and the secret."""

    file_sha256: str
    grader_version: str
    secret_hash: str


@dataclass(frozen=True)
class Row:
    """One stored grade (`status`: graded, missing (no file) or error (the grader failed))."""

    submission: str
    exercise: str
    key: Key
    status: str
    score: float
    max_score: float
    result: dict[str, Any]
    source: str | None = None
    graded_at: float = 0.0


@dataclass(frozen=True)
class Change:
    """A score that a new grade replaced."""

    submission: str
    exercise: str
    before: float
    after: float


def file_sha256(path: Path) -> str:
    """The learner file's digest; "" when there is no regular file (a missing submission)."""
    if not path.is_file():
        return ""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def secret_hash(secret: str) -> str:
    """A slow salted hash: a store shared as a CI artifact must not give the secret away."""
    return hashlib.pbkdf2_hmac("sha256", secret.encode(), b"neurograde-gradebook", 100_000).hex()


def is_store(path: Path) -> bool:
    """Whether `path` is a SQLite file (else it is read as a JSON gradebook)."""
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


class Store:
    """A gradebook in SQLite; every method is one short transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=60, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_TABLES)
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise ValueError(f"{path} is not a gradebook store ({error})") from None
        found = self._meta("schema")
        if found is None:
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif found != SCHEMA_VERSION:
            raise ValueError(f"{path}: a gradebook store of schema {found}, not {SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _meta(self, key: str) -> str | None:
        found = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if found is None else found[0]

    def keys(self) -> dict[tuple[str, str], tuple[Key, str]]:
        """(submission, exercise) -> (key, status) of every stored row."""
        rows = self._db.execute(
            "SELECT submission, exercise, file_sha256, grader_version, secret_hash, status "
            "FROM results"
        )
        return {(s, e): (Key(f, v, h), status) for s, e, f, v, h, status in rows}

    def put(self, row: Row, run: str) -> None:
        """Store one grade in its own transaction (a score it replaces goes to history)."""
        with self._transaction():
            before = self._db.execute(
                "SELECT score, grader_version, status FROM results "
                "WHERE submission = ? AND exercise = ?",
                (row.submission, row.exercise),
            ).fetchone()
            self._write(row)
            if before is None or before[2] == "error" or row.status == "error":
                return
            self._db.execute(
                "INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run,
                    row.submission,
                    row.exercise,
                    before[0],
                    row.score,
                    before[1],
                    row.key.grader_version,
                    time.time(),
                ),
            )

    def _write(self, row: Row) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.submission,
                row.exercise,
                row.key.file_sha256,
                row.key.grader_version,
                row.key.secret_hash,
                row.status,
                row.score,
                row.max_score,
                json.dumps(row.result, sort_keys=True),
                row.source,
                row.graded_at or time.time(),
            ),
        )

    def add_shard(self, shard: str) -> None:
        with self._transaction():
            self._db.execute("INSERT OR IGNORE INTO shards VALUES (?)", (shard,))

    def shards(self) -> list[str]:
        return sorted(s for (s,) in self._db.execute("SELECT shard FROM shards"))

    def rows(self) -> Iterator[Row]:
        """Every stored grade, by submission then exercise."""
        for found in self._db.execute(
            "SELECT submission, exercise, file_sha256, grader_version, secret_hash, status, "
            "score, max_score, result, source, graded_at FROM results "
            "ORDER BY submission, exercise"
        ):
            s, e, f, v, h, status, score, max_score, result, source, at = found
            yield Row(s, e, Key(f, v, h), status, score, max_score, json.loads(result), source, at)

    def merge_from(self, other: Store) -> int:
        """Copy `other`'s grades in (the newer grade of a pair wins); the rows taken."""
        taken = 0
        with self._transaction():
            mine = {
                (s, e): at
                for s, e, at in self._db.execute(
                    "SELECT submission, exercise, graded_at FROM results"
                )
            }
            for row in other.rows():
                if mine.get((row.submission, row.exercise), -1.0) < row.graded_at:
                    self._write(row)
                    taken += 1
            for shard in other.shards():
                self._db.execute("INSERT OR IGNORE INTO shards VALUES (?)", (shard,))
        return taken

    def history(self, run: str) -> list[Change]:
        """Every score that the grades of `run` replaced, before and after."""
        return [
            Change(s, e, before, after)
            for s, e, before, after in self._db.execute(
                "SELECT submission, exercise, before, after FROM history "
                "WHERE run = ? ORDER BY submission, exercise",
                (run,),
            )
        ]

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *rest: object) -> None:
        self._db.execute("ROLLBACK" if kind is not None else "COMMIT")
