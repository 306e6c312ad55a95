"""One workspace for everything, found the same way by every command; nothing created
elsewhere, not even hypothesis's cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import catalog

NEURON_MAX = f"{sum(c.points for c in catalog.load('neuron').checks):g}"  # neuron's full marks

COMMANDS = [
    ["list"],
    ["grade", "neuron"],
    ["watch", "neuron"],
    ["hint", "neuron"],
    ["solution", "neuron"],
    ["quiz"],
    ["quiz", "neurons", "--answers", "ANSWERS"],
]


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_missing_workspace_is_a_clear_error_that_creates_nothing(
    how: str, invoke, tmp_path: Path
) -> None:
    sheet = tmp_path / "answers.toml"
    sheet.write_text('"neurons/xor" = false\n', "utf-8")
    typo = tmp_path / "typo"
    for command in COMMANDS:
        command = [str(sheet) if part == "ANSWERS" else part for part in command]
        if how == "option":
            done = invoke(*command, "--workspace", str(typo), cwd=tmp_path)
        else:
            done = invoke(*command, cwd=tmp_path, NEUROGRADE_WORKSPACE=str(typo))
        assert done.exit_code == 2, (command, done.output)
        assert f"workspace {typo} does not exist" in done.output, command
        assert not typo.exists(), command
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.toml"]


def test_every_command_finds_the_workspace_made_by_init(
    neurograde, workspace: Path, tmp_path: Path, solution
) -> None:
    (workspace / "neuron.py").write_text(solution("neuron"), "utf-8")
    inside = workspace / "notes"
    inside.mkdir()
    graded = neurograde("grade", "neuron", cwd=inside)  # from a sub-folder, no --workspace
    assert graded.returncode == 0, graded.stderr
    sheet = tmp_path / "answers.toml"
    sheet.write_text('"cnn/flatten-size" = 4096\n', "utf-8")
    quiz = neurograde("quiz", "cnn", "--answers", str(sheet), cwd=workspace)
    assert quiz.returncode == 1
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for listing in (
        neurograde("list", "--workspace", str(workspace), cwd=elsewhere),
        neurograde("list", cwd=elsewhere, NEUROGRADE_WORKSPACE=str(workspace)),
        neurograde("list", cwd=inside),
    ):
        rows = {line.split()[0]: line.split()[2:] for line in listing.stdout.splitlines()[2:]}
        assert rows["neuron"] == ["done", NEURON_MAX, "/", NEURON_MAX]
        assert rows["quiz:cnn"][0] == "taken" and rows["quiz:cnn"][-1] == "10"
        assert rows["quiz:neurons"][:3] == ["not", "taken", "yet"]
    assert sorted(p.name for p in elsewhere.iterdir()) == []


def test_grading_leaves_nothing_outside_the_workspace_state_folder(
    neurograde, workspace: Path, tmp_path: Path, solution
) -> None:
    (workspace / "activations.py").write_text(solution("activations"), "utf-8")
    before = sorted(p.name for p in workspace.iterdir())
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    for command in (["grade", "activations"], ["hint", "activations"]):
        neurograde(*command, "--workspace", str(workspace), cwd=cwd)
    assert list(cwd.iterdir()) == []
    assert sorted(p.name for p in workspace.iterdir()) == before
    assert (workspace / ".neurograde" / "progress.json").is_file()
