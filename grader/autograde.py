"""Grading a whole course: many submissions, in parallel, in shards, into one gradebook.

Each folder of SUBMISSIONS_DIR is one learner's workspace. `--shard i/n`
keeps every n-th submission starting at the i-th (in name order), so a CI
matrix of n machines grades a course between them; `merge` joins their
gradebooks. Each grade runs in its own grader process with its own worker.
"""

from __future__ import annotations

import csv
import io
import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GRADEBOOK_SCHEMA = "neurograde.gradebook/1"


@dataclass(frozen=True)
class Shard:
    """The i-th of n shards (1-based)."""

    index: int = 1
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise ValueError(f"--shard must look like 2/5, not {text!r}") from None
        if not 1 <= index <= count:
            raise ValueError(f"--shard {text}: the index must be between 1 and {count}")
        return cls(index, count)

    def select(self, items: list[Path]) -> list[Path]:
        return items[self.index - 1 :: self.count]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def submissions(directory: Path) -> list[Path]:
    """Every learner's workspace: the sub-folders of `directory`, in name order."""
    return sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))


def grade_submission(workspace: Path, names: list[str]) -> dict[str, Any]:
    """One learner's `neurograde.run/1` result for `names` (missing files score zero)."""
    from grader.session import GradeRequest, grade_all

    run = grade_all(GradeRequest(names=names, workspace=workspace), record=False)
    return {
        "schema": "neurograde.run/1",
        "score": run.score,
        "max_score": run.max_score,
        "exercises": [e.to_json() for e in run.exercises],
    }


def autograde(directory: Path, names: list[str], shard: Shard, jobs: int) -> dict[str, Any]:
    """The gradebook of this shard of the course."""
    chosen = shard.select(submissions(directory))
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        runs = list(pool.map(grade_submission, chosen, [names] * len(chosen)))
    return {
        "schema": GRADEBOOK_SCHEMA,
        "exercises": names,
        "shards": [str(shard)],
        "submissions": {path.name: _summary(run) for path, run in zip(chosen, runs, strict=True)},
        "results": {path.name: run for path, run in zip(chosen, runs, strict=True)},
    }


def _summary(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "score": run["score"],
        "max_score": run["max_score"],
        "exercises": {e["exercise"]: e["score"] for e in run["exercises"]},
        "misconceptions": sorted({m for e in run["exercises"] for m in e["misconceptions"]}),
    }


def merge(gradebooks: list[dict[str, Any]]) -> dict[str, Any]:
    """Join shard gradebooks of the same exercises; a submission graded twice is an error."""
    if not gradebooks:
        raise ValueError("nothing to merge")
    merged: dict[str, Any] = {
        "schema": GRADEBOOK_SCHEMA,
        "exercises": gradebooks[0].get("exercises", []),
        "shards": [],
        "submissions": {},
        "results": {},
    }
    for book in gradebooks:
        if book.get("schema") != GRADEBOOK_SCHEMA:
            raise ValueError(f"not a neurograde gradebook (schema {book.get('schema')!r})")
        if book.get("exercises") != merged["exercises"]:
            raise ValueError("the gradebooks grade different exercises")
        clash = set(book["submissions"]) & set(merged["submissions"])
        if clash:
            raise ValueError(f"submission {sorted(clash)[0]!r} appears in two gradebooks")
        merged["shards"] += book.get("shards", [])
        merged["submissions"].update(book["submissions"])
        merged["results"].update(book.get("results", {}))
    merged["submissions"] = dict(sorted(merged["submissions"].items()))
    merged["results"] = dict(sorted(merged["results"].items()))
    return merged


def load(path: Path) -> dict[str, Any]:
    """A gradebook written with `--format json`."""
    return json.loads(path.read_text("utf-8"))


def as_csv(gradebook: dict[str, Any]) -> str:
    """One row per submission: total, maximum, each exercise's score, misconceptions."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = gradebook["exercises"]
    writer.writerow(["submission", "score", "max_score", *names, "misconceptions"])
    for submission, row in gradebook["submissions"].items():
        scores = [row["exercises"].get(name, 0.0) for name in names]
        writer.writerow(
            [submission, row["score"], row["max_score"], *scores, " ".join(row["misconceptions"])]
        )
    return out.getvalue()


def dump(gradebook: dict[str, Any], fmt: str) -> str:
    return as_csv(gradebook) if fmt == "csv" else json.dumps(gradebook, indent=2) + "\n"
