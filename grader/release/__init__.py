"""A course's release: the learners' repository, and how neurograde recognises one.

`neurograde assign release --course DIR OUT` (`grader.release.write`) writes
the repository learners clone: their stubs, the course's public folder under
`course/` (no solution, no reference, no mutants), its public cases
(`grader.release.cases`) and a workflow that grades on every push
(`grader.release.ci`). Its root holds `neurograde.toml`, which records the
course: every command run in the repository (or below it) serves that course,
as if `--course` named it, so learners never type it. `--course` and
$NEUROGRADE_COURSE still win.
"""

from __future__ import annotations

from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

POINTER = "neurograde.toml"
"""The file at a release's root that records its course (`course = "course"`)."""

COURSE_FOLDER = "course"
"""Where a release keeps the course's public folder."""


def recorded_course(start: Path | None = None) -> Path | None:
    """The course the nearest `neurograde.toml` from `start` (default: here) upwards records."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        pointer = folder / POINTER
        if pointer.is_file():
            try:
                recorded = tomllib.loads(pointer.read_text("utf-8")).get("course")
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                return None
            return (folder / recorded).resolve() if isinstance(recorded, str) else None
    return None
