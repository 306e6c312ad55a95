"""The question bank loads, covers the spec, and rejects malformed topic files clearly."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from grader.quiz import answers
from grader.quiz.bank import KINDS, BankError, load_bank, load_topic
from grader.quiz.session import instantiate

SPEC_TOPICS = [
    "classical-vs-nn",
    "neurons",
    "activations",
    "loss",
    "backprop",
    "gradient-descent",
    "epochs-batches",
    "optimizers",
    "regularization",
    "hyperparameters",
    "pytorch",
    "cnn",
]


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def test_the_bank_covers_every_topic_of_the_spec_in_order(bank) -> None:
    assert list(bank.topics) == SPEC_TOPICS
    spec = (Path(__file__).resolve().parents[2] / "grader/quiz/bank").glob("*.toml")
    assert sorted(p.stem for p in spec) == sorted(SPEC_TOPICS)


def test_the_bank_is_big_enough_and_uses_every_kind(bank) -> None:
    assert len(bank.questions) >= 70
    for topic in bank.topics.values():
        assert len(topic.questions) >= 6, topic.id
    assert {q.kind for q in bank.questions} == set(KINDS)


def test_every_question_has_a_stable_id_and_an_explanation(bank) -> None:
    ids = [q.id for q in bank.questions]
    assert len(ids) == len(set(ids))
    for question in bank.questions:
        assert re.fullmatch(r"[a-z0-9-]+/[a-z0-9-]+", question.id)
        assert question.id.startswith(question.topic + "/")
        assert len(question.explanation) > 20, question.id
        assert bank.question(question.id) is question
    assert bank.question("activations/no-such-question") is None
    assert bank.question("no-such-topic/x") is None


def test_every_answer_function_is_used_by_some_question(bank) -> None:
    used = {q.function for q in bank.questions if q.kind == "parameterised"}
    assert used == set(answers.ANSWER_FUNCTIONS)
    public = {
        name
        for name, f in inspect.getmembers(answers, inspect.isfunction)
        if f.__module__ == answers.__name__
    }
    assert public == set(answers.ANSWER_FUNCTIONS)


def test_instances_are_reproducible_per_seed_and_shuffle_choices(bank) -> None:
    question = bank.question("activations/sigmoid-range")
    assert instantiate(question, 5) == instantiate(question, 5)
    orders = {tuple(c.text for c in instantiate(question, s).choices) for s in range(20)}
    assert len(orders) > 1
    assert all(sum(c.correct for c in instantiate(question, s).choices) == 1 for s in range(20))
    parameterised = bank.question("gradient-descent/updates-per-epoch")
    drawn = {tuple(instantiate(parameterised, s).parameters.items()) for s in range(20)}
    assert len(drawn) > 1
    assert "{" not in instantiate(parameterised, 3).text


GOOD = """
topic = "demo"
title = "Demo"
description = "A demo topic."
order = 1

[[questions]]
id = "first"
kind = "single"
text = "Pick a."
choices = [{ text = "a", correct = true }, { text = "b" }]
explanation = "Because a."
"""

PARAMETERISED = """
[[questions]]
id = "second"
kind = "parameterised"
text = "{{ n_samples }} samples, batch {{ batch_size }}?"
function = "updates_per_epoch"
tolerance = 0
explanation = "ceil({{ n_samples }} / {{ batch_size }}) = {{ answer }}."

