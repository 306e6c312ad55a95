"""Grading one learner file: static checks, the worker, the scored checks, diagnoses.

The learner's code runs only in the worker; everything that decides a
verdict (inputs, expected values, comparisons, diagnoses) runs here.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import catalog, names, static
from grader.engine.compare import agrees
from grader.engine.declaration import Exercise
from grader.engine.mutants import Patch, bears
from grader.engine.subjects import Context, ModuleSubject, WorkerSubject
from grader.engine.verdicts import Abort, Check, Verdict
from grader.release import cases
from grader.result import CheckResult, ExerciseResult, short_reason
from grader.worker import LearnerError, Limits, Worker
from grader.worker.client import OutOfTime

PUBLIC_SEED = "neurograde-public-seed"


DEFAULT_EXAMPLES = 10


def examples_from_environment() -> int:
    """Hypothesis examples per property: NEUROGRADE_EXAMPLES, else 10 (each example is a batch)."""
    try:
        return max(1, int(os.environ.get("NEUROGRADE_EXAMPLES", DEFAULT_EXAMPLES)))
    except ValueError:
        return DEFAULT_EXAMPLES


def budget_s(name: str) -> float:
    """Default time budget of a whole grade of `name` (its checks and diagnoses)."""
    return 120.0 if catalog.uses_torch(name) else 30.0


UNCONFINED_READS = (
    "sandbox: this machine's kernel offers no Landlock, so the graded code could read files "
    "beyond its own (other submissions included); grade on Linux 5.13+ to confine it"
)

UNISOLATED_NETWORK = (
    "sandbox: this machine's kernel refused the graded code a network namespace of its own, "
    "so it had network access (it could have sent its inputs away); grade as root or where "
    "unprivileged user namespaces are allowed to cut it off"
)


@dataclass(frozen=True)
class Options:
    """How to grade: device, per-call time limit, time budget, hypothesis budget, secret."""

    device: str = "cpu"
    timeout_s: float | None = None
    max_examples: int = field(default_factory=examples_from_environment)
    secret: str = PUBLIC_SEED
    budget_s: float | None = None
    only: str | None = None  # grade just the checks about this function
    course: str = ""  # the course's id, when a course is served
    learner: str = ""  # whose submission this is (NEUROGRADE_LEARNER), when known

    def selects(self, check: Check) -> bool:
        return self.only is None or names.owner(check.id, check.uses) == self.only

    def hidden_seed(self) -> str:
        """What seeds the hidden cases, with the exercise and the check id (courses.md):
        the secret, then the course id and the learner id where there are ones."""
        return ":".join(part for part in (self.secret, self.course, self.learner) if part)

    @classmethod
    def from_environment(cls, **overrides: object) -> Options:
        secret = os.environ.get("NEUROGRADE_SECRET") or PUBLIC_SEED
        learner = os.environ.get("NEUROGRADE_LEARNER", "")
        return cls(secret=secret, learner=learner, **overrides)  # type: ignore[arg-type]


def grade(name: str, path: Path, options: Options) -> ExerciseResult:
    """Grade the learner's file at `path` for the exercise `name`.

    The worker is started first, so that it boots while the grader imports
    the exercise's checks (and hypothesis). The time budget counts from here;
    once it is spent, the checks left are reported as not run.
    """
    started = time.perf_counter()
    source = path.read_bytes()[: static.MAX_SOURCE_BYTES].decode("utf-8", errors="replace")
    tree = static.parse(source)
    worker = _SPARES.pop((name, path.resolve(), options), None) or _worker(name, path, options)
    try:
        if not isinstance(tree, SyntaxError):
            worker.start()
        exercise = catalog.load(name)
        result = ExerciseResult(exercise=name, device=options.device, title=exercise.title)
        blocked = _static_checks(exercise, tree, result)
        blocked.update(_smoke_checks(exercise, worker, result) if not blocked.get("*") else {})
        for gate in result.checks:
            gate.title = GATES[gate.id]
        ctx = Context(
            exercise=exercise.name,
            learner=WorkerSubject(worker),
            reference=ModuleSubject(exercise.reference_module),
            secret=options.hidden_seed(),
            device=options.device,
            max_examples=options.max_examples,
        )
        release = cases.local(name)  # a release's course exercise: graded from its public cases
        run_check = release.grading(_run_check) if release else _run_check
        for check in filter(options.selects, exercise.checks):
            result.checks.append(run_check(check, ctx, blocked))
        _diagnose(release.diagnosing(exercise) if release else exercise, ctx, result)
        if worker.sandbox and not worker.confined_reads:
            result.errors.append(UNCONFINED_READS)
        if worker.sandbox and not worker.isolated_network:
            result.errors.append(UNISOLATED_NETWORK)
        if worker.refused and result.zeroed_by is None:
            result.zeroed_by = (
                f"your code tried to import {worker.refused[0]!r}, which is not allowed"
            )
    finally:
        worker.close()
    result.duration_s = time.perf_counter() - started
    return result


GATES = {
    "syntax": "the file is valid Python",
    "allowed-imports": "the file imports only what the exercise allows",
    "no-escape-hatches": "the file leaves the interpreter's internals alone",
    "imports-cleanly": "the file imports without an error",
    "signatures": "every function has the contract's signature",
}
"""The titles of the checks every grade starts with (static and smoke: no points, they gate)."""

_SPARES: dict[tuple[str, Path, Options], Worker] = {}


def _worker(name: str, path: Path, options: Options) -> Worker:
    return Worker(
        path=path.resolve(),
        module_name=f"learner_{name}",
        allowed=catalog.allowed_imports(name),
        timeout_s=options.timeout_s or catalog.timeout_s(name),
        limits=Limits(memory_mb=catalog.memory_mb(name, options.device)),
        device=options.device,
        budget_s=options.budget_s or budget_s(name),
    )


def prestart(name: str, path: Path, options: Options) -> None:
    """Boot the worker of the next `grade(name, path, options)` now (watch mode).

    It loads the learner's file only when that grade asks, so a save made
    meanwhile is what gets graded; each grade still has a fresh worker.
    """
    key = (name, path.resolve(), options)
    if key not in _SPARES:
        _SPARES[key] = _worker(name, path, options)
        _SPARES[key].start()


def discard_spares() -> None:
    """Stop the workers `prestart` booted and no grade used."""
    while _SPARES:
        _SPARES.popitem()[1].close()


def _static_checks(exercise: Exercise, tree: object, result: ExerciseResult) -> dict[str, str]:
    """Syntax, imports and escape hatches; returns what blocks the scored checks ("*" blocks all)."""
    if isinstance(tree, SyntaxError):
        where = f"line {tree.lineno}: " if tree.lineno else ""
        message = f"your file does not parse ({where}{tree.msg})"
        result.checks.append(
            CheckResult("syntax", "static", False, 0.0, 0.0, message + static.excerpt(tree))
        )
        return {"*": message}
    result.checks.append(CheckResult("syntax", "static", True, 0.0, 0.0))
    refused = static.refused_imports(tree, catalog.allowed_imports(exercise.name))
    if refused:
        name, line = refused[0]
        message = (
            f"line {line}: import of {name!r} is not allowed in this exercise "
            f"(allowed: {', '.join(catalog.allowed_imports(exercise.name)[:3])} and pure-computation "
            "standard-library modules); the score is zero until it is removed"
        )
        result.checks.append(CheckResult("allowed-imports", "static", False, 0.0, 0.0, message))
        result.zeroed_by = message
    else:
        result.checks.append(CheckResult("allowed-imports", "static", True, 0.0, 0.0))
    hatches = static.escape_hatches(tree)
    if hatches:
        name, line = hatches[0]
        message = (
            f"line {line}: {name} reaches into the interpreter's internals, which graded code "
            "may not do; the score is zero until it is removed"
        )
        result.checks.append(CheckResult("no-escape-hatches", "static", False, 0.0, 0.0, message))
        result.zeroed_by = result.zeroed_by or message
    else:
        result.checks.append(CheckResult("no-escape-hatches", "static", True, 0.0, 0.0))
    return {}


def _smoke_checks(exercise: Exercise, worker: Worker, result: ExerciseResult) -> dict[str, str]:
    """Import the file in the worker and compare signatures; returns the blocked names."""
    try:
        described = worker.describe(list(exercise.functions))
    except LearnerError as error:
        message = error.describe()
        result.checks.append(CheckResult("imports-cleanly", "smoke", False, 0.0, 0.0, message))
        return {"*": f"your file could not be imported: {message}"}
    except OutOfTime as spent:
        message = f"not run: {spent}"
        result.checks.append(CheckResult("imports-cleanly", "smoke", False, 0.0, 0.0, message))
        return {"*": str(spent)}
    result.checks.append(CheckResult("imports-cleanly", "smoke", True, 0.0, 0.0))
    blocked: dict[str, str] = {}
    for name in exercise.functions:
        expected = static.expected_signature(getattr(exercise.reference_module, name))
        problem = static.signature_problem(name, expected, described.get(name, {"kind": "missing"}))
        if problem:
            blocked[name] = problem
    message = "; ".join(blocked.values())
    result.checks.append(CheckResult("signatures", "smoke", not blocked, 0.0, 0.0, message))
    return blocked


def _run_check(check: Check, ctx: Context, blocked: dict[str, str]) -> CheckResult:
    started = time.perf_counter()
    reason = blocked.get("*") or next((blocked[n] for n in check.uses if n in blocked), None)
    if not reason:
        try:
            verdict = check.run(ctx)
        except (LearnerError, Abort) as error:
            failure = error.error if isinstance(error, Abort) else error
            verdict = Verdict(False, failure.describe(withhold=check.kind == "hidden"))
        except OutOfTime as spent:
            blocked["*"] = str(spent)
            if spent.running:
                verdict = Verdict(False, f"{spent.running} was still running when {spent}")
            else:
                reason = str(spent)
    if reason:
        verdict = Verdict(False, f"not run: {reason}")
    return CheckResult(
        id=check.id,
        kind=check.kind,
        passed=verdict.passed,
        points=check.points if verdict.passed else 0.0,
        max_points=check.points,
        message=verdict.message or ("" if verdict.passed else "failed"),
        visibility="hidden" if check.kind == "hidden" else "visible",
        counterexample=verdict.counterexample,
        series=verdict.series,
        skipped=short_reason(reason) if reason else None,
        functions=check.uses,
        title=check.title,
        duration_s=time.perf_counter() - started,
    )


def _diagnose(exercise: Exercise, ctx: Context, result: ExerciseResult) -> None:
    """Name the misconceptions behind failed checks: the learner behaves like a family's mutant.

    Stops where the time budget ends, keeping what it found.
    """
    uses = {check.id: check.uses for check in exercise.checks}
    failed = [c for c in result.checks if not c.passed and c.id in uses]
    suspects = {name for c in failed for name in uses[c.id]}
    families: dict[str, list[Patch]] = {}
    for mutant in exercise.mutants:
        families.setdefault(mutant.misconception, []).append(mutant)
    for misconception, members in families.items():
        if misconception in result.misconceptions or not _blamed(members) & suspects:
            continue
        try:
            blamed = _behaves_like(members, ctx) & suspects
        except OutOfTime:
            return
        if not blamed:
            continue
        result.misconceptions.append(misconception)
        first: str | None = None
        for check in failed:
            if blamed & set(uses[check.id]) and check.misconception is None:
                check.misconception = misconception
                cause = (
                    members[0].explanation if first is None else f"the same mistake as in {first}"
                )
                check.message = f"{check.message}\nLikely cause: {cause}"
                first = first or check.id


def _blamed(members: list[Patch]) -> set[str]:
    """The functions (or classes, for a method) the members of a family patch."""
    return {m.replaces.split(".")[0] for m in members}


def _behaves_like(members: list[Patch], ctx: Context) -> set[str]:
    """The functions where the learner makes the family's mistake: on a member's probe they
    answer as that member (not as the reference), or bear the family's signature."""
    answers: dict[int, tuple[object, object] | None] = {}  # per probe: (reference's, learner's)
    found: set[str] = set()
    for member in members:
        probe = member.probe
        if _blamed([member]) <= found:
            continue
        if id(probe) not in answers:
            try:
                answers[id(probe)] = probe(ctx.reference), probe(ctx.learner)
            except (LearnerError, Abort):
                answers[id(probe)] = None
        if answers[id(probe)] is None:
            continue
        expected, received = answers[id(probe)]
        if agrees(expected, received, member.rtol, member.atol):
            continue
        mistaken = member.probe(ModuleSubject(member.module()))
        if agrees(mistaken, received, member.rtol, member.atol) or (
            member.signature is not None and bears(member.signature, expected, received)
        ):
            found |= _blamed([member])
    return found
