"""A warm grader process: imports the engine once, then grades one task per request.

`python -m grader.gradebook.grading` reads JSON lines on stdin, each
`{"submission", "exercise", "workspace", "timeout_s", "device"}`, and answers one JSON line per
request on its original stdout: `{"status": "graded"|"missing", "result"}` or
`{"status": "error", "error", "max_score"}` when the grader itself failed on that
submission. Anything printed while grading goes to stderr, never into the replies.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

Answer = Callable[[dict[str, Any]], dict[str, Any]]
# courses.md: in autograde the learner id (which seeds per-learner hidden cases) is the
# submission folder's name; elsewhere the engine reads it from this variable.
LEARNER_VARIABLE = "NEUROGRADE_LEARNER"


def grade_task(task: dict[str, Any]) -> dict[str, Any]:
    """One exercise of one submission, graded as `neurograde grade` would (nothing recorded)."""
    from grader.session import GradeRequest, grade_all

    name = task["exercise"]
    os.environ[LEARNER_VARIABLE] = task["submission"]
    request = GradeRequest(
        names=[name],
        workspace=Path(task["workspace"]),
        device=task.get("device", "auto"),
        timeout_s=task.get("timeout_s"),
    )
    result = grade_all(request, record=False).exercises[0]
    status = "graded" if (request.workspace / f"{name}.py").is_file() else "missing"
    return {"status": status, "result": result.to_json()}


def max_score(name: str) -> float:
    """The exercise's full marks, for a submission the grader failed on."""
    try:
        from grader import catalog

        return round(sum(c.points for c in catalog.load(name).checks), 6)
    except Exception:
        return 0.0


def answer_safely(answer: Answer, task: dict[str, Any]) -> dict[str, Any]:
    try:
        return answer(task)
    except Exception as error:
        where = traceback.format_exception(type(error), error, error.__traceback__, limit=-3)
        return {
            "status": "error",
            "error": f"{type(error).__name__}: {error}",
            "traceback": "".join(where),
            "max_score": max_score(task["exercise"]),
        }


def serve(answer: Answer = grade_task) -> None:
    """Answer requests until stdin closes (or SIGTERM), each reply one line."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    for line in sys.stdin:
        reply = answer_safely(answer, json.loads(line))
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    serve()
