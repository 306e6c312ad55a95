"""Replaying recorded property examples never changes a verdict (grader/engine/replay.py).

Every file is graded with replay off, then in one process with replay on,
cold (nothing recorded) and warm (the solution's run recorded every check):
the JSON is the same but for timings. By default a representative subset;
`-m slow` grades every exercise's solution, stub and mutants.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader import catalog
from grader.engine import replay
from grader.engine.mutants import apply
from grader.runner import Options, grade

NUMPY = [name for name in catalog.available() if not catalog.uses_torch(name)]


def timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: timeless(v) for k, v in value.items() if k != "duration_s"}
    if isinstance(value, list):
        return [timeless(v) for v in value]
    return value


def graded(name: str, path: Path, replaying: bool) -> dict[str, Any]:
    before = os.environ.get(replay.VARIABLE)
    os.environ[replay.VARIABLE] = "1" if replaying else "0"
    try:
        return timeless(grade(name, path, Options()).to_json())
    finally:
        if before is None:
            del os.environ[replay.VARIABLE]
        else:
            os.environ[replay.VARIABLE] = before


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    replay.forget()
    yield
    replay.forget()


def subjects(name: str, workdir: Path, mutants: int | None = None) -> list[Path]:
    """The stub and the mutants (all, or the first few) of `name`, written to `workdir`."""
    solution = catalog.solution_file(name).read_text("utf-8")
    files = {"stub": catalog.stub_text(name)}
    for number, mutant in enumerate(catalog.load(name).mutants[:mutants]):
        files[f"{mutant.misconception}-{number}"] = apply(solution, mutant)
    paths = []
    for label, text in files.items():
        (workdir / label).mkdir()
        path = workdir / label / f"{name}.py"
        path.write_text(text, "utf-8")
        paths.append(path)
    return paths


def assert_replay_changes_nothing(name: str, others: list[Path]) -> None:
    solution = catalog.solution_file(name)
    expected = {path: graded(name, path, replaying=False) for path in [solution, *others]}
    for path in others:  # cold: only the checks this file passes get recorded
        replay.forget()
        assert graded(name, path, replaying=True) == expected[path], path
        assert graded(name, path, replaying=True) == expected[path], path
    replay.forget()
    assert graded(name, solution, replaying=True) == expected[solution]  # records every check
    for path in [solution, *others]:  # warm: every property replays first
        assert graded(name, path, replaying=True) == expected[path], path


def test_replay_keeps_every_verdict_on_a_representative_subset(tmp_path: Path) -> None:
    assert_replay_changes_nothing("activations", subjects("activations", tmp_path, mutants=3))


@pytest.mark.slow
@pytest.mark.parametrize("name", catalog.available())
def test_replay_keeps_every_verdict_everywhere(name: str, tmp_path: Path) -> None:
    """Every mutant of every numpy exercise; the stub alone where torch makes it slow."""
    mutants = None if name in NUMPY else 0
    assert_replay_changes_nothing(name, subjects(name, tmp_path, mutants))


def test_a_warm_grade_replays_instead_of_generating(tmp_path: Path, monkeypatch) -> None:
    """The proof replay happens at all: warm, hypothesis's `given` is never entered."""
    import hypothesis.core

    solution = catalog.solution_file("activations")
    graded("activations", solution, replaying=True)
    calls = []
    original = hypothesis.core.StateForActualGivenExecution.execute_once
    monkeypatch.setattr(
        hypothesis.core.StateForActualGivenExecution,
        "execute_once",
        lambda *a, **k: calls.append(1) or original(*a, **k),
    )
    assert graded("activations", solution, replaying=True)["score"] > 0
    assert calls == []


STATEFUL = """
_calls = [0]
_right = relu


def relu(z):
    _calls[0] += 1
    return _right(z) if _calls[0] < 12 else _right(z) + 1e-3 * (_calls[0] % 2)
"""

MUTATING = """
_right = relu


def relu(z):
    result = _right(z)
    if z.size > 3:
        z[...] = 0.0
    return result
"""


@pytest.mark.parametrize("tail", [STATEFUL, MUTATING], ids=["stateful", "mutating"])
def test_a_stateful_or_mutating_learner_gets_todays_verdict(tail: str, tmp_path: Path) -> None:
    """A learner whose answers depend on how often it was called (hypothesis calls it
    flaky) or that changes its inputs: the full run after a failed replay sees exactly the
    calls it would have seen, and the cached examples are never altered."""
    path = tmp_path / "activations.py"
    path.write_text(catalog.solution_file("activations").read_text("utf-8") + tail, "utf-8")
    expected = graded("activations", path, replaying=False)
    relu = next(c for c in expected["checks"] if c["id"] == "relu-matches-reference")
    assert not relu["passed"]
    graded("activations", catalog.solution_file("activations"), replaying=True)
    assert graded("activations", path, replaying=True) == expected
    assert graded("activations", path, replaying=True) == expected
    assert (
        graded("activations", catalog.solution_file("activations"), replaying=True)["score"]
        == (expected["max_score"])
    )


def test_only_a_passing_fully_judged_run_is_recorded() -> None:
    """Interactive draws (`st.data()`) and rejected examples are never replayed; a
    passing run with plain examples is, under its max_examples only."""
    import types

    from hypothesis import assume
    from hypothesis import strategies as st

    from grader.engine import Context, ModuleSubject, property_check

    module = types.ModuleType("plain")
    subject = ModuleSubject(module)

    def interactive(ctx: Context, data: Any) -> None:
        data.draw(st.integers())

    def rejecting(ctx: Context, x: int) -> None:
        assume(x != 0)  # hypothesis tries 0 first

    def plain(ctx: Context, x: int) -> None:
        return None

    for body, strategy, kept in [
        (interactive, st.data(), False),
        (rejecting, st.integers(), False),
        (plain, st.integers(), True),
    ]:
        check = property_check("c", ["f"], strategy, body)
        recordings = replay._STORES[-1]
        ctx = Context("e", subject, subject, "secret", max_examples=5)
        assert check.run(ctx).passed
        assert bool(recordings) == kept
        if kept:
            (recording,) = recordings.values()
            assert len(recording.examples) == 5
            assert check.run(Context("e", subject, subject, "s", max_examples=6)).passed
            assert len(recordings) == 2
