"""Grades are reproducible: the solution, the stub and every mutant of every built-in exercise
grade exactly as recorded in golden_grades.json (score, max, each check's verdict, the mistakes
named). A port of an exercise to the engine keeps them (each family's first patch grades as the
old whole-function mutant it replaces did); a deliberate change, or new members, regenerate them:

    NEUROGRADE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/grading/test_golden_grades.py -m slow
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from grader import catalog
from grader.result import ExerciseResult
from grader.runner import Options, grade
from grader.validate import grade_mutant

GOLDEN = Path(__file__).with_name("golden_grades.json")
UPDATE = os.environ.get("NEUROGRADE_UPDATE_GOLDEN") == "1"


def summary(result: ExerciseResult) -> dict[str, Any]:
    return {
        "score": result.score,
        "max": result.max_score,
        "checks": {c.id: c.passed for c in result.checks},
        "misconceptions": sorted(result.misconceptions),
    }


def label(mutant: Any) -> str:
    """`mutant:FAMILY#N` (a patch), or `mutant:MISCONCEPTION:FUNCTION` (transition: old kind)."""
    if hasattr(mutant, "replaces"):
        return f"mutant:{mutant.misconception}:{mutant.replaces}"
    return f"mutant:{mutant.id}"


def was(mutant: Any) -> str | None:
    """transition: the old whole-function mutant's key that a family's first patch replaces
    (its grade must be the old one's: the proof of the port)."""
    family, _, index = getattr(mutant, "id", "").partition("#")
    function = str(getattr(mutant, "function", "")).split(".")[0]
    return f"mutant:{family}:{function}" if index == "1" else None


def grades(name: str) -> dict[str, dict[str, Any]]:
    found = {"solution": summary(grade(name, catalog.solution_file(name), Options()))}
    with tempfile.TemporaryDirectory(prefix="neurograde-golden-") as workdir:
        stub = Path(workdir) / f"{name}.py"
        stub.write_text(catalog.stub_text(name), "utf-8")
        found["stub"] = summary(grade(name, stub, Options()))
        for mutant in catalog.load(name).mutants:
            found[label(mutant)] = summary(grade_mutant(name, mutant, Path(workdir)))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("name", catalog.builtin())
def test_solution_stub_and_every_mutant_grade_as_recorded(name: str) -> None:
    golden = json.loads(GOLDEN.read_text("utf-8"))
    found = grades(name)
    if UPDATE:
        golden[name] = found
        GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n", "utf-8")
        return
    recorded = golden.get(name, {})
    aliases = {label(m): was(m) for m in catalog.load(name).mutants}
    keys = {k: k if k in recorded else aliases.get(k) for k in found}
    changed = sorted(k for k, at in keys.items() if at in recorded and found[k] != recorded[at])
    assert not changed, {k: (recorded[keys[k]], found[k]) for k in changed}
    assert sorted(k for k, at in keys.items() if at not in recorded) == [], "not recorded"
    assert sorted(set(recorded) - set(keys.values())) == [], "recorded but no longer graded"
