"""The result of a grade: plain dataclasses that every renderer reads.

The JSON shape is the public contract of `shared/spec/cli.md`
(`neurograde.result/1` for one exercise, `neurograde.run/1` for several).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

RESULT_SCHEMA = "neurograde.result/1"
RUN_SCHEMA = "neurograde.run/1"

CheckKind = Literal["property", "hidden", "static", "smoke", "quiz"]


@dataclass
class Series:
    """A trajectory worth plotting: the learner's values beside the reference's."""

    label: str
    learner: list[float]
    reference: list[float]


@dataclass
class CheckResult:
    """The verdict on one check."""

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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.series is None:
            del data["series"]
        return data


@dataclass
class ExerciseResult:
    """Every check of one exercise (or one quiz), with the score they add up to."""

    exercise: str
    device: str
    checks: list[CheckResult] = field(default_factory=list)
    misconceptions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    title: str = ""
    zeroed_by: str | None = None

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
        return self.zeroed_by is None and all(c.passed for c in self.checks)

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

    def to_json(self) -> dict[str, Any]:
        if len(self.exercises) == 1:
            return self.exercises[0].to_json()
        return {
            "schema": RUN_SCHEMA,
            "score": self.score,
            "max_score": self.max_score,
            "exercises": [e.to_json() for e in self.exercises],
        }
