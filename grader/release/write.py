"""`neurograde assign release`: the repository learners clone (`shared/spec/courses.md`).

    README.md                          for learners: the commands, what runs where
    neurograde.toml                    records the course, so learners never type --course
    NAME.py                            one stub per exercise, in the course's order
    course/course.toml                 the course's public course.toml
    course/exercises/NAME/checks.py    a course exercise's declaration (its mutants.toml stays)
    course/exercises/NAME/stub.py      its pristine stub (signatures, docs, `neurograde init`)
    course/exercises/NAME/hints.toml   its hints, less any that quotes the solution
    course/exercises/NAME/scenarios.py code its checks run in the learner's worker, if any
    course/exercises/NAME/cases/*.npz  its public cases (`grader.release.cases`)
    course/quizzes/TOPIC.toml          the course's own quiz topics
    .github/workflows/neurograde.yml   grades on every push (`grader.release.ci`)

It never holds a course exercise's solution.py, its mutants (`mutants.toml`:
patches of the solution), the course secret or a hidden seed; `leaks` greps every file of a
release for every line of every solution, and `release` refuses to finish
with one found.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from grader import catalog
from grader.course import Course
from grader.engine import texts
from grader.release import COURSE_FOLDER, POINTER, cases
from grader.stubgen import BEGIN, END

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "release"
WORKFLOW = ".github/workflows/neurograde.yml"
STUB = "stub.py"
CASES = "cases"
DEFAULT_INSTALL = "--extra-index-url https://download.pytorch.org/whl/cpu {requirement}"

GENERATED = (
    "# Written by `neurograde assign release` from the course's {what}.\n"
    "# Learners: read it, but do not edit it.\n"
)


class ReleaseError(Exception):
    """A release that cannot be written as asked (a leak, a check the stripped declaration lost)."""


@dataclass(frozen=True)
class Release:
    """What `release` wrote, and what it chose to leave out (shown to the instructor)."""

    root: Path
    files: list[Path]
    withheld: list[str]


def release(target: Path, requirement: str | None = None) -> Release:
    """Write the learners' repository of the course served (or of the built-in curriculum)."""
    served = catalog.course()
    names = catalog.available()
    requirement = requirement or f"neurograde=={_version()}"
    target.mkdir(parents=True, exist_ok=True)
    if (target / COURSE_FOLDER / "course.toml").is_file():
        shutil.rmtree(target / COURSE_FOLDER)  # an earlier release's: no stale cases survive
    files: list[Path] = []
    withheld: list[str] = []

    def write(relative: str, text: str) -> None:
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        files.append(path)

    for name in names:
        write(f"{name}.py", catalog.stub_text(name))
    if served is not None:
        write(POINTER, POINTER_TEXT.format(name=served.name, folder=COURSE_FOLDER))
        write(f"{COURSE_FOLDER}/course.toml", public_course_toml(served))
        for entry in served.exercises:
            if entry.folder is None:
                continue
            folder = f"{COURSE_FOLDER}/exercises/{entry.name}"
            write(f"{folder}/{STUB}", catalog.stub_text(entry.name))
            write(f"{folder}/checks.py", public_checks(entry.name))
            if (entry.folder / "scenarios.py").is_file():  # code the learner's worker runs
                write(f"{folder}/scenarios.py", (entry.folder / "scenarios.py").read_text("utf-8"))
            hints = entry.folder / "hints.toml"
            if hints.is_file():
                text, dropped = public_hints(hints, solution_lines(served))
                write(f"{folder}/hints.toml", text)
                withheld += [f"{entry.name}: hint {d} (it quotes the solution)" for d in dropped]
            files += cases.record(entry.name, target / folder / CASES)
        for topic in _own_topics(served):
            destination = target / COURSE_FOLDER / "quizzes" / topic.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(topic, destination)
            files.append(destination)
    fields = _fields(served, names, requirement)
    for template, relative in (
        ("README.md", "README.md"),
        ("neurograde.yml", WORKFLOW),
        ("gitignore", ".gitignore"),
    ):
        text = (TEMPLATES / template).read_text("utf-8")
        for field, value in fields.items():
            text = text.replace(field, value)
        write(relative, text)
    if served is not None:
        _same_checks(served, target / COURSE_FOLDER)
    found = leaks(target, served)
    if found:
        raise ReleaseError(
            f"{found[0]} holds a line of the course's solution; nothing of the release can be "
            "handed out (delete the folder)"
        )
    return Release(target, files, withheld)


