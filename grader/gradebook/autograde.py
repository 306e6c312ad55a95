"""Grading a whole course: each learner folder's exercises, graded in parallel into a store.

Each folder of SUBMISSIONS_DIR is one learner's workspace (its name is the
learner id). What the store already holds with the same key (file, grader
version, secret) is not graded again; everything else is planned as tasks,
graded by a pool of warm grader processes, and written to the store as each
one finishes.
"""

from __future__ import annotations

import functools
import hashlib
import os
import uuid
from collections import defaultdict
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from grader.gradebook.pool import Pool, Reply, Task
from grader.gradebook.progress import Progress
from grader.gradebook.shards import Shard
from grader.gradebook.store import Key, Row, Store, file_sha256, secret_hash
from grader.paths import ROOT
from grader.result import RESULT_SCHEMA

MAX_STORED_SOURCE = 1_000_000
NOT_GRADING = {("grader", "gradebook"), ("grader", "quiz")}


def submissions(directory: Path) -> list[Path]:
    """Every learner's workspace: the sub-folders of `directory`, in name order."""
    return sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))


@functools.cache
def grader_version() -> str:
    """The package's version and a digest of the code that decides grades.

    A changed check, reference, worker or scorer is a new grader (its grades
    are redone); reports, exports and quizzes are not part of a grade.
    """
    digest = hashlib.sha256()
    for folder in ("grader", "reference"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative.parts[:2] in NOT_GRADING:
                continue
            digest.update(str(relative).encode())
            digest.update(path.read_bytes())
    return f"{metadata.version('neurograde')}+{digest.hexdigest()[:12]}"


def current_secret() -> str:
    from grader.runner import PUBLIC_SEED

    return os.environ.get("NEUROGRADE_SECRET") or PUBLIC_SEED


@dataclass
class Outcome:
    """What one run did (its id names its rows in the store's history)."""

    run: str
    graded: int = 0
    errors: int = 0
    up_to_date: int = 0


@dataclass(frozen=True)
class _Planned:
    task: Task
    key: Key
    source: str | None


def plan(
    directory: Path, names: list[str], shard: Shard, store: Store, regrade: bool
) -> tuple[list[_Planned], int]:
    """The tasks this run must grade, and how many stored grades are already up to date."""
    stored = store.keys()
    version, secret = grader_version(), secret_hash(current_secret())
    planned, up_to_date = [], 0
    for workspace in shard.select(submissions(directory)):
        for name in names:
            path = workspace / f"{name}.py"
            key = Key(file_sha256(path), version, secret)
            found = stored.get((workspace.name, name))
            if not regrade and found is not None and found[0] == key and found[1] != "error":
                up_to_date += 1
                continue
            planned.append(_Planned(Task(workspace.name, name, workspace), key, _source(path)))
    return planned, up_to_date


def _source(path: Path) -> str | None:
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return handle.read(MAX_STORED_SOURCE).decode("utf-8", errors="replace")


def autograde(
    directory: Path,
    names: list[str],
    shard: Shard,
    store: Store,
    pool: Pool,
    progress: Progress,
    regrade: bool = False,
) -> Outcome:
    """Grade what is missing or changed in this shard into `store`."""
    planned, up_to_date = plan(directory, names, shard, store, regrade)
    store.add_shard(str(shard))
    outcome = Outcome(run=uuid.uuid4().hex, up_to_date=up_to_date)
    by_task = {(p.task.submission, p.task.exercise): p for p in planned}
    pending: dict[str, int] = defaultdict(int)
    for item in planned:
        pending[item.task.submission] += 1
    finished: dict[str, list[Row]] = defaultdict(list)
    progress.begin(len(pending), up_to_date, pool.jobs)
    for reply in pool.run(p.task for p in planned):
        item = by_task[(reply.task.submission, reply.task.exercise)]
        row = _row(item, reply)
        store.put(row, outcome.run)
        outcome.graded += 1
        outcome.errors += row.status == "error"
        finished[row.submission].append(row)
        pending[row.submission] -= 1
        if not pending[row.submission]:
            rows = sorted(finished.pop(row.submission), key=lambda r: names.index(r.exercise))
            progress.finished(row.submission, rows)
    progress.end()
    return outcome


def _row(item: _Planned, reply: Reply) -> Row:
    answer, task = reply.answer, reply.task
    if answer["status"] == "error":
        result = error_result(task.exercise, answer["error"], answer.get("max_score", 0.0))
        return Row(
            task.submission, task.exercise, item.key, "error", 0.0, result["max_score"], result
        )
    result = answer["result"]
    source = item.source if answer["status"] == "graded" else None
    return Row(
        task.submission,
        task.exercise,
        item.key,
        answer["status"],
        result["score"],
        result["max_score"],
        result,
        source,
    )


def error_result(exercise: str, error: str, max_score: float) -> dict[str, Any]:
    """A `neurograde.result/1` for a submission the grader failed on: zero, with the reason."""
    return {
        "schema": RESULT_SCHEMA,
        "exercise": exercise,
        "score": 0.0,
        "max_score": max_score,
        "device": "cpu",
        "duration_s": 0.0,
        "checks": [],
        "misconceptions": [],
        "errors": [f"the grader failed on this submission: {error}"],
    }
