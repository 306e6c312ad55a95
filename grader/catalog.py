"""The exercises neurograde grades: the built-in curriculum, or a course's.

A built-in exercise is a declaration, `grader/exercises/NAME/checks.py`
(`EXERCISE = exercise(...)`), found by looking, not listed here; importing
one never imports another, so grading a numpy exercise never imports torch.
A course (`--course DIR`, else $NEUROGRADE_COURSE, see `grader.course`) picks
built-in exercises and adds its own, in its order, with its points and limits;
every command asks this module, so every command serves the course the same way.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.course import ENVIRONMENT, Course, CourseError, load_course, load_exercise, rescale
from grader.engine.declaration import Exercise, Limits
from grader.paths import EXERCISES as STUBS
from grader.paths import SOLUTIONS

if TYPE_CHECKING:
    from grader.quiz.bank import Bank

DECLARATIONS = Path(__file__).parent / "exercises"

CURRICULUM = (
    "neuron",
    "activations",
    "losses",
    "backprop",
    "gradient_descent",
    "optimizers",
    "regularization",
    "training_loop",
    "cnn",
)
"""The curriculum's order (curriculum.md); a built-in exercise not in it comes after, a-z."""

PURE_STDLIB = (
    "__future__",
    "abc",
    "bisect",
    "cmath",
    "collections",
    "copy",
    "dataclasses",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "heapq",
    "io",
    "itertools",
    "math",
    "numbers",
    "operator",
    "random",
    "re",
    "statistics",
    "string",
    "textwrap",
    "typing",
    "warnings",
)


@dataclass(frozen=True)
class Settings:
    """How one exercise is run: its limits, which a course may set (course.toml)."""

    torch: bool
    timeout_s: float  # per call of the learner's code
    memory_mb: int  # on the CPU (None on CUDA, see `memory_mb`)
    imports: tuple[str, ...]  # top-level modules the learner's file may import
    device: str | None = None  # forced by the course, else the command's --device


_active: tuple[str | None, Course | None] | None = None
_loaded: dict[tuple[str | None, str], Exercise] = {}
_banks: dict[str | None, Bank] = {}


def use(directory: Path | str | None) -> Course | None:
    """Serve the course in `directory` (None: the built-in curriculum) from now on.

    Also exported as $NEUROGRADE_COURSE, so the processes a command starts
    (autograde's pool) serve the same course. Raises CourseError for a bad course.
    """
    global _active
    if directory is None or str(directory) == "":
        os.environ.pop(ENVIRONMENT, None)
        _active = (None, None)
        return None
    found = load_course(Path(directory), builtin())
    os.environ[ENVIRONMENT] = str(found.root)
    _active = (str(found.root), found)
    return found


def course() -> Course | None:
    """The course served: the one `use` chose, else $NEUROGRADE_COURSE's, else the one a
    release's `neurograde.toml` records (here or above), else None."""
    from grader.release import recorded_course

    wanted = os.environ.get(ENVIRONMENT) or recorded_course()
    wanted = None if wanted is None else str(wanted)
    if _active is None or _active[0] != wanted:
        return use(wanted)
    return _active[1]


def builtin() -> list[str]:
    """The built-in exercises, in the curriculum's order."""
    found = {path.parent.name for path in DECLARATIONS.glob("*/checks.py")}
    return [n for n in CURRICULUM if n in found] + sorted(found - set(CURRICULUM))


def available() -> list[str]:
    """The exercises served, in course (or curriculum) order."""
    served = course()
    return builtin() if served is None else [e.name for e in served.exercises]


def _declaration(name: str) -> Exercise:
    """The built-in exercise `name`, as its package declares it."""
    return importlib.import_module(f"grader.exercises.{name}.checks").EXERCISE


