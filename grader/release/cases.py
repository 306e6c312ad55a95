"""Public cases: the reference's answers a release carries instead of the reference.

At release time (`record`), every check of a course exercise that a learner
may run locally is run once with the solution as the learner, in this
process, and a `Recorder` as the reference: it keeps every question put to
the reference and its answer, and, for a property, every example hypothesis
tried (derandomized, so exactly the examples the full grader tries first).
Each check's cases go to `cases/CHECK.npz` (no pickle: the questions and
answers are encoded by the worker protocol's `encode` into JSON text, stored
as a string array, and numeric arrays).

In a release (a course exercise whose `solution.py` is absent), `LocalCases`
grades instead of the reference: each check meets a `Recorded` reference
that answers from its cases and raises `NotRecorded` on any other question;
a property replays exactly its recorded examples, in order, each under
hypothesis's own seeding (no exploration, no shrinking: the first failing
example is the counterexample), or runs as usual if it never asked the
reference; hidden checks, checks whose cases could not be encoded and checks
that ask what the cases do not hold are reported as run at submission
(`CheckResult.skipped == AT_SUBMISSION`). Same file, same cases: the verdicts
the full grader gives on those examples.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import importlib.util
import json
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from grader.engine.mutants import Patch
from grader.result import AT_SUBMISSION, CheckResult
from grader.worker.protocol import Named, decode, encode, npy_array, npy_bytes

SCHEMA = "neurograde.cases/1"
METHODS = ("call", "call_checked", "call_many", "scenario")
_FUNCTION = "function:"


class NotRecorded(BaseException):
    """The reference was asked what the cases do not hold: the check runs at submission.

    A BaseException, so that a check's body and hypothesis let it through.
    """


class Unencodable(Exception):
    """A value the cases cannot hold (not plain data): its check runs at submission."""


# -- the codec: values as JSON text and numeric arrays ------------------------------------


def _named(value: Any) -> Any:
    """`value` with each function in it replaced by its qualified name (a question's key)."""
    if callable(value) and hasattr(value, "__qualname__") and not isinstance(value, type):
        return Named(f"{_FUNCTION}{value.__module__}.{value.__qualname__}")
    if type(value) is tuple:
        return tuple(_named(v) for v in value)
    if type(value) is list:
        return [_named(v) for v in value]
    if type(value) is dict:
        return {k: _named(v) for k, v in value.items()}
    return value


def pack(value: Any, arrays: list[np.ndarray]) -> Any:
    """`value` as JSON-ready data, its arrays appended to `arrays`; Unencodable if not plain."""
    blobs: list[bytes] = []
    data = encode(value, blobs)
    if "__unsupported__" in json.dumps(data):
        raise Unencodable(type(value).__name__)
    offset = len(arrays)
    arrays += [npy_array(blob) for blob in blobs]
    return _shift(data, offset)


def _shift(data: Any, offset: int) -> Any:
    if isinstance(data, list):
        return [_shift(v, offset) for v in data]
    if isinstance(data, dict):
        if "__ndarray__" in data:
            return {"__ndarray__": data["__ndarray__"] + offset}
        return {k: _shift(v, offset) for k, v in data.items()}
    return data


def unpack(data: Any, arrays: list[np.ndarray]) -> Any:
    """The inverse of `pack` (fresh arrays every time)."""
    return decode(data, _Blobs(arrays))


class _Blobs:
    """`decode`'s view of the arrays: each as `.npy` bytes, made when asked."""

    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.arrays = arrays

    def __len__(self) -> int:
        return len(self.arrays)

    def __getitem__(self, index: int) -> bytes:
        return npy_bytes(self.arrays[index])


def question(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """A question to the reference as a key: sha256 of its exact encoding (Unencodable if
    it holds something that is not plain data, which two different objects could share)."""
    blobs: list[bytes] = []
    text = json.dumps(encode(_named((method, args, kwargs)), blobs), sort_keys=True)
    if "__unsupported__" in text:
        raise Unencodable(method)
    digest = hashlib.sha256(text.encode())
    for blob in blobs:
        digest.update(blob)
    return digest.hexdigest()


# -- recording, at release time ----------------------------------------------------------


class Recorder:
    """The reference, keeping each question and its answer (and a property's examples)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.answers: dict[str, Any] = {}
        self.examples: list[Any] = []
        self.explored = False
        self.sound = True

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method not in METHODS:
            raise AttributeError(method)

        def recorded(*args: Any, **kwargs: Any) -> Any:
            answer = getattr(self.inner, method)(*args, **kwargs)
            try:
                self.answers[question(method, args, kwargs)] = copy.deepcopy(answer)
            except Unencodable:
                self.sound = False
            return answer

        return recorded

    def observe(self, example: Any) -> None:
        """Keep a copy of a property's example before the body judges it."""
        self.explored = True
        try:
            self.examples.append(copy.deepcopy(example))
            pack(example, [])
        except Exception:
            self.sound = False


def observed(ctx: Any, body: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """`body`, its examples kept by the Recorder when the reference is one (else `body`)."""
    recorder = ctx.reference
    if not isinstance(recorder, Recorder):
        return body

    def judged(ctx: Any, example: Any) -> Any:
        recorder.observe(example)
        return body(ctx, example)

    return judged


def record(name: str, folder: Path, max_examples: int | None = None) -> list[Path]:
    """Record the public cases of the served course's exercise `name` into `folder`.

    Every check but the hidden ones runs with the solution as the learner; a
    check the solution fails stops the release (its cases would be wrong).
    """
    from grader import catalog
    from grader.engine.subjects import Context, ModuleSubject
    from grader.release.write import ReleaseError
    from grader.runner import PUBLIC_SEED, examples_from_environment

    exercise = catalog.load(name)
    solution = _fresh_import(catalog.solution_file(name), f"neurograde_release_{name}")
    examples = max_examples or examples_from_environment()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for check in exercise.checks:
        if check.kind == "hidden":
            continue
        recorder = Recorder(ModuleSubject(exercise.reference_module))
        ctx = Context(
            exercise=name,
            learner=ModuleSubject(solution),
            reference=recorder,
            secret=PUBLIC_SEED,
            device="cpu",
            max_examples=examples,
        )
        try:
            with np.errstate(all="ignore"):
                verdict = check.run(ctx)
        except Exception as error:
            raise ReleaseError(
                f"{name}: {check.id} fails on the solution ({type(error).__name__}: {error})"
            ) from error
        if not verdict.passed:
            raise ReleaseError(
                f"{name}: the solution fails {check.id} ({verdict.message}); fix the course"
            )
        arrays: list[np.ndarray] = []
        try:
            manifest = {
                "schema": SCHEMA,
                "exercise": name,
                "check": check.id,
                "max_examples": examples,
                "examples": [pack(e, arrays) for e in recorder.examples]
                if recorder.explored
                else None,
                "answers": {k: pack(v, arrays) for k, v in recorder.answers.items()},
            }
        except Unencodable:
            continue
        if not recorder.sound:
            continue
        written.append(_save(folder / f"{check.id}.npz", manifest, arrays))
    mistakes = _mistakes(exercise)
    if mistakes is not None:
        written.append(_save(folder / MISTAKES, *mistakes))
    return written


def _save(path: Path, manifest: dict[str, Any], arrays: list[np.ndarray]) -> Path:
    """One `.npz` of cases: the manifest as JSON text, then the arrays it refers to."""
    with path.open("wb") as stream:
        np.savez_compressed(
            stream,
            manifest=np.array(json.dumps(manifest)),
            **{f"array_{i}": a for i, a in enumerate(arrays)},
        )
    return path


MISTAKES = "mistakes.npz"
"""The answers that name a mistake in a release: per mutant with a probe, the probe's value
on the reference and on the mutant (the mutants themselves stay with the instructor)."""


def _mistakes(exercise: Any) -> tuple[dict[str, Any], list[np.ndarray]] | None:
    from grader.engine.subjects import ModuleSubject

    arrays: list[np.ndarray] = []
    members = []
    for member in exercise.mutants:
        if not isinstance(member, Patch) or member.probe is None:
            continue
        try:
            with np.errstate(all="ignore"):
                expected = member.probe(ModuleSubject(exercise.reference_module))
                mistaken = member.probe(ModuleSubject(member.module()))
            values = pack(expected, arrays), pack(mistaken, arrays)
        except Exception:  # a probe that needs more than plain data: no diagnosis here
            continue
        fields = ("misconception", "replaces", "explanation", "index", "note", "signature")
        members.append(
            {
                **{key: getattr(member, key) for key in fields},
                "rtol": member.rtol,
                "atol": member.atol,
                "expected": values[0],
                "mistaken": values[1],
            }
        )
    if not members:
        return None
    return {"schema": SCHEMA, "exercise": exercise.name, "mistakes": members}, arrays


def _fresh_import(path: Path, module: str) -> Any:
    """The file at `path` imported as a new module of its own (the learner's copy)."""
    spec = importlib.util.spec_from_file_location(module, path)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[module] = loaded
    spec.loader.exec_module(loaded)
    return loaded


# -- grading from the cases, in a release --------------------------------------------------


@dataclasses.dataclass
class Cases:
    """One check's cases, as read from its `.npz`."""

    answers: dict[str, Any]
    examples: list[Any] | None
    arrays: list[np.ndarray]

    @classmethod
    def load(cls, path: Path) -> Cases:
        with np.load(path, allow_pickle=False) as archive:
            manifest = json.loads(str(archive["manifest"]))
            arrays = [archive[f"array_{i}"] for i in range(len(archive.files) - 1)]
        if manifest.get("schema") != SCHEMA:
            raise ValueError(f"{path}: not neurograde public cases ({SCHEMA})")
        return cls(manifest["answers"], manifest["examples"], arrays)

    def example(self, index: int) -> Any:
        assert self.examples is not None
        return unpack(self.examples[index], self.arrays)


class Recorded:
    """The reference of a release: answers what its cases hold, NotRecorded otherwise."""

    def __init__(self, cases: Cases) -> None:
        self.cases = cases

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method not in METHODS:
            raise AttributeError(method)

        def answered(*args: Any, **kwargs: Any) -> Any:
            try:
                key = question(method, args, kwargs)
            except Unencodable:
                raise NotRecorded(method) from None
            if key not in self.cases.answers:
                raise NotRecorded(method)
            return unpack(self.cases.answers[key], self.cases.arrays)

        return answered

    def examples(self) -> Iterator[Any] | None:
        """The property's examples, in the order they were tried (None: not a property)."""
        if self.cases.examples is None:
            return None
        return (self.cases.example(i) for i in range(len(self.cases.examples)))


def replayed(ctx: Any) -> Iterator[Any] | None:
    """The examples a property replays instead of exploring: None unless the reference is a
    release's cases and the property asked it something when they were recorded."""
    reference = ctx.reference
    if not isinstance(reference, Recorded) or not reference.cases.answers:
        return None
    return reference.examples()


def seeded(body: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """`body`, each example judged under the seeding hypothesis gives it (so a replayed
    example meets the global random state it met when it was recorded)."""
    from grader.engine import replay

    def judged(ctx: Any, example: Any) -> Any:
        with replay.seeded():
            return body(ctx, example)

    return judged


class LocalCases:
    """A release's course exercise: its checks graded from its public cases."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def grading(self, run_check: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
        """`run_check(check, ctx, ...)` with each check's cases as the reference, or the
        check reported as run at submission."""

        def run(check: Any, ctx: Any, *rest: Any) -> CheckResult:
            path = self.folder / f"{check.id}.npz"
            if check.kind == "hidden":
                return deferred(check, "hidden inputs")
            if not path.is_file():
                return deferred(check, "its cases are not in this repository")
            ctx = dataclasses.replace(ctx, reference=Recorded(Cases.load(path)))
            try:
                return run_check(check, ctx, *rest)
            except NotRecorded:
                return deferred(check, "it needs the reference on inputs this repository lacks")

        return run

    def diagnosing(self, exercise: Any) -> Any:
        """`exercise` with the mistakes its release recorded as its mutants: each answers its
        family's probe as recorded on the reference and on itself, and asks the learner."""
        path = self.folder / MISTAKES
        if not path.is_file():
            return exercise
        with np.load(path, allow_pickle=False) as archive:
            manifest = json.loads(str(archive["manifest"]))
            arrays = [archive[f"array_{i}"] for i in range(len(archive.files) - 1)]
        members = []
        for entry in manifest["mistakes"]:
            probe = exercise.probes.get(entry["misconception"])
            if probe is None:
                continue
            member = Recalled(
                misconception=entry["misconception"],
                replaces=entry["replaces"],
                edits=(),
                explanation=entry["explanation"],
                source=path,
                index=entry["index"],
                note=entry["note"],
                signature=entry["signature"],
                rtol=entry["rtol"],
                atol=entry["atol"],
            )
            recalled = (unpack(entry["expected"], arrays), unpack(entry["mistaken"], arrays))
            members.append(dataclasses.replace(member, probe=member.asking(probe, *recalled)))
        return dataclasses.replace(exercise, mutants=tuple(members))


_STAND_INS: dict[str, types.ModuleType] = {}


class Recalled(Patch):
    """A mutant in a release: no solution to patch, its probe's answers recalled instead."""

    def module(self) -> types.ModuleType:
        """What `probe` recognises as this mutant (one module per mutant id)."""
        return _STAND_INS.setdefault(self.id, types.ModuleType(f"recalled mutant {self.id}"))

    def asking(self, probe: Callable[[Any], Any], expected: Any, mistaken: Any) -> Any:
        """The probe: the learner is asked; the reference's and this mutant's answers recalled."""
        from grader.engine.subjects import ModuleSubject

        def recalled(subject: Any) -> Any:
            if not isinstance(subject, ModuleSubject):
                return probe(subject)
            return copy.deepcopy(mistaken if subject.module is self.module() else expected)

        return recalled


def deferred(check: Any, why: str) -> CheckResult:
    """A check a release cannot run: not failed, worth nothing here, and says so."""
    return CheckResult(
        id=check.id,
        kind=check.kind,
        passed=False,
        points=0.0,
        max_points=0.0,
        message=f"not run here ({why}): {check.points:g} points, graded when you submit",
        visibility="hidden" if check.kind == "hidden" else "visible",
        skipped=AT_SUBMISSION,
        functions=tuple(check.uses),
        title=check.title,
    )


def local(name: str) -> LocalCases | None:
    """The public cases `name` is graded from: a course exercise of a release, else None."""
    from grader import catalog

    served = catalog.course()
    if served is None or name not in catalog.available():
        return None
    entry = served.entry(name)
    if entry.folder is None or (entry.folder / "solution.py").is_file():
        return None
    return LocalCases(entry.folder / "cases")
