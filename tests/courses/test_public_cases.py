"""Public cases: same learner file, same cases => the verdicts the full grader gives.

The example course is released (its cases recorded from its solution); then
the solution, the stub, another correct version and every mutant of the
course's own exercise are graded twice: by the full grader (the course's
folder, its reference) and locally (the release's folder: no solution, the
reference's answers from the cases). Every check that ran locally has the
full grader's verdict; only the hidden checks are left to the submission.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import pytest

from grader import catalog
from grader.release import cases
from grader.release.write import release
from grader.result import AT_SUBMISSION
from grader.runner import Options, grade

from .conftest import EXAMPLE

SOLUTION = EXAMPLE / "exercises" / "logistic" / "solution.py"
OTHER_SIGMOID = """
def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))
"""


@pytest.fixture
def own_modules() -> Iterator[None]:
    """The release imports its stub under the course's module name: afterwards, every course
    module and declaration is forgotten, so the next test imports the course's own again."""
    yield
    for name in [k for k in sys.modules if k.startswith("neurograde_")]:
        del sys.modules[name]
    catalog._loaded.clear()


def serve(monkeypatch: pytest.MonkeyPatch, course: Path) -> None:
    """Serve `course` as NEUROGRADE_COURSE would (undone after the test, whatever the grader
    sets meanwhile)."""
    monkeypatch.setenv("NEUROGRADE_COURSE", str(course))


def patched(source: str, mutant: dict) -> str:
    """The solution with one [[mutant]] of mutants.toml applied (each find once, in its
    function)."""
    node = next(n for n in ast.parse(source).body if getattr(n, "name", None) == mutant["function"])
    lines = source.splitlines(keepends=True)
    before, inside = (
        "".join(lines[: node.lineno - 1]),
        "".join(lines[node.lineno - 1 : node.end_lineno]),
    )
    head, marker, body = inside.partition("# BEGIN SOLUTION")  # the docstring may quote it
    for find, replace in mutant.get("edits") or [[mutant["find"], mutant["replace"]]]:
        assert body.count(find) == 1, (mutant, find)
        body = body.replace(find, replace)
    return before + head + marker + body + "".join(lines[node.end_lineno :])


def learners(every_member: bool) -> dict[str, str]:
    """The files both graders grade: solution, stub, another correct version, and the first
    mutant of each family (every mutant with `every_member`)."""
    solution = SOLUTION.read_text("utf-8")
    files = {
        "solution": solution,
        "stub": catalog.stub_text("logistic"),
        "other sigmoid": solution + OTHER_SIGMOID,
    }
    mutants = tomllib.loads((SOLUTION.parent / "mutants.toml").read_text("utf-8"))["mutant"]
    for index, mutant in enumerate(mutants):
        first = all(m["family"] != mutant["family"] for m in mutants[:index])
        if every_member or first:
            files[f"mutant {mutant['family']}#{index}"] = patched(solution, mutant)
    return files


def verdicts(name: str, source: str, folder: Path) -> dict[str, bool | None]:
    """check id -> passed (None: left to the submission) of one grade of `source`, and
    "misconceptions" -> the mistakes it names."""
    path = folder / f"{name.replace(' ', '_')}" / "logistic.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, "utf-8")
    result = grade("logistic", path, Options(course="nn-example"))
    found: dict = {
        c.id: None if c.skipped == AT_SUBMISSION else c.passed
        for c in result.checks
        if c.kind in ("property", "hidden")
    }
    return {**found, "misconceptions": sorted(result.misconceptions)}


@pytest.mark.parametrize(
    "every_member", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["families", "all"]
)
def test_local_verdicts_are_the_full_graders_on_every_mutant(
    tmp_path: Path, own_modules, monkeypatch: pytest.MonkeyPatch, every_member: bool
) -> None:
    serve(monkeypatch, EXAMPLE)
    release(tmp_path / "release")
    files = learners(every_member)
    assert len(files) >= 3 + (10 if every_member else 5)
    full = {name: verdicts(name, source, tmp_path / "full") for name, source in files.items()}
    serve(monkeypatch, tmp_path / "release" / "course")
    assert cases.local("logistic") is not None
    local = {name: verdicts(name, source, tmp_path / "local") for name, source in files.items()}
    for name in files:
        named = local[name].pop("misconceptions")
        assert named == full[name].pop("misconceptions"), name  # recalled from mistakes.npz
        if name.startswith("mutant"):
            assert name.split()[1].split("#")[0] in named
        ran = {check: passed for check, passed in local[name].items() if passed is not None}
        assert set(local[name]) - set(ran) == {c for c in full[name] if c.endswith("-hidden")}
        assert ran == {check: full[name][check] for check in ran}, name
        if name.startswith("mutant"):
            assert not all(ran.values()), f"{name} loses no point locally"
    assert all(p for p in local["solution"].values() if p is not None)
    assert all(p for p in local["other sigmoid"].values() if p is not None)
    assert not any(local["stub"].values())