def load(name: str) -> Exercise:
    """The exercise called `name` as the course uses it (KeyError if there is none)."""
    if name not in available():
        raise KeyError(name)
    served = course()
    key = (None if served is None else str(served.root), name)
    if key not in _loaded:
        entry = served.entry(name) if served else None
        if entry is not None and entry.folder is not None:
            declared = load_exercise(served, entry)  # type: ignore[arg-type]
        else:
            declared = _declaration(name)
        if entry is not None and entry.points is not None:
            declared = rescale(declared, entry.points)
        _loaded[key] = declared
    return _loaded[key]


def limits(name: str) -> Limits:
    """The limits `name` declares (a course's own exercise included)."""
    served = course()
    entry = served.entry(name) if served and name in available() else None
    if entry is not None and entry.folder is not None:
        return load(name).limits
    return _declaration(name).limits


def settings(name: str) -> Settings:
    """The limits of `name`: the declared ones, with the course's choices over them."""
    served = course()
    entry = served.entry(name) if served and name in available() else None
    declared = limits(name)
    extra = entry.imports if entry else ()
    torch = declared.torch or "torch" in extra
    own = ("torch",) if torch else ()
    imports = tuple(dict.fromkeys(("numpy", *own, *declared.imports, *extra, *PURE_STDLIB)))
    return Settings(
        torch=torch,
        timeout_s=(entry and entry.timeout_s) or declared.time_s or (60.0 if torch else 10.0),
        memory_mb=(entry and entry.memory_mb) or declared.memory_mb or (6144 if torch else 2048),
        imports=imports,
        device=entry.device if entry else None,
    )


def uses_torch(name: str) -> bool:
    return settings(name).torch


def allowed_imports(name: str) -> tuple[str, ...]:
    """The top-level modules a learner's file for `name` may import."""
    return settings(name).imports


def timeout_s(name: str) -> float:
    """Default time limit for one call of the learner's code."""
    return settings(name).timeout_s


def memory_mb(name: str, device: str = "cpu") -> int | None:
    """Memory the worker may allocate (torch needs more room than numpy).

    None on CUDA: the driver's large host mappings count against RLIMIT_DATA,
    so there the GPU's own memory is the limit.
    """
    return None if device == "cuda" else settings(name).memory_mb


def solution_file(name: str) -> Path:
    """The complete file of `name`, markers and all: `solutions/` or the course's folder."""
    served = course()
    entry = served.entry(name) if served and name in available() else None
    if entry is not None and entry.folder is not None:
        return entry.folder / "solution.py"
    return SOLUTIONS / f"{name}.py"


def stub_text(name: str) -> str:
    """The learner's starting file for `name` (a course's is generated from its solution)."""
    from grader import stubgen

    solution = solution_file(name)
    if (solution.parent / "stub.py").is_file() and not solution.is_file():
        return (solution.parent / "stub.py").read_text("utf-8")  # a release keeps its stubs
    if solution.parent == SOLUTIONS or not solution.is_file():
        return (STUBS / f"{name}.py").read_text("utf-8")
    return stubgen.stub_text(solution, name)


def bank() -> Bank:
    """The quiz topics served: the course's choice of built-in and own topics, in its order.

    Without a course, or without `[quizzes] topics`, every built-in topic (and
    then every one of the course's quizzes/). Raises BankError for a broken
    topic file, CourseError for a topic the course lists but nobody has.
    """
    from grader.quiz.bank import Bank, bank_directory, load_bank, load_topic

    served = course()
    key = None if served is None else str(served.root)
    if key in _banks:
        return _banks[key]
    if served is None:
        _banks[key] = load_bank()
        return _banks[key]
    files = {p.stem: p for p in bank_directory().glob("*.toml")}
    own = {p.stem: p for p in served.own_topics()}
    files.update(own)
    if served.topics is None:
        wanted = [*load_bank().topics, *(t for t in own if t not in load_bank().topics)]
    else:
        wanted = list(served.topics)
    for topic in wanted:
        if topic not in files:
            raise CourseError(
                served.file,
                "quizzes.topics",
                f"unknown topic {topic!r}: neither built in nor quizzes/{topic}.toml",
            )
    _banks[key] = Bank({topic: load_topic(files[topic]) for topic in wanted})
    return _banks[key]
