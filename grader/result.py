"""The result of a grade: plain dataclasses that every renderer reads.

The JSON shape is the public contract of `shared/spec/cli.md`
(`neurograde.result/1` for one exercise, `neurograde.run/1` for several).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

RESULT_SCHEMA = "neurograde.result/1"
RUN_SCHEMA = "neurograde.run/1"

CheckKind = Literal["property", "hidden", "static", "smoke", "quiz"]

SHORT_REASON_CHARS = 120

AT_SUBMISSION = "runs at submission"
"""`skipped` of a check a release cannot run (it needs the course's reference or secret):
not a failure of the learner's, so a grade passes without it (`grader.release.cases`)."""


class TextFields:
    """A dataclass whose named fields hold text: `str` (or None where optional), or a TypeError.

    Checked on every assignment (construction included), so a message that is
    not a string fails where it is made, not in a renderer far away.
    """

    TEXT: ClassVar[dict[str, bool]] = {}
    """field -> whether None is allowed."""

    def __setattr__(self, name: str, value: Any) -> None:
        optional = self.TEXT.get(name)
        if optional is not None and not (isinstance(value, str) or (optional and value is None)):
            wanted = "a str or None" if optional else "a str"
            raise TypeError(
                f"{type(self).__name__}.{name} must be {wanted}, not {type(value).__name__}"
            )
        super().__setattr__(name, value)


def short_reason(text: str) -> str:
    """The first line of `text`, cut to one short line (why a check did not run)."""
    line = text.strip().splitlines()[0] if text.strip() else "not run"
    return line if len(line) <= SHORT_REASON_CHARS else line[: SHORT_REASON_CHARS - 1] + "…"


@dataclass
class Series(TextFields):
    """A trajectory worth plotting: the learner's values beside the reference's."""

    TEXT: ClassVar[dict[str, bool]] = {"label": False}

    label: str
    learner: list[float]
    reference: list[float]


@dataclass
class CheckResult(TextFields):
    """The verdict on one check.

    `skipped` is the short reason a check did not run (a failed gate before
    it); such a check has failed, scores nothing, and says why once.
    `functions` are the learner's functions the check calls; `title` says in
    words what the check asks (the exercise's texts).
    """

    TEXT: ClassVar[dict[str, bool]] = {
        "id": False,
        "title": False,
        "message": False,
        "counterexample": True,
        "misconception": True,
        "skipped": True,
    }

    id: str
    kind: CheckKind
    passed: bool
    points: float
    max_points: float
    message: str = ""
    visibility: Literal["visible", "hidden"] = "visible"
    counterexample: str | None = None
    misconception: str | None = None
    series: list[Series] | None = None
    skipped: str | None = None
    functions: tuple[str, ...] = ()
    title: str = ""
    duration_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("functions", "duration_s"):
            del data[key]
        for key in ("series", "skipped"):
            if data[key] is None:
                del data[key]
        return data


@dataclass
class ExerciseResult(TextFields):
    """Every check of one exercise (or one quiz), with the score they add up to.

    `grader_error` is set when the grader itself failed on this exercise (a
    bug to report, exit 3); the run goes on with the other exercises.
    """

    TEXT: ClassVar[dict[str, bool]] = {
        "exercise": False,
        "title": False,
        "zeroed_by": True,
        "grader_error": True,
    }

    exercise: str
    device: str
    checks: list[CheckResult] = field(default_factory=list)
    misconceptions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    title: str = ""
    zeroed_by: str | None = None
    grader_error: str | None = None

    @property
    def max_score(self) -> float:
        return round(sum(c.max_points for c in self.checks), 6)

    @property
    def score(self) -> float:
        if self.zeroed_by is not None:
            return 0.0
        return round(sum(c.points for c in self.checks), 6)

    @property
    def passed(self) -> bool:
        return (
            self.zeroed_by is None
            and self.grader_error is None
            and all(c.passed or c.skipped == AT_SUBMISSION for c in self.checks)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": RESULT_SCHEMA,
            "exercise": self.exercise,
            "score": self.score,
            "max_score": self.max_score,
            "device": self.device,
            "duration_s": round(self.duration_s, 3),
            "checks": [c.to_json() for c in self.checks],
            "misconceptions": list(self.misconceptions),
            "errors": list(self.errors),
        }


@dataclass
class RunResult:
    """Several exercises graded in one run."""

    exercises: list[ExerciseResult]

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises), 6)

    @property
    def max_score(self) -> float:
        return round(sum(e.max_score for e in self.exercises), 6)

    @property
    def passed(self) -> bool:
        return all(e.passed for e in self.exercises)

    @property
    def grader_failed(self) -> bool:
        """Whether the grader itself failed on some exercise (exit 3)."""
        return any(e.grader_error is not None for e in self.exercises)

    def to_json(self) -> dict[str, Any]:
        if len(self.exercises) == 1:
            return self.exercises[0].to_json()
        return {
            "schema": RUN_SCHEMA,
            "score": self.score,
            "max_score": self.max_score,
            "exercises": [e.to_json() for e in self.exercises],
        }
