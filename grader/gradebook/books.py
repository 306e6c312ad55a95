"""Gradebooks as data: built from stores, read from JSON files, merged.

A gradebook (`neurograde.gradebook/1`) holds, per submission, a summary
(scores per exercise, misconceptions, grader errors) and the full
`neurograde.run/1` result. It is built from a store's rows; JSON gradebooks
written by earlier versions (or with `--format json`) read the same way.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import catalog
from grader.gradebook.store import Row, Store, is_store
from grader.result import RUN_SCHEMA

GRADEBOOK_SCHEMA = "neurograde.gradebook/1"


@dataclass
class Loaded:
    """A gradebook and, when it came from a store, each (submission, exercise)'s source."""

    gradebook: dict[str, Any]
    sources: dict[tuple[str, str], str] | None = None


def exercise_order(names: Iterable[str]) -> list[str]:
    """The course's (or the curriculum's) order, then any other exercise by name."""
    known = {name: i for i, name in enumerate(catalog.available())}
    return sorted(set(names), key=lambda n: (known.get(n, len(known)), n))


def from_rows(rows: Iterable[Row], shards: list[str]) -> dict[str, Any]:
    """The gradebook of stored rows (a failed grade counts zero of the exercise's full marks)."""
    rows = list(rows)
    full = defaultdict(float)
    for row in rows:
        full[row.exercise] = max(full[row.exercise], row.max_score)
    results: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        result = dict(row.result)
        result["max_score"] = result["max_score"] or full[row.exercise]
        if row.status != "graded":
            result["status"] = row.status
        results[row.submission].append(result)
    names = exercise_order(full)
    runs = {}
    for submission, found in sorted(results.items()):
        found.sort(key=lambda r: names.index(r["exercise"]))
        runs[submission] = {
            "schema": RUN_SCHEMA,
            "score": round(sum(r["score"] for r in found), 6),
            "max_score": round(sum(r["max_score"] for r in found), 6),
            "exercises": found,
        }
    return {
        "schema": GRADEBOOK_SCHEMA,
        "exercises": names,
        "shards": sorted(shards),
        "submissions": {s: summary(run) for s, run in runs.items()},
        "results": runs,
    }


def summary(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "score": run["score"],
        "max_score": run["max_score"],
        "exercises": {e["exercise"]: e["score"] for e in run["exercises"]},
        "misconceptions": sorted({m for e in run["exercises"] for m in e["misconceptions"]}),
        "errors": [e["exercise"] for e in run["exercises"] if e.get("status") == "error"],
    }


def from_store(store: Store) -> Loaded:
    rows = list(store.rows())
    sources = {(r.submission, r.exercise): r.source for r in rows if r.source is not None}
    return Loaded(from_rows(rows, store.shards()), sources)


def load(path: Path) -> Loaded:
    """A store or a JSON gradebook."""
    if is_store(path):
        with Store(path) as store:
            return from_store(store)
    book = json.loads(path.read_text("utf-8"))
    if not isinstance(book, dict) or book.get("schema") != GRADEBOOK_SCHEMA:
        found = book.get("schema") if isinstance(book, dict) else type(book).__name__
        raise ValueError(f"{path} is not a neurograde gradebook (schema {found!r})")
    return Loaded(book)


def merge_stores(paths: list[Path], target: Store) -> Loaded:
    """Join shard stores into `target` (a grade stored twice keeps its newer copy)."""
    for path in paths:
        with Store(path) as store:
            target.merge_from(store)
    return from_store(target)


def merge(gradebooks: list[dict[str, Any]]) -> dict[str, Any]:
    """Join JSON gradebooks of the same exercises; a submission in two of them is an error."""
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
        if book.get("exercises") != merged["exercises"]:
            raise ValueError("the gradebooks grade different exercises")
        clash = set(book["submissions"]) & set(merged["submissions"])
        if clash:
            raise ValueError(f"submission {sorted(clash)[0]!r} appears in two gradebooks")
        merged["shards"] += book.get("shards", [])
        merged["submissions"].update(book["submissions"])
        merged["results"].update(book.get("results", {}))
    merged["shards"].sort()
    merged["submissions"] = dict(sorted(merged["submissions"].items()))
    merged["results"] = dict(sorted(merged["results"].items()))
    return merged