CHECKED = """
## What is checked here, and what at submission

Most checks run on your machine: properties on the inputs the course recorded
(the *public cases* in `course/exercises/*/cases/`), special values, and checks
that need no reference at all (gradients, invariants). Checks on hidden inputs
run only where your course grades submissions: the report lists them as "runs
at submission". The course's solutions are not in this repository.
"""

POINTER_TEXT = """# This repository is a release of the neurograde course {name!r}: every `neurograde`
# command run in it (or below it) serves the course in {folder}/, as if `--course {folder}`
# had been typed. `--course DIR` or $NEUROGRADE_COURSE still choose another one.
course = "{folder}"
"""


def _same_checks(served: Course, released: Path) -> None:
    """The released course declares each exercise's checks as the course does (the stripped
    declaration lost nothing it needs), or a ReleaseError."""
    import sys

    names = [e.name for e in served.exercises if e.folder is not None]
    wanted = {name: [c.id for c in catalog.load(name).checks] for name in names}
    saved = {k: v for k, v in sys.modules.items() if k.startswith("neurograde_course_")}
    try:
        catalog.use(released)
        for name in names:
            try:
                found = [c.id for c in catalog.load(name).checks]
            except Exception as error:
                raise ReleaseError(f"the released {name} cannot be loaded: {error}") from None
            if found != wanted[name]:
                raise ReleaseError(f"the released {name} declares other checks: {found}")
    finally:
        for module in [k for k in sys.modules if k.startswith("neurograde_course_")]:
            del sys.modules[module]
        sys.modules.update(saved)
        catalog.use(served.root)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("neurograde")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "0"


def _fields(served: Course | None, names: list[str], requirement: str) -> dict[str, str]:
    first = names[0]
    if served is None:
        title = "neurograde exercises"
        where = ""
        points = ", ".join(names)
    else:
        title = served.name
        where = (
            f"\nThis repository is a release of the course `{served.id}`: `{POINTER}` records its "
            f"folder, `{COURSE_FOLDER}/`, so every command below serves the course without "
            "`--course`.\n"
        )
        points = ", ".join(
            f"{e.name} ({e.points:g} points)" if e.points is not None else e.name
            for e in served.exercises
        )
    topics = list(catalog.bank().topics)
    return {
        "@TITLE@": title,
        "@WHERE@": where,
        "@FIRST@": first,
        "@EXERCISES@": points,
        "@TOPIC@": topics[0] if topics else "neurons",
        "@TOPICS@": ", ".join(topics),
        "@REQUIREMENT@": requirement,
        "@INSTALL@": DEFAULT_INSTALL.format(requirement=_shell_quote(requirement)),
        "@CHECKED@": CHECKED if served is not None else "",
    }


def _shell_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


# -- the course's public parts ----------------------------------------------------------


def public_course_toml(served: Course) -> str:
    """course.toml as the course reads it (comments and unknown parts dropped), laid out as
    courses.md shows it: one [[exercise]] table per exercise."""
    parts = [GENERATED.format(what="course.toml"), _table("course", name=served.name, id=served.id)]
    for entry in served.exercises:
        given = {key: getattr(entry, key) for key in ("points", "timeout_s", "device", "memory_mb")}
        given["imports"] = list(entry.imports) or None
        kept = {key: _whole(value) for key, value in given.items() if value is not None}
        parts.append(_table("[exercise]", name=entry.name, **kept))
    if served.topics is not None:
        parts.append(_table("quizzes", topics=list(served.topics)))
    parts.append(_table("release", solutions_after_full_marks=served.solutions_after_full_marks))
    return "\n".join(parts)


