"""`neurograde assign new NAME --course DIR`: a course exercise that validates at once.

It writes `exercises/NAME/` with a tiny complete exercise (one function, its
domain, special values, hidden cases, and one named mistake in mutants.toml) for the
instructor to replace, and lists it in `course.toml` (written when missing).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from grader.course import COURSE_FILE, CourseError

SOLUTION = '''"""{name}: ReLU, the example `neurograde assign new` starts from. Replace it with yours.

Everything outside the BEGIN/END SOLUTION markers is what the learner gets;
with the markers' content kept, this file is also the reference the grader
compares the learner's code with.
"""

import numpy as np


def relu(z: np.ndarray) -> np.ndarray:
    """max(0, z) elementwise. z: any shape; returns the same shape, floats."""
    # BEGIN SOLUTION
    return np.maximum(z, 0.0)
    # END SOLUTION
'''

CHECKS = '''"""The checks of {name}: one row per function; its mistakes are in mutants.toml."""

import numpy as np

from grader.engine import Case, Row, calls, domain, exercise


@domain
def relu_call(pick):
    """One call relu(z), z an array of any small shape: hypothesis draws (and shrinks) it
    for the visible check, the course secret's generator for the hidden one."""
    return (pick.array(pick.shape()),), {{}}


EXERCISE = exercise(
    title="ReLU (replace with your exercise)",
    checks=[
        Row(
            "relu",
            relu_call,
            special=[Case((np.array([-2.0, -0.0, 0.0, 3.0]),), advice="ReLU is 0 for z <= 0.")],
        ),
    ],
    # A probe per mistake (mutants.toml): a learner who answers it like the mistake (and not
    # like the solution) is told its explanation.
    probes={{"relu-keeps-negatives": calls("relu", np.array([-2.0, 1.0]))}},
)
'''

MUTANTS = """# The mistakes learners make in {name}, as patches of solution.py: each [[mutant]] replaces
# `find` (exactly once, inside `function`) by `replace`. A family is one mistake; add members
# for the different ways learners make it. `neurograde assign validate` proves each is caught.

[family.relu-keeps-negatives]
explanation = "relu lets a fraction of negative inputs through: that is leaky ReLU. ReLU is exactly 0 for z <= 0."

[[mutant]]
family = "relu-keeps-negatives"
function = "relu"
find = "np.maximum(z, 0.0)"
replace = "np.where(z > 0, z, 0.1 * z)"
"""

HINTS = """# Hints per function, from a nudge to a recipe (`neurograde hint {name}`).
relu = [
  "Compare each element with 0: which one do you keep?",
  "np.maximum(z, 0.0) does it for the whole array at once.",
]

# General hints, for a file that does not run yet.
[general]
hints = ["np.maximum works elementwise on whole arrays."]

# Check titles by id: rows title their checks themselves; these replace them.
[titles]
relu-special-values = "relu is right on the kink at 0"
"""

COURSE = """[course]
name = "{title}"
id = "{id}"

[[exercise]]
name = "{name}"
points = 10
"""

ENTRY = """
[[exercise]]
name = "{name}"
points = 10
"""


def scaffold(root: Path, name: str, builtin: Iterable[str]) -> list[Path]:
    """Write `root/exercises/name/` (and course.toml, or an entry in it); the files written."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise CourseError(name, None, "an exercise name is lower case letters, digits and _")
    if name in set(builtin):
        raise CourseError(name, None, "is a built-in exercise: list it in course.toml instead")
    folder = root / "exercises" / name
    if folder.exists():
        raise CourseError(folder, None, "already exists")
    course = root / COURSE_FILE
    if course.is_file() and re.search(rf'^name\s*=\s*"{name}"', course.read_text("utf-8"), re.M):
        raise CourseError(course, "exercise.name", f"{name!r} is already listed")
    folder.mkdir(parents=True)
    written = []
    files = {
        "solution.py": SOLUTION,
        "checks.py": CHECKS,
        "mutants.toml": MUTANTS,
        "hints.toml": HINTS,
    }
    for file, template in files.items():
        (folder / file).write_text(template.format(name=name), "utf-8")
        written.append(folder / file)
    if course.is_file():
        with course.open("a", encoding="utf-8") as toml:
            toml.write(ENTRY.format(name=name))
    else:
        ident = re.sub(r"[^a-z0-9_-]", "-", root.resolve().name.lower()) or "course"
        course.write_text(COURSE.format(title=root.resolve().name, id=ident, name=name), "utf-8")
    written.append(course)
    return written
