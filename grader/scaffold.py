"""`neurograde assign new NAME --course DIR`: a course exercise that validates at once.

It writes `exercises/NAME/` with a tiny complete exercise (one function, its
domain, special values, hidden cases and one named mistake) for the
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

CHECKS = '''"""The checks of {name}: one row per function, and the mistakes learners make."""

import numpy as np

from grader.checks.base import Fn, Mutant, calls
from grader.checks.strategies import hidden_array, unary
from grader.course import exercise


def hidden_input(rng: np.random.Generator):
    """One hidden call, drawn from the course secret's generator: (args, kwargs)."""
    return (hidden_array(rng),), {{}}


# A mistake is the function as a learner would get it wrong; `calls(...)` is a probe:
# a learner who answers it like the mistake (and not like the solution) is told why.
def relu_leaky(z):
    return np.where(z > 0, z, 0.1 * z)


EXERCISE = exercise(
    title="ReLU (replace with your exercise)",
    checks=[
        Fn(
            "relu",
            unary(),  # random arrays of any shape: one hypothesis strategy of (args, kwargs)
            hidden_input,
            special=(((np.array([-2.0, -0.0, 0.0, 3.0]),), {{}}),),
            special_title="the kink at 0",
        ),
    ],
    mutants=[
        Mutant(
            "relu-keeps-negatives",
            "relu",
            relu_leaky,
            calls("relu", np.array([-2.0, 1.0])),
            "relu lets a fraction of negative inputs through: that is leaky ReLU. "
            "ReLU is exactly 0 for z <= 0.",
        ),
    ],
    hints=["np.maximum works elementwise on whole arrays."],
)
'''

HINTS = """# Hints per function, from a nudge to a recipe (`neurograde hint {name}`).
relu = [
  "Compare each element with 0: which one do you keep?",
  "np.maximum(z, 0.0) does it for the whole array at once.",
]
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
    for file, template in (("solution.py", SOLUTION), ("checks.py", CHECKS), ("hints.toml", HINTS)):
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
