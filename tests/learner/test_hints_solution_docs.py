"""Targeted hints, the reference after full marks, and the contract from the installed package."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader import catalog, docs

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", catalog.available())
def test_every_function_has_hints_as_data(name: str) -> None:
    hints = catalog.load(name).function_hints
    assert set(hints) == set(catalog.load(name).functions)
    assert all(len(texts) >= 2 and all(t.strip() for t in texts) for texts in hints.values())


def test_a_hint_targets_the_first_failing_function_and_its_named_mistake(
    neurograde, workspace: Path, solution
) -> None:
    source = solution("activations").replace("z > 0).astype", "z >= 0).astype")
    (workspace / "activations.py").write_text(source, "utf-8")
    hints = catalog.load("activations").function_hints["relu_grad"]
    shown = [neurograde("hint", "activations", "--workspace", str(workspace), COLUMNS="60")
             for _ in range(len(hints) + 2)]  # fmt: skip
    for done in shown:
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("relu_grad is the first function of activations that fails.")
        flat = " ".join(done.stdout.split())
        assert "The mistake it makes (relu-grad-at-zero): relu_grad gives 1 at z = 0." in flat
        assert all(len(line) <= 60 for line in done.stdout.splitlines()), done.stdout
    for number, done in enumerate(shown[: len(hints)], start=1):
        assert f"Hint {number}/{len(hints)}: {hints[number - 1][:20]}" in done.stdout
    for done in shown[len(hints) :]:  # no reprint after the last one
        assert "Hint " not in done.stdout
        assert f"You have seen all {len(hints)} hints for relu_grad" in done.stdout
    progress = json.loads((workspace / ".neurograde" / "progress.json").read_text("utf-8"))
    assert progress["activations"]["attempts"] == 1  # graded once, then the stored grade serves
    assert progress["activations"]["failing"] == ["relu_grad"]


def test_an_untouched_stub_gets_hints_for_its_first_function(neurograde, workspace: Path) -> None:
    done = neurograde("hint", "losses", "--workspace", str(workspace))
    assert done.stdout.startswith("mse is the first function of losses that fails.")
    assert f"Hint 1/2: {catalog.load('losses').function_hints['mse'][0][:30]}" in done.stdout


def test_the_solution_is_refused_before_full_marks_and_shown_after(
    neurograde, workspace: Path, solution
) -> None:
    refused = neurograde("solution", "neuron", "--workspace", str(workspace))
    assert refused.returncode == 1 and refused.stdout == ""
    assert "shown once you have full marks" in refused.stderr
    (workspace / "neuron.py").write_text(solution("neuron").replace("np.dot(w, x)", "w @ x"))
    assert neurograde("grade", "neuron", "--workspace", str(workspace)).returncode == 0
    shown = neurograde("solution", "neuron", "--workspace", str(workspace), COLUMNS="140")
    assert shown.returncode == 0, shown.stderr
    mine = next(row for row in shown.stdout.splitlines() if "w @ x" in row)
    theirs = next(row for row in shown.stdout.splitlines() if "np.dot(w, x)" in row)
    assert mine.index("w @ x") < mine.index("│") < theirs.index("np.dot(w, x)")
    for function in catalog.load("neuron").functions:
        assert f"── {function} ─" in shown.stdout


def test_docs_print_the_contract_from_the_package(neurograde) -> None:
    done = neurograde("docs", "losses")
    assert done.returncode == 0
    assert "cross_entropy(logits, labels) -> float" in done.stdout and "|" not in done.stdout
    assert "Conventions" in neurograde("docs").stdout
    assert set(docs.sections()) >= {"neuron", *catalog.available()}


def test_the_packaged_curriculum_is_the_contract() -> None:
    spec = next(
        (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()), None
    )
    if spec is None:
        pytest.skip("no shared/spec beside this checkout")
    packaged = (ROOT / "grader" / "data" / "curriculum.md").read_text("utf-8")
    assert packaged == (spec / "spec" / "curriculum.md").read_text("utf-8"), (
        "copy shared/spec/curriculum.md to grader/data/curriculum.md"
    )


def test_stubs_speak_to_the_learner() -> None:
    for stub in sorted((ROOT / "exercises").glob("*.py")):
        head = stub.read_text("utf-8").splitlines()[:4]
        assert f"neurograde grade {stub.stem}" in "\n".join(head)
        assert "Generated" not in stub.read_text("utf-8")
    assert "grader/data/curriculum.md" not in (ROOT / "README.md").read_text("utf-8")
    assert "neurograde docs" in (ROOT / "README.md").read_text("utf-8")