[questions.params]
n_samples = { min = 10, max = 20 }
batch_size = { choices = [2, 3] }
"""


JOINT = PARAMETERISED.replace(
    "n_samples = { min = 10, max = 20 }\nbatch_size = { choices = [2, 3] }",
    '"n_samples, batch_size" = { choices = [[10, 2], [20, 3]] }',
)


def _write(tmp_path: Path, text: str, name: str = "demo.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_small_valid_bank_loads(tmp_path: Path) -> None:
    _write(tmp_path, GOOD + PARAMETERISED)
    bank = load_bank(tmp_path)
    first, second = bank.topics["demo"].questions
    assert first.id == "demo/first" and first.choices[0].correct
    assert second.params[0].values == range(10, 21)
    assert second.params[1].values == (2, 3)
    instance = instantiate(second, 0)
    n, b = instance.parameters["n_samples"], instance.parameters["batch_size"]
    assert instance.text == f"{n} samples, batch {b}?"
    assert instance.explanation == f"ceil({n} / {b}) = {instance.right_answer}."


def test_parameters_drawn_together_keep_their_combinations(tmp_path: Path) -> None:
    _write(tmp_path, GOOD + JOINT)
    (_, question) = load_bank(tmp_path).topics["demo"].questions
    assert [p.names for p in question.params] == [("n_samples", "batch_size")]
    drawn = {tuple(instantiate(question, s).parameters.items()) for s in range(30)}
    assert drawn == {(("n_samples", 10), ("batch_size", 2)), (("n_samples", 20), ("batch_size", 3))}


@pytest.mark.parametrize(
    ("broken", "question", "message"),
    [
        (GOOD.replace('explanation = "Because a."', ""), "demo/first", "explanation is missing"),
        (GOOD.replace('explanation = "Because a."', 'explanation = "  "'), "demo/first", "empty"),
        (
            GOOD.replace('{ text = "b" }', '{ text = "b", correct = true }'),
            "demo/first",
            "exactly 1",
        ),
        (GOOD.replace('kind = "single"', 'kind = "essay"'), "demo/first", "kind must be one of"),
        (GOOD.replace('text = "Pick a."', 'text = "Pick a."\nhint = "x"'), "demo/first", "hint"),
        (GOOD.replace('{ text = "b" }', '{ text = "a" }'), "demo/first", "same text"),
        (GOOD.replace('"Pick a."', '"Pick a or c:\\\\d."'), "demo/first", "backslash"),
        (GOOD.replace('id = "first"', 'id = "First Q"'), None, "question 1 needs an id"),
        (GOOD + GOOD[GOOD.index("[[questions]]") :], "demo/first", "used twice"),
        (GOOD + PARAMETERISED.replace("updates_per_epoch", "nope"), "demo/second", "'nope'"),
        (
            GOOD + PARAMETERISED.replace("batch {{ batch_size }}?", "?"),
            "demo/second",
            "the text must show every param as {{ name }}: ['batch_size'] missing",
        ),
        (
            GOOD + PARAMETERISED.replace("samples, batch", "samples, {{ answer }}, batch"),
            "demo/second",
            "the text uses ['answer'], which are not the params",
        ),
        (
            GOOD
            + PARAMETERISED.replace(
                '"ceil({{ n_samples }} / {{ batch_size }}) = {{ answer }}."', '"ceil(N / B)."'
            ),
            "demo/second",
            "the explanation must work the drawn values through",
        ),
        (
            GOOD + PARAMETERISED.replace("= {{ answer }}.", "= {{ answr }}."),
            "demo/second",
            "the explanation uses ['answr'], which are not params, answer or answer functions",
        ),
        (
            GOOD + PARAMETERISED.replace("= {{ answer }}.", "= {{ answer }."),
            "demo/second",
            "the explanation is not a valid jinja2 template",
        ),
        (
            GOOD
            + PARAMETERISED.replace("= {{ answer }}.", "= {{ n_samples // (batch_size - 2) }}."),
            "demo/second",
            "does not render with {'n_samples': 10, 'batch_size': 2}",
        ),
        (
            GOOD.replace('"Because a."', '"Because {{ a }}."'),
            "demo/first",
            "the explanation contains template syntax",
        ),
        (
            GOOD + PARAMETERISED.replace("tolerance = 0", "relative_tolerance = 1"),
            "demo/second",
            "relative_tolerance is a fraction of the answer: below 1",
        ),
        (
            GOOD + PARAMETERISED.replace("tolerance = 0", ""),
            "demo/second",
            "tolerance (absolute) or relative_tolerance (a fraction) is missing",
        ),
        (
            GOOD + JOINT.replace("[[10, 2], [20, 3]]", "[[10, 2], [20]]"),
            "demo/second",
            "it needs choices = a non-empty list of lists of 2 numbers",
        ),
        (
            GOOD
            + JOINT.replace(
                "[questions.params]", "[questions.params]\nbatch_size = { choices = [2] }"
            ),
            "demo/second",
            "once, and nothing else",
        ),
        (
            GOOD + PARAMETERISED.replace("batch_size = {", "batch = {"),
            "demo/second",
            "do not match",
        ),
        (GOOD + PARAMETERISED.replace("min = 10", "min = 30"), "demo/second", "min <= max"),
        (GOOD + PARAMETERISED.replace("[2, 3]", "[0, 3]"), "demo/second", "ZeroDivisionError"),
        (GOOD + PARAMETERISED.replace("[2, 3]", "[]"), "demo/second", "non-empty list"),
        (GOOD + PARAMETERISED.replace("tolerance = 0", "tolerance = -1"), "demo/second", ">= 0"),
        (GOOD.replace('topic = "demo"', 'topic = "other"'), None, "must match the file name"),
        (GOOD.replace("order = 1", 'order = "1"'), None, "order must be an integer"),
        (GOOD + "oops = [", None, "cannot be read as TOML"),
    ],
)
def test_validation_errors_name_the_file_and_the_question(
    tmp_path: Path, broken: str, question: str | None, message: str
) -> None:
    with pytest.raises(BankError) as info:
        load_topic(_write(tmp_path, broken))
    text = str(info.value)
    assert text.startswith("demo.toml: ")
    assert message in text
    if question is not None:
        assert f"question {question!r}" in text
        assert info.value.question == question


def test_duplicate_orders_and_empty_folders_are_errors(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="no topic files"):
        load_bank(tmp_path)
    _write(tmp_path, GOOD)
    _write(tmp_path, GOOD.replace('topic = "demo"', 'topic = "twin"'), "twin.toml")
    with pytest.raises(BankError, match=r"twin\.toml: order 1 is also used by demo\.toml"):
        load_bank(tmp_path)