def test_a_question_the_cases_do_not_hold_leaves_the_check_to_the_submission(
    tmp_path: Path, own_modules, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve(monkeypatch, EXAMPLE)
    release(tmp_path / "release")
    serve(monkeypatch, tmp_path / "release" / "course")
    recorded = cases.Recorded(
        cases.Cases.load(
            tmp_path / "release/course/exercises/logistic/cases/sigmoid-special-values.npz"
        )
    )
    import numpy as np

    with pytest.raises(cases.NotRecorded):
        recorded.call("sigmoid", np.array([1.0, 2.0]))
    (tmp_path / "release/course/exercises/logistic/cases/sigmoid-special-values.npz").unlink()
    local = verdicts("solution", SOLUTION.read_text("utf-8"), tmp_path / "local")
    assert (
        local["misconceptions"] == []
        and local["sigmoid-special-values"] is None
        and local["sigmoid-matches-reference"]
    )


def test_the_codec_keeps_plain_data_exactly_and_refuses_the_rest() -> None:
    import numpy as np

    value = ((np.arange(6.0).reshape(2, 3).T, -0.0, 3), {"lr": 0.5, "axis": None}, [True, "x"])
    arrays: list = []
    again = cases.unpack(cases.pack(value, arrays), arrays)
    assert cases.question("call", value, {}) == cases.question("call", again, {})
    assert cases.question("call", (np.float32(1.0),), {}) != cases.question(
        "call", (np.ones(1),), {}
    )
    with pytest.raises(cases.Unencodable):
        cases.pack(object(), [])


REFERENCE_FREE = '''

def never_negative(ctx, example):
    """A reference-free property: relu's outputs are never below 0."""
    (z,), _ = example
    if np.any(np.asarray(ctx.values("relu", [((z,), {})])[0]) < 0):
        raise Wrong("relu returned a negative value")


EXERCISE = exercise(
    title=EXERCISE.title,
    checks=[
        *EXERCISE.checks,
        property_check(
            "relu-never-negative", ["relu"], relu_call.strategy, never_negative,
            describe=lambda e: f"relu({e[0][0]!r})", title="relu is never negative",
        ),
    ],
    probes=EXERCISE.probes,
)
'''


def test_a_reference_free_property_runs_as_usual_shrinking_included(
    tmp_path: Path, own_modules, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grader.scaffold import scaffold

    course = tmp_path / "course"
    scaffold(course, "squash", catalog.CURRICULUM)
    checks = course / "exercises" / "squash" / "checks.py"
    checks.write_text(
        checks.read_text("utf-8").replace("import Case,", "import Case, Wrong, property_check,")
        + REFERENCE_FREE,
        "utf-8",
    )
    serve(monkeypatch, course)
    release(tmp_path / "release")
    stored = cases.Cases.load(
        tmp_path / "release/course/exercises/squash/cases/relu-never-negative.npz"
    )
    assert stored.answers == {} and stored.examples  # never asked the reference
    wrong = (
        (course / "exercises/squash/solution.py")
        .read_text("utf-8")
        .replace("np.maximum(z, 0.0)", "np.where(z > 1.0, z, z - 1.0)")
    )
    learner = tmp_path / "learner" / "squash.py"
    learner.parent.mkdir()
    learner.write_text(wrong, "utf-8")
    full = {c.id: c for c in grade("squash", learner, Options()).checks}
    serve(monkeypatch, tmp_path / "release" / "course")
    local = {c.id: c for c in grade("squash", learner, Options()).checks}
    for check in ("relu-never-negative", "relu-matches-reference"):
        assert not full[check].passed and not local[check].passed
    # hypothesis ran in full both times: the same shrunk counterexample
    assert local["relu-never-negative"].counterexample == full["relu-never-negative"].counterexample
    assert local["relu-hidden"].skipped == AT_SUBMISSION
