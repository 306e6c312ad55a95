"""Per-learner hidden cases (courses.md): seeded by the secret, the course id, the learner id,
the exercise and the check id, so two learners meet different hidden inputs and one learner
always the same ones. With neither a course nor a learner the seed is what it always was."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from grader.bundle.autograder import submitter
from grader.engine import Context
from grader.runner import PUBLIC_SEED, Options, grade
from grader.session import GradeRequest, options_for

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = "activations"
REAL_RNG = Context.rng


def hidden_draws(options: Options, monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """Grade the solution for real; the first number each hidden check's generator drew."""
    drawn: dict[str, float] = {}

    def recording(ctx: Context, check_id: str) -> np.random.Generator:
        drawn[check_id] = float(REAL_RNG(ctx, check_id).random())
        return REAL_RNG(ctx, check_id)

    monkeypatch.setattr(Context, "rng", recording)
    result = grade(EXERCISE, ROOT / "solutions" / f"{EXERCISE}.py", options)
    assert result.score == result.max_score  # the seed changes the inputs, not the verdict
    assert drawn, "no hidden check drew its cases"
    return drawn


def test_two_learners_meet_different_hidden_inputs_and_each_always_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ada = hidden_draws(Options(learner="ada"), monkeypatch)
    bob = hidden_draws(Options(learner="bob"), monkeypatch)
    assert hidden_draws(Options(learner="ada"), monkeypatch) == ada
    assert all(ada[check] != bob[check] for check in ada)


def test_without_course_or_learner_the_seed_is_the_secret_alone() -> None:
    assert Options().hidden_seed() == PUBLIC_SEED
    assert Options(secret="s", course="dl101", learner="ada").hidden_seed() == "s:dl101:ada"
    ctx = Context(EXERCISE, None, None, Options(secret="s").hidden_seed())  # type: ignore[arg-type]
    digest = hashlib.sha256(b"s:activations:relu-hidden").digest()
    expected = np.random.default_rng(int.from_bytes(digest[:8], "big")).random()
    assert ctx.rng("relu-hidden").random() == expected


def test_the_learner_comes_from_neurograde_learner(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEUROGRADE_LEARNER", "ada")
    options = options_for(EXERCISE, GradeRequest(names=[EXERCISE], workspace=tmp_path))
    assert options.learner == "ada" and options.hidden_seed().endswith(":ada")


@pytest.mark.parametrize(
    ("metadata", "learner"),
    [
        ({"users": [{"id": 7134, "name": "Ada"}, {"id": 99}]}, "7134"),
        ({"users": []}, ""),
        ({"something": "else"}, ""),
        ("not json at all", ""),
        (None, ""),
    ],
)
def test_on_gradescope_the_learner_is_the_submitter(
    metadata: object, learner: str, tmp_path: Path
) -> None:
    path = tmp_path / "submission_metadata.json"
    if metadata is not None:
        path.write_text(metadata if isinstance(metadata, str) else json.dumps(metadata), "utf-8")
    assert submitter(path) == learner
