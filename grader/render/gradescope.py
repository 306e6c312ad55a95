"""Gradescope's `results.json` (https://gradescope-autograders.readthedocs.io/en/latest/specs/).

One Gradescope test per check that carries points or failed (a passing
static/smoke gate is noise). Every text field is declared `text`, so that
Gradescope shows learner-produced text as typed instead of rendering it as
HTML (the top-level default, `simple_format`, would).

Visibility: every test is `visible`. Gradescope hides a student's total score
as soon as one test is `after_due_date` or `after_published`, and a learner
needs the verdict now; a hidden check reveals no input (its output here never
carries a counterexample), so showing its name, points and diagnosis gives
nothing away.
"""

from __future__ import annotations

import math
import re
from typing import Any

from grader.result import CheckResult, ExerciseResult, RunResult

# Gradescope stores outputs in text columns: NUL and the other C0 controls
# (tabs and newlines aside) and lone surrogates are refused or shown as junk.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
# Long outputs are folded by Gradescope anyway; a runaway print must not bloat the upload.
MAX_OUTPUT_CHARS = 4000


def gradescope(run: RunResult, execution_time: float | None = None) -> dict[str, Any]:
    """The run as Gradescope's results.json; `execution_time` defaults to the grading time."""
    from grader.render import number

    tests = [
        _test(exercise, check)
        for exercise in run.exercises
        for check in sorted(exercise.checks, key=lambda c: _passed(exercise, c))
        if not (check.max_points == 0 and check.passed)
    ]
    lines = [
        f"{e.exercise}: {number(e.score)} / {number(e.max_score)}"
        + (f" (score zeroed: {e.zeroed_by})" if e.zeroed_by else "")
        for e in run.exercises
    ]
    lines += [f"{e.exercise}: {error}" for e in run.exercises for error in e.errors]
    causes = sorted({m for e in run.exercises for m in e.misconceptions})
    if causes:
        lines.append(f"Likely misconceptions: {', '.join(causes)}")
    if len(run.exercises) > 1:
        lines.append(f"Total: {number(run.score)} / {number(run.max_score)}")
    if execution_time is None:
        execution_time = sum(e.duration_s for e in run.exercises)
    return results(
        score=run.score, output="\n".join(lines), tests=tests, execution_time=execution_time
    )


def results(
    score: float, output: str, tests: list[dict[str, Any]], execution_time: float
) -> dict[str, Any]:
    """A complete results.json document (also the one written when grading itself failed)."""
    return {
        "score": score,
        "execution_time": max(0, math.ceil(execution_time)),
        "output": clean(output),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "tests": tests,
    }


def clean(text: str) -> str:
    """`text` as Gradescope can store and show it: no control characters, bounded length."""
    text = _UNSTORABLE.sub("\N{REPLACEMENT CHARACTER}", text)
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[: MAX_OUTPUT_CHARS - 30] + "\n... (output truncated)"
    return text


def _passed(exercise: ExerciseResult, check: CheckResult) -> bool:
    return check.passed and exercise.zeroed_by is None


def _test(exercise: ExerciseResult, check: CheckResult) -> dict[str, Any]:
    passed = _passed(exercise, check)
    return {
        "name": clean(f"{exercise.exercise}: {check.id}"),
        "name_format": "text",
        "score": check.points if exercise.zeroed_by is None else 0.0,
        "max_score": check.max_points,
        "status": "passed" if passed else "failed",
        "output": clean(_explain(exercise, check)),
        "output_format": "text",
        "tags": [exercise.exercise, check.kind],
        "visibility": "visible",
    }


def _explain(exercise: ExerciseResult, check: CheckResult) -> str:
    parts = [f"What it checks: {check.title}" if check.title else ""]
    if exercise.zeroed_by is not None:
        parts.append(f"Not scored: the exercise's score is zeroed ({exercise.zeroed_by}).")
    parts.append(check.message)
    if check.counterexample and check.visibility != "hidden":
        parts.append(f"Input: {check.counterexample}")
    if check.misconception:
        parts.append(f"Likely cause: {check.misconception}")
    return "\n".join(p for p in parts if p)