def _table(header: str, **values: Any) -> str:
    """A TOML table: `[header]` and its values (a header "[name]" writes an entry `[[name]]`)."""
    return f"[{header}]\n{tomli_w.dumps(values)}"


def _whole(value: Any) -> Any:
    """10.0 points as 10, as an instructor writes them."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def public_checks(name: str) -> str:
    """The course exercise's checks.py as it is: a declaration (rows, domains, probes); its
    mistakes stay in mutants.toml, which a release never holds."""
    source = catalog.course().entry(name).folder / "checks.py"  # type: ignore[union-attr]
    return GENERATED.format(what="checks.py") + source.read_text("utf-8")


def public_hints(path: Path, secret: list[str]) -> tuple[str, list[str]]:
    """hints.toml without the hints that quote a line of the solution; the ones dropped."""
    given = texts.read(path)
    dropped: list[str] = []

    def kept(where: str, hints: Sequence[str]) -> list[str]:
        quoting = [any(line in _squeeze(h) for line in secret) for h in hints]
        dropped.extend(f"{where}#{i}" for i, q in enumerate(quoting, start=1) if q)
        return [h for h, q in zip(hints, quoting, strict=True) if not q]

    public = texts.Texts(
        {function: kept(function, hints) for function, hints in given.functions.items()},
        tuple(kept("general", given.general)),
        given.titles,
    )
    generated = GENERATED.format(what="hints.toml (hints that quote the solution left out)")
    return f"{generated}\n{texts.dump(public)}", dropped


def _own_topics(served: Course) -> list[Path]:
    own = {p.stem: p for p in served.own_topics()}
    wanted = served.topics if served.topics is not None else list(own)
    return [own[t] for t in wanted if t in own]


# -- what must never leave ----------------------------------------------------------------

MIN_SECRET_CHARS = 8
"""A solution line shorter than this (without spaces) is too common to count as a leak."""


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def solution_lines(served: Course | None) -> list[str]:
    """Every non-trivial line between the solution markers of the course's own exercises,
    comments dropped and spaces squeezed out."""
    found: list[str] = []
    for solution in _solutions(served):
        inside = False
        for line in solution.read_text("utf-8").splitlines():
            if line.strip() in (BEGIN, END):
                inside = line.strip() == BEGIN
                continue
            code = _squeeze(line.split("#", 1)[0])
            if inside and len(code) >= MIN_SECRET_CHARS:
                found.append(code)
    return list(dict.fromkeys(found))


def _solutions(served: Course | None) -> Iterator[Path]:
    for entry in served.exercises if served is not None else ():
        if entry.folder is not None and (entry.folder / "solution.py").is_file():
            yield entry.folder / "solution.py"


def leaks(root: Path, served: Course | None) -> list[str]:
    """`FILE: line` for every line of a course solution found in a file under `root`
    (text files as they are, `.npz` files by their manifests), and every file that is a
    solution. Empty for a sound release."""
    secret = solution_lines(served)
    solutions = {p.read_bytes() for p in _solutions(served)}
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts):
        data = path.read_bytes()
        if data in solutions or path.name == "solution.py":
            found.append(f"{path.relative_to(root)}: is a solution file")
            continue
        text = _squeeze(_readable(path, data))
        found += [f"{path.relative_to(root)}: {line}" for line in secret if line in text]
    return found


def _readable(path: Path, data: bytes) -> str:
    """The text a file holds: itself, or for an `.npz` the text of its arrays."""
    if path.suffix == ".npz":
        import io

        import numpy as np

        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            return "\n".join(
                str(archive[key]) for key in archive.files if archive[key].dtype.kind == "U"
            )
    return data.decode("utf-8", errors="replace")
