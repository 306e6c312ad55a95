"""The grading step of a release's workflow: one grade, every report GitHub reads.

    python -m grader.release.ci [--junit FILE] [--workspace DIR]

grades every exercise of the course the repository records once, then writes

- the JUnit report to FILE (default `neurograde-junit.xml`);
- the markdown report to the job summary (appended to $GITHUB_STEP_SUMMARY);
- the score as a `::notice` annotation (a workflow command on stdout);
- the points for GitHub Classroom: the step output `result`, base64 of the JSON
  that `classroom-resources/autograding-grading-reporter` decodes from
  `NEUROGRADE_RESULTS` (the workflow names the runner `neurograde`):
  `{"version", "status", "max_score", "tests": [{"name", "status", "score",
  "message"}]}`, the format its runners such as autograding-python-grader
  write, appended to $GITHUB_OUTPUT;

and the text report to stdout for the job's log. Outside GitHub Actions (no
such variables) the summary and the output go nowhere. Exit status as
`neurograde grade`: 0 every check that ran passed, 1 some failed, 2 the
course cannot be read, 3 the grader failed.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from pathlib import Path
from typing import Any

from grader.result import AT_SUBMISSION, RunResult


def classroom(run: RunResult) -> dict[str, Any]:
    """The run as a GitHub Classroom runner's result: one test per check that ran here."""
    tests = []
    for exercise in run.exercises:
        for check in exercise.checks:
            if check.skipped == AT_SUBMISSION:
                continue
            scored = check.points if exercise.zeroed_by is None else 0.0
            test = {
                "name": f"{exercise.exercise}: {check.id}",
                "status": "pass" if check.passed else "fail",
                "score": scored,
            }
            if not check.passed:
                test["message"] = exercise.zeroed_by or check.message
            tests.append(test)
        for error in exercise.errors if exercise.grader_error else ():
            tests.append({"name": f"{exercise.exercise}: grader", "status": "error",
                          "score": 0, "message": error})  # fmt: skip
    status = "error" if run.grader_failed else "pass" if run.passed else "fail"
    return {"version": 1, "status": status, "max_score": run.max_score, "tests": tests}


def encoded(result: dict[str, Any]) -> str:
    """The step output's value: base64 of the compact JSON (one line, as the reporter reads)."""
    return base64.b64encode(json.dumps(result, separators=(",", ":")).encode()).decode()


def annotation(run: RunResult) -> str:
    """The score as a workflow command (`::notice`), its data escaped as GitHub requires."""
    deferred = sum(1 for e in run.exercises for c in e.checks if c.skipped == AT_SUBMISSION)
    later = f"; {deferred} checks run at submission" if deferred else ""
    message = f"neurograde: {run.score:g} / {run.max_score:g} points{later}"
    escaped = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::notice title=neurograde score::{escaped}"


def _append(variable: str, text: str) -> None:
    target = os.environ.get(variable)
    if target:
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.release.ci", description=__doc__)
    parser.add_argument("--junit", type=Path, default=Path("neurograde-junit.xml"))
    parser.add_argument("--workspace", type=Path, default=None)
    options = parser.parse_args(argv)

    from grader import catalog
    from grader.course import CourseError
    from grader.render import render
    from grader.session import GradeRequest, exit_status, grade_all
    from grader.workspace import Workspace

    try:
        names = catalog.available()
        for name in names:
            catalog.load(name)
    except CourseError as error:
        print(f"neurograde: {error}", file=sys.stderr)
        return 2
    workspace = Workspace.find(options.workspace)
    workspace.keep_hypothesis_here()
    run = grade_all(GradeRequest(names=names, workspace=workspace.root), record=False)
    options.junit.write_text(render(run, "junit"), encoding="utf-8")
    _append("GITHUB_STEP_SUMMARY", render(run, "markdown"))
    _append("GITHUB_OUTPUT", f"result={encoded(classroom(run))}\n")
    sys.stdout.write(render(run, "text"))
    print(annotation(run))
    return exit_status(run)


if __name__ == "__main__":
    sys.exit(main())
