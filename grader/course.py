"""A course: a folder that makes neurograde an instructor's own (`shared/spec/courses.md`).

    my-course/
      course.toml             which exercises and quiz topics, in what order, with what weight
      exercises/NAME/         the course's own exercises: solution.py + checks.py (+ hints.toml)
      quizzes/TOPIC.toml      the course's own quiz topics (the built-in bank's format)

`load_course` reads and checks `course.toml`; every mistake in it is a `CourseError`
naming the file and the key. `load_exercise` turns `exercises/NAME/` into an
`Exercise`: `solution.py` (markers and all) is imported as the reference, and
`checks.py` declares `EXERCISE = grader.engine.exercise(...)`, as a built-in does.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import sys
import types
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.engine.declaration import Exercise
from grader.engine.mutants import MutantError
from grader.engine.texts import TextsError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

COURSE_FILE = "course.toml"
ENVIRONMENT = "NEUROGRADE_COURSE"
DEVICES = ("cpu", "cuda", "auto")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

_TOP_KEYS = {"course", "exercise", "quizzes", "release"}
_COURSE_KEYS = {"name", "id"}
_EXERCISE_KEYS = {"name", "points", "timeout_s", "device", "memory_mb", "imports"}
_QUIZ_KEYS = {"topics"}
_RELEASE_KEYS = {"solutions_after_full_marks"}


class CourseError(ValueError):
    """A course that cannot be used, and where: `FILE: KEY: what is wrong`."""

    def __init__(self, where: Path | str, key: str | None = None, message: str = "") -> None:
        super().__init__(": ".join(str(part) for part in (where, key, message) if part))


@dataclass(frozen=True)
class Entry:
    """One `[[exercise]]` of course.toml: a built-in exercise or one of exercises/."""

    name: str
    folder: Path | None = None  # exercises/NAME for the course's own
    points: float | None = None
    timeout_s: float | None = None
    device: str | None = None
    memory_mb: int | None = None
    imports: tuple[str, ...] = ()


@dataclass(frozen=True)
class Course:
    root: Path
    name: str
    id: str
    exercises: tuple[Entry, ...]
    topics: tuple[str, ...] | None  # None: every built-in topic and every one of quizzes/
    solutions_after_full_marks: bool = False

    @property
    def file(self) -> Path:
        return self.root / COURSE_FILE

    def entry(self, name: str) -> Entry:
        return next(e for e in self.exercises if e.name == name)

    def own_topics(self) -> list[Path]:
        return sorted((self.root / "quizzes").glob("*.toml"))


def load_course(root: Path, builtin: Iterable[str]) -> Course:
    """Read and check `root/course.toml`; `builtin` names the exercises the package has."""
    root = Path(root).resolve()
    path = root / COURSE_FILE
    if not root.is_dir():
        raise CourseError(root, None, "no such course folder")
    if not path.is_file():
        raise CourseError(path, None, "missing (neurograde assign new NAME --course DIR makes one)")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CourseError(path, None, f"cannot be read as TOML: {error}") from None
    _known(path, "", data, _TOP_KEYS)
    head = _table(path, "course", data.get("course", {}))
    _known(path, "course.", head, _COURSE_KEYS)
    name = _typed(path, "course.name", head.get("name", root.name), str)
    course_id = _typed(path, "course.id", head.get("id", root.name), str)
    raw = data.get("exercise", [])
    if not isinstance(raw, list) or not raw:
        raise CourseError(path, "exercise", "list at least one [[exercise]]")
    known = set(builtin)
    entries: list[Entry] = []
    for index, table in enumerate(raw, start=1):
        entries.append(_entry(path, index, _table(path, f"exercise[{index}]", table), known))
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        if entry.name in seen:
            raise CourseError(path, f"exercise[{index}].name", f"{entry.name!r} is listed twice")
        seen.add(entry.name)
    quizzes = _table(path, "quizzes", data.get("quizzes", {}))
    _known(path, "quizzes.", quizzes, _QUIZ_KEYS)
    topics = quizzes.get("topics")
    if topics is not None:
        topics = tuple(_typed(path, "quizzes.topics", topics, list))
        if not all(isinstance(t, str) for t in topics):
            raise CourseError(path, "quizzes.topics", "must be a list of topic names")
        doubled = sorted({t for t in topics if topics.count(t) > 1})
        if doubled:
            raise CourseError(path, "quizzes.topics", f"{doubled[0]!r} is listed twice")
    release = _table(path, "release", data.get("release", {}))
    _known(path, "release.", release, _RELEASE_KEYS)
    after = _typed(
        path,
        "release.solutions_after_full_marks",
        release.get("solutions_after_full_marks", False),
        bool,
    )
    return Course(root, name, course_id, tuple(entries), topics, after)


def _entry(path: Path, index: int, table: dict[str, Any], builtin: set[str]) -> Entry:
    where = f"exercise[{index}]"
    _known(path, f"{where}.", table, _EXERCISE_KEYS)
    if "name" not in table:
        raise CourseError(path, f"{where}.name", "missing")
    name = _typed(path, f"{where}.name", table["name"], str)
    folder = path.parent / "exercises" / name
    if not folder.is_dir():
        folder = None
        if name not in builtin:
            raise CourseError(
                path,
                f"{where}.name",
                f"unknown exercise {name!r}: neither built in ({', '.join(sorted(builtin))}) "
                f"nor a folder exercises/{name}/",
            )
    elif not _NAME.match(name):
        raise CourseError(path, f"{where}.name", f"{name!r}: use lower case, digits and _")
    points = table.get("points")
    if points is not None and (
        isinstance(points, bool) or not isinstance(points, int | float) or points <= 0
    ):
        raise CourseError(path, f"{where}.points", "must be a positive number")
    timeout = table.get("timeout_s")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0
    ):
        raise CourseError(path, f"{where}.timeout_s", "must be a positive number of seconds")
    device = table.get("device")
    if device is not None and device not in DEVICES:
        raise CourseError(path, f"{where}.device", f"must be one of {', '.join(DEVICES)}")
    memory = table.get("memory_mb")
    if memory is not None and (
        not isinstance(memory, int) or isinstance(memory, bool) or memory < 64
    ):
        raise CourseError(path, f"{where}.memory_mb", "must be a whole number of MiB, at least 64")
    imports = table.get("imports", [])
    if not isinstance(imports, list) or not all(isinstance(m, str) for m in imports):
        raise CourseError(path, f"{where}.imports", "must be a list of module names")
    return Entry(
        name,
        folder,
        None if points is None else float(points),
        None if timeout is None else float(timeout),
        device,
        memory,
        tuple(imports),
    )


def _known(path: Path, prefix: str, table: dict[str, Any], keys: set[str]) -> None:
    unknown = sorted(set(table) - keys)
    if unknown:
        raise CourseError(
            path, f"{prefix}{unknown[0]}", f"unknown key (known: {', '.join(sorted(keys))})"
        )


def _table(path: Path, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CourseError(path, key, "must be a table")
    return value


def _typed(path: Path, key: str, value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise CourseError(path, key, f"must be a {kind.__name__}, not {type(value).__name__}")
    return value


# -- the course's own exercises -------------------------------------------------------


def module_name(course: Course, name: str) -> str:
    """The name `exercises/NAME/solution.py` is imported under in the grader process."""
    return f"neurograde_course_{re.sub(r'[^0-9a-zA-Z_]', '_', course.id)}_{name}"


def load_exercise(course: Course, entry: Entry) -> Exercise:
    """`exercises/NAME/` as an Exercise: its solution is the reference, its checks.py the rest."""
    assert entry.folder is not None
    solution, checks = entry.folder / "solution.py", entry.folder / "checks.py"
    if not solution.is_file() and (entry.folder / "stub.py").is_file():
        solution = entry.folder / "stub.py"  # a release: the public cases stand for the reference
    for needed in (solution, checks):
        if not needed.is_file():
            raise CourseError(needed, None, "missing")
    reference = module_name(course, entry.name)
    _import(reference, solution)
    declared = getattr(_import(f"{reference}_checks", checks), "EXERCISE", None)
    if not isinstance(declared, Exercise):
        raise CourseError(checks, "EXERCISE", "must be set to grader.engine.exercise(...)")
    used = dict.fromkeys(n for c in declared.checks for n in c.uses)
    missing = [f for f in [*declared.functions, *used] if not hasattr(sys.modules[reference], f)]
    if missing:
        raise CourseError(solution, missing[0], "is checked by checks.py but not defined here")
    return dataclasses.replace(declared, name=entry.name, reference=reference)


def _import(name: str, path: Path) -> types.ModuleType:
    """Import the file at `path` as module `name` (afresh), or say which file fails and why."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (TextsError, MutantError) as error:  # the file beside checks.py that is wrong
        del sys.modules[name]
        raise CourseError(str(error)) from None  # it names its file and entry itself
    except Exception as error:
        del sys.modules[name]
        raise CourseError(
            path, None, f"cannot be imported: {type(error).__name__}: {error}"
        ) from None
    return module


def rescale(declared: Exercise, total: float) -> Exercise:
    """The exercise with its checks' points scaled so that they add up to `total`."""
    current = sum(c.points for c in declared.checks)
    if current <= 0:
        return declared
    checks = tuple(
        dataclasses.replace(c, points=c.points * total / current) for c in declared.checks
    )
    return dataclasses.replace(declared, checks=checks)
