"""A gradebook written for whoever reads it next: a CSV, JSON, or the CSV an LMS imports.

- `csv`: one row per submission: total, maximum, each exercise, misconceptions, grader errors.
- `json`: the gradebook itself (`neurograde.gradebook/1`).
- `canvas`: Canvas's gradebook import: `Student, ID, SIS User ID, SIS Login ID, Section`,
  one column per exercise, a `Points Possible` row; the learner id is the SIS login.
- `moodle`: Moodle's CSV grade import: a `Username` column to map users by, one column
  per exercise (mapped to grade items on import).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

FORMATS = ("csv", "json", "canvas", "moodle")


def _writer() -> tuple[io.StringIO, Any]:
    out = io.StringIO()
    return out, csv.writer(out, lineterminator="\n")


def _full_marks(gradebook: dict[str, Any]) -> dict[str, float]:
    full = dict.fromkeys(gradebook["exercises"], 0.0)
    for run in gradebook.get("results", {}).values():
        for result in run["exercises"]:
            full[result["exercise"]] = max(full.get(result["exercise"], 0.0), result["max_score"])
    return full


def as_csv(gradebook: dict[str, Any]) -> str:
    out, writer = _writer()
    names = gradebook["exercises"]
    writer.writerow(["submission", "score", "max_score", *names, "misconceptions", "errors"])
    for submission, row in gradebook["submissions"].items():
        scores = [row["exercises"].get(name, 0.0) for name in names]
        writer.writerow(
            [
                submission,
                row["score"],
                row["max_score"],
                *scores,
                " ".join(row["misconceptions"]),
                " ".join(row.get("errors", [])),
            ]
        )
    return out.getvalue()


def as_canvas(gradebook: dict[str, Any]) -> str:
    out, writer = _writer()
    names = gradebook["exercises"]
    full = _full_marks(gradebook)
    writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *names])
    writer.writerow(["Points Possible", "", "", "", "", *(f"{full[n]:g}" for n in names)])
    for learner, row in gradebook["submissions"].items():
        scores = [f"{row['exercises'].get(n, 0.0):g}" for n in names]
        writer.writerow([learner, "", "", learner, "", *scores])
    return out.getvalue()


def as_moodle(gradebook: dict[str, Any]) -> str:
    out, writer = _writer()
    names = gradebook["exercises"]
    writer.writerow(["Username", *names])
    for learner, row in gradebook["submissions"].items():
        writer.writerow([learner, *(f"{row['exercises'].get(n, 0.0):g}" for n in names)])
    return out.getvalue()


def as_json(gradebook: dict[str, Any]) -> str:
    return json.dumps(gradebook, indent=2) + "\n"


WRITERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "csv": as_csv,
    "json": as_json,
    "canvas": as_canvas,
    "moodle": as_moodle,
}


def dump(gradebook: dict[str, Any], fmt: str) -> str:
    return WRITERS[fmt](gradebook)
