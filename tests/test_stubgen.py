"""Stubs are generated from the solutions and kept in sync with them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grader.stubgen import MarkerError, make_stub, stub_text

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.py"))


@pytest.mark.parametrize("solution", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_stub_is_in_sync_and_has_no_solution(solution: Path) -> None:
    stub = (ROOT / "exercises" / solution.name).read_text("utf-8")
    assert stub == stub_text(solution), "run: python -m grader.stubgen"
    assert "BEGIN SOLUTION" not in stub
    ast.parse(stub)
    assert "NotImplementedError" in stub


def test_markers_become_raise_with_the_function_name() -> None:
    source = 'def f(x):\n    """Doc."""\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION\n'
    assert (
        make_stub(source)
        == 'def f(x):\n    """Doc."""\n    raise NotImplementedError("f: write your code here")\n'
    )


@pytest.mark.parametrize(
    "source",
    ["# BEGIN SOLUTION\n", "# END SOLUTION\n", "# BEGIN SOLUTION\n# BEGIN SOLUTION\n"],
    ids=["unclosed", "unopened", "nested"],
)
def test_unbalanced_markers_are_refused(source: str) -> None:
    with pytest.raises(MarkerError):
        make_stub(source)
