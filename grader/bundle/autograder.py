"""One Gradescope submission: find the learner's files, grade them, write results.json.

`python -m grader.bundle.autograder ROOT` (ROOT is Gradescope's `/autograder`):
reads the bundle's `source/neurograde.json` (and serves the bundled course,
`source/course/`, when it names one), finds each exercise's file in
`submission/` (at the top or in any sub-folder: learners upload folders),
grades them on the CPU and writes `results/results.json`. When grading itself
fails, the file still holds a score of zero and the reason, and the traceback
goes to stdout, which Gradescope shows to instructors only.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from grader.bundle import CONFIG

IGNORED_FOLDERS = {"__MACOSX", "__pycache__"}


def main(argv: list[str]) -> int:
    root = Path(argv[0] if argv else os.environ.get("NEUROGRADE_AUTOGRADER_ROOT", "/autograder"))
    started = time.monotonic()
    from grader.render.gradescope import results

    try:
        document = grade_submission(root)
    except Exception as error:
        traceback.print_exc(file=sys.stdout)
        document = results(
            score=0.0,
            output=(
                "The autograder failed while grading this submission, so it has no grade yet "
                "(this is not a verdict on your code): please tell your instructor.\n"
                f"Reason: {type(error).__name__}: {error}"
            ),
            tests=[],
            execution_time=0,
        )
    document["execution_time"] = round(time.monotonic() - started)
    write(root / "results" / "results.json", document)
    return 0


def grade_submission(root: Path) -> dict[str, Any]:
    """The submission in `root/submission` graded as Gradescope's results.json."""
    from grader.render.gradescope import clean, gradescope
    from grader.session import GradeRequest, grade_all
    from grader.worker.confine import hide_this_process

    hide_this_process()  # the learner's code may not read the secret from our environment
    names = read_config(root / "source" / CONFIG)  # serves the bundled course, if any
    learner = submitter(root / "submission_metadata.json")
    if learner:
        os.environ["NEUROGRADE_LEARNER"] = learner  # hidden cases seeded per learner
    workspace = root / "workspace"
    notes = gather(root / "submission", names, workspace)
    run = grade_all(GradeRequest(names=names, workspace=workspace, device="cpu"), record=False)
    document = gradescope(run)
    document["output"] = clean("\n".join([*notes, document["output"]]))
    return document


def read_config(path: Path) -> list[str]:
    """The exercises to grade; the course secret, if any, moves into this process's environment
    and out of the file before any learner code runs (each submission gets a fresh container).
    A bundled course (the config's `course`, a folder beside it) is served from now on, also
    to the workers (`catalog.use` exports it as $NEUROGRADE_COURSE)."""
    from grader import catalog

    config = json.loads(path.read_text("utf-8"))
    secret = config.pop("secret", None)
    if secret:
        os.environ["NEUROGRADE_SECRET"] = secret
        path.write_text(json.dumps(config, indent=2) + "\n", "utf-8")
    catalog.use(path.parent / config["course"] if config.get("course") else None)
    return list(config["exercises"])


def submitter(metadata: Path) -> str:
    """The submitter's Gradescope id, from the `submission_metadata.json` Gradescope writes
    (a group submission is seeded by its first member); '' when there is none."""
    try:
        users = json.loads(metadata.read_text("utf-8")).get("users") or []
        return str(users[0]["id"]) if users and users[0].get("id") is not None else ""
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return ""


def gather(submission: Path, names: list[str], workspace: Path) -> list[str]:
    """Copy each exercise's file into a fresh `workspace`; notes for the learner on what was used.

    A file may sit in any sub-folder; the shallowest wins (then the first by path).
    Symbolic links are never followed: they could point at the grader's own files.
    """
    shutil.rmtree(workspace, ignore_errors=True)
    workspace.mkdir(parents=True)
    found: dict[str, list[Path]] = {}
    for folder, subfolders, files in os.walk(submission):
        subfolders[:] = sorted(
            d for d in subfolders if d not in IGNORED_FOLDERS and not d.startswith(".")
        )
        for file in files:
            path = Path(folder) / file
            if file.endswith(".py") and file[:-3] in names and not path.is_symlink():
                found.setdefault(file[:-3], []).append(path.relative_to(submission))
    notes = []
    for name in names:
        candidates = sorted(found.get(name, []), key=lambda p: (len(p.parts), p.as_posix()))
        if not candidates:
            notes.append(f"{name}: no {name}.py in your submission (looked in every folder).")
            continue
        chosen = candidates[0]
        shutil.copyfile(submission / chosen, workspace / f"{name}.py")
        if len(candidates) > 1 or len(chosen.parts) > 1:
            others = ", ".join(p.as_posix() for p in candidates[1:])
            notes.append(
                f"{name}: graded {chosen.as_posix()}" + (f" (ignored {others})" if others else "")
            )
    return notes


def write(path: Path, document: dict[str, Any]) -> None:
    """Replace `path` at once, so that it is never seen half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(document, indent=2) + "\n", "utf-8")
    partial.replace(path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
