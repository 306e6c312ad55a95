"""Reading answers, scoring them, answers files, and the graded result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.quiz.bank import load_bank
from grader.quiz.session import (
    AnswersFileError,
    InvalidAnswer,
    answer,
    build_result,
    format_number,
    instantiate,
    instantiate_topic,
    read_answers_file,
)

BANK = load_bank()


def _instance(question_id: str, seed: int = 0):
    return instantiate(BANK.question(question_id), seed)


def _letter(instance, correct: bool) -> str:
    return next("abcdefgh"[i] for i, c in enumerate(instance.choices) if c.correct is correct)


def test_single_choice_accepts_letters_and_numbers_in_any_case() -> None:
    instance = _instance("activations/sigmoid-range")
    right = _letter(instance, True)
    number = str("abcdefgh".index(right) + 1)
    for text in (right, right.upper(), f"  {right} ", number):
        assert instance.is_right(instance.parse(text)), text
    assert not instance.is_right(instance.parse(_letter(instance, False)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("z", "'z' is not a choice: type a letter a-d or a number 1-4"),
        ("5", "'5' is not a choice"),
        ("0", "'0' is not a choice"),
        ("a,b", "picks several choices: this question has one answer"),
        ("ab", "picks several choices"),
        ("", "no answer: type one letter a-d or number 1-4"),
    ],
)
def test_single_choice_typos_say_what_is_expected(text: str, message: str) -> None:
    with pytest.raises(InvalidAnswer, match=message):
        _instance("activations/sigmoid-range").parse(text)


def test_multiple_choice_needs_exactly_the_right_set() -> None:
    instance = _instance("activations/fixes-dying-relu")
    right = sorted("abcdefgh"[i] for i in instance.key)
    wrong = _letter(instance, False)
    for text in (",".join(right), " ".join(right), "".join(right), "; ".join(reversed(right))):
        assert instance.is_right(instance.parse(text)), text
    numbers = ",".join(str("abcdefgh".index(x) + 1) for x in right)
    assert instance.is_right(instance.parse(numbers))
    assert not instance.is_right(instance.parse(",".join(right[:-1])))
    assert not instance.is_right(instance.parse(",".join([*right, wrong])))
    with pytest.raises(InvalidAnswer, match="'x' is not a choice: type a letter a-e"):
        instance.parse("a,x")


def test_true_false_words() -> None:
    instance = _instance("neurons/xor")  # the answer is false
    for text in ("false", "F", "no", "n"):
        assert instance.is_right(instance.parse(text))
    for text in ("true", "T", "yes", "Y"):
        assert not instance.is_right(instance.parse(text))
    with pytest.raises(InvalidAnswer, match="'maybe' is not true or false"):
        instance.parse("maybe")


def test_numeric_answers_within_the_tolerance_are_right() -> None:
    instance = _instance("activations/sigmoid-at-zero")  # 0.5, tolerance 0.001
    assert instance.is_right(instance.parse("0.5"))
    assert instance.is_right(instance.parse("0.5009"))
    assert instance.is_right(instance.parse("5e-1"))
    assert not instance.is_right(instance.parse("0.502"))
    with pytest.raises(InvalidAnswer, match="'half' is not a number"):
        instance.parse("half")
    with pytest.raises(InvalidAnswer, match="not a finite number"):
        instance.parse("nan")
    exact = _instance("epochs-batches/mnist-batches")  # 469, tolerance 0
    assert exact.is_right(exact.parse("469"))
    assert not exact.is_right(exact.parse("468"))
    assert exact.hint == "a number"
    assert instance.hint == "a number; answers within 0.001 count"


def test_right_answers_are_shown_rounded_to_the_tolerance() -> None:
    question = BANK.question("loss/multiclass-ce-example")  # -ln 0.2 = 1.6094..., tolerance 0.001
    assert instantiate(question, 0).right_answer == "1.609"
    assert _instance("loss/mse-example").right_answer == "1.667"
    assert _instance("epochs-batches/mnist-batches").right_answer == "469"


def test_format_number_writes_plain_decimals() -> None:
    assert format_number(12.0) == "12"
    assert format_number(0.5) == "0.5"
    assert format_number(1e-8) == "0.00000001"
    assert format_number(0.01 * 0.1**4) == "0.000001"
    assert format_number(-0.3) == "-0.3"


def test_outcomes_and_result() -> None:
    topic = BANK.topics["neurons"]
    instances = instantiate_topic(topic, 4)
    right = answer(instances[0], "1.5")
    wrong = answer(instances[4], "true")  # xor: false
    typo = answer(instances[1], "zz")
    missing = answer(instances[2], None)
    assert right.passed and not wrong.passed and not typo.passed and not missing.passed
    assert wrong.verdict == "you answered true; the answer is false"
    assert typo.verdict.startswith("could not read 'zz' (")
    assert missing.verdict.startswith("no answer given; the answer is ")
    result = build_result(topic, [right, wrong, typo, missing], 0.25)
    data = result.to_json()
    assert data["schema"] == "neurograde.result/1"
    assert data["exercise"] == "quiz:neurons"
    assert (data["score"], data["max_score"]) == (1.0, 4.0)
    assert [c["passed"] for c in data["checks"]] == [True, False, False, False]
    assert {c["kind"] for c in data["checks"]} == {"quiz"}
    assert data["checks"][0]["id"] == "neurons/weighted-sum"
    assert data["checks"][0]["message"].startswith("Right: 1.5. z = ")
    assert data["checks"][1]["message"].startswith("You answered true; the answer is false. ")
    assert result.title == "Quiz: Neurons and layers"
    assert not result.passed


def test_answers_files_in_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "answers.toml"
    toml.write_text(
        'seed = 7\n"neurons/xor" = false\n"neurons/weighted-sum" = 1.5\n'
        '"neurons/layers" = ["a", 3]\n"cnn/flatten-size" = 4096\n"neurons/bias-role" = "b"\n',
        encoding="utf-8",
    )
    sheet = read_answers_file(toml, BANK)
    assert sheet.seed == 7
    assert sheet.answers == {
        "neurons/xor": "false",
        "neurons/weighted-sum": "1.5",
        "neurons/layers": "a,3",
        "cnn/flatten-size": "4096",
        "neurons/bias-role": "b",
    }
    as_json = tmp_path / "answers.json"
    as_json.write_text(json.dumps({"neurons/xor": "f"}), encoding="utf-8")
    assert read_answers_file(as_json, BANK).seed is None
    assert read_answers_file(as_json, BANK).answers == {"neurons/xor": "f"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.toml", '"neurons/xor" = ', "not a readable TOML file"),
        ("a.json", "{", "not a readable JSON file"),
        ("a.json", "[1, 2]", "expected a table of question id = answer"),
        ("a.toml", 'seed = "x"', "seed must be an integer"),
        ("a.toml", '"neurons/nope" = "a"', "'neurons/nope' is not a question id"),
        ("a.toml", 'xor = "a"', "'xor' is not a question id"),
        ("a.toml", '"neurons/xor" = { a = 1 }', "the answer to 'neurons/xor' must be"),
    ],
)
def test_malformed_answers_files_are_explained(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(AnswersFileError, match=message):
        read_answers_file(path, BANK)


def test_a_wrong_multiple_choice_names_what_was_missed_and_what_was_wrongly_picked() -> None:
    instance = _instance("activations/fixes-dying-relu", 3)
    shown = {c.text: f"{'abcdefgh'[n]}) {c.text}" for n, c in enumerate(instance.choices)}
    leaky, elu, smaller_lr, step, no_bias = (
        shown[c.text] for c in BANK.question("activations/fixes-dying-relu").choices
    )

    def given(*choices: str) -> str:
        return ",".join(c[0] for c in choices)

    def listed(*choices: str) -> str:
        return "; ".join(sorted(choices))

    missed = answer(instance, given(leaky, elu))
    assert missed.verdict == f"you missed 1 right choice: {smaller_lr}"
    both = answer(instance, given(leaky, step, no_bias))
    assert both.verdict == (
        f"you missed 2 right choices: {listed(elu, smaller_lr)}; "
        f"and wrongly picked {listed(step, no_bias)}"
    )
    extra = answer(instance, given(leaky, elu, smaller_lr, step))
    assert extra.verdict == f"you wrongly picked {step}"
    for outcome in (missed, both, extra):  # never the whole key again
        assert "the answer is" not in outcome.verdict
    message = build_result(BANK.topics["activations"], [extra], 0.1).checks[0].message
    assert message.startswith(f"You wrongly picked {step}. Leaky ReLU and ELU")


def test_relative_tolerances_scale_with_the_answer() -> None:
    question = BANK.question("cnn/feature-map-memory")  # relative_tolerance = 0.005
    assert (question.tolerance, question.relative_tolerance) == (0.0, 0.005)
    by_size = sorted((instantiate(question, s) for s in range(60)), key=lambda i: i.answer)
    small, large = by_size[0], by_size[-1]
    assert small.answer < 5 < 100 < large.answer
    for instance in (small, large):
        assert instance.tolerance == pytest.approx(0.005 * instance.answer)
        assert instance.hint == "a number; answers within 0.5% count"
        assert instance.is_right(instance.answer * 1.004)
        assert not instance.is_right(instance.answer * 1.006)
        assert not instance.is_right(instance.answer * 1e6 / 2**20)  # MiB, not MB
    for instance in (small, large):  # shown to 3 significant figures, as the text asks
        assert float(instance.right_answer) == float(f"{instance.answer:.3g}")
