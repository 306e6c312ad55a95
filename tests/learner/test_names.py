"""One set of names: `-` or `_`, a `.py` suffix, the exercise's name for its quiz topic, and
"did you mean" for a typo — the same in every command."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import catalog, names
from grader.quiz.bank import load_bank

TOPICS = list(load_bank().topics)
EXERCISES = catalog.available()


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("gradient-descent", "gradient_descent"), ("gradient_descent.py", "gradient_descent"),
     ("Activations.py", "activations"), ("training-loop", "training_loop")],
)  # fmt: skip
def test_exercise_names_accept_dashes_underscores_and_py(typed: str, meant: str) -> None:
    assert names.exercise(typed, EXERCISES) == meant


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("gradient_descent", "gradient-descent"), ("losses", "loss"), ("neuron", "neurons"),
     ("epochs_batches", "epochs-batches"), ("loss", "loss"), ("training_loop", "pytorch"),
     ("cnn.py", "cnn")],
)  # fmt: skip
def test_topic_ids_stay_canonical_and_exercise_names_are_aliases(typed: str, meant: str) -> None:
    assert names.topic(typed, TOPICS) == meant


def test_every_exercise_name_reaches_a_quiz_topic() -> None:
    for exercise in EXERCISES:
        assert names.topic(exercise, TOPICS) in TOPICS


def test_a_typo_gets_did_you_mean() -> None:
    with pytest.raises(
        names.UnknownName, match=r"unknown exercise 'activation'; did you mean 'activations'\?"
    ):
        names.exercise("activation", EXERCISES)
    with pytest.raises(names.UnknownName, match=r"did you mean 'optimizers'\?"):
        names.topic("optimiser", TOPICS)
    with pytest.raises(names.UnknownName) as nothing_close:
        names.exercise("zzz", EXERCISES)
    assert "did you mean" not in str(nothing_close.value)
    assert "the exercises are: neuron, activations" in str(nothing_close.value)


def test_every_command_resolves_names_the_same_way(
    neurograde, invoke, tmp_path: Path, solution
) -> None:
    (tmp_path / "activations.py").write_text(solution("activations"), "utf-8")
    graded = neurograde("grade", "activations.py", "--workspace", str(tmp_path))
    assert graded.returncode == 0 and graded.stdout.startswith("activations — ")
    for command in (["grade", "activation"], ["hint", "activation"], ["watch", "activation"],
                    ["solution", "activation"], ["quiz", "activation"], ["docs"]):  # fmt: skip
        where = ["activation"] if command == ["docs"] else ["--workspace", str(tmp_path)]
        done = invoke(*command, *where)
        assert done.exit_code == 2, command
        assert "did you mean 'activations'?" in done.output, command
    sheet = tmp_path / "answers.toml"
    sheet.write_text('"loss/mse-definition" = "a"\n', "utf-8")
    quiz = neurograde("quiz", "losses", "--answers", str(sheet), "--workspace", str(tmp_path))
    assert quiz.returncode == 1 and "quiz:loss" in quiz.stdout
    docs = invoke("docs", "gradient-descent")
    assert docs.exit_code == 0 and "updates_per_epoch" in docs.output
