"""Every parameterised question, over many seeds, asks what it means to ask.

A drawn question can go wrong without a wrong key: numbers for which the
concept does not matter (a leaky ReLU at a positive z, a learning rate before
the first drop), for which a classic mistake gives the right number too (1/p
for 1/(1-p) at p = 0.5), or that make no sense (padding 3 on a 3x3 kernel).
`CONCEPT` declares, per question, what every draw must satisfy, mostly as
"these mistaken answers are rejected". Its explanation must work the drawn
numbers through to the key shown, and the precision its text asks for must be
the precision its tolerance accepts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest

from grader.quiz.answers import sigmoid
from grader.quiz.bank import load_bank
from grader.quiz.session import Instance, instantiate

BANK = load_bank()
SEEDS = range(400)
PARAMETERISED = sorted(q.id for q in BANK.questions if q.kind == "parameterised")
NUMERIC = sorted(q.id for q in BANK.questions if q.kind in ("numeric", "parameterised"))


def rejects(instance: Instance, *mistakes: float) -> bool:
    """Every mistaken answer in `mistakes` is graded wrong."""
    return not any(instance.is_right(float(m)) for m in mistakes)


Predicate = Callable[[dict, Instance], bool]

# question id -> what every draw must satisfy (p: the drawn parameters)
CONCEPT: dict[str, Predicate] = {
    "neurons/dense-layer-parameters": lambda p, i: rejects(
        i, p["n_out"] * p["n_in"], p["n_out"] * p["n_in"] + p["n_in"]
    ),  # biases forgotten, or one per input
    "neurons/mlp-parameters": lambda p, i: rejects(
        i,
        p["n_in"] * p["hidden"] + p["hidden"] * p["n_out"],
        p["n_in"] * p["hidden"] + p["hidden"] * p["n_out"] + p["n_in"] + p["hidden"],
    ),
    "activations/sigmoid-value": lambda p, i: p["z"] != 0 and rejects(i, sigmoid(-p["z"])),
    "activations/leaky-relu-value": lambda p, i: p["z"] < 0 and rejects(i, p["z"], 0),
    "loss/bce-value": lambda p, i: rejects(
        i, -math.log(p["p"]) if p["y"] == 0 else -math.log(1 - p["p"])
    ),  # the other label's term
    "loss/uniform-cross-entropy": lambda p, i: rejects(
        i, math.log2(p["classes"]), 1 / p["classes"]
    ),
    "backprop/weight-gradient-entries": lambda p, i: rejects(
        i, p["n_out"] * p["n_in"] * p["batch"], p["batch"] * p["n_in"], p["batch"] * p["n_out"]
    ),
    "backprop/sigmoid-local-gradient": lambda p, i: (
        p["z"] != 0  # σ'(0) has its own question
        and rejects(i, sigmoid(p["z"]), p["z"] * (1 - p["z"]))
    ),  # the output; z taken as σ(z)
    "gradient-descent/updates-per-epoch": lambda p, i: rejects(
        i, p["n_samples"] // p["batch_size"]
    ),
    "epochs-batches/total-updates": lambda p, i: (
        p["epochs"] > 1 and rejects(i, p["n_samples"] // p["batch_size"] * p["epochs"])
    ),
    "epochs-batches/last-batch": lambda p, i: (
        p["n_samples"] > 2 * p["batch_size"] and 1 <= i.answer <= p["batch_size"]
    ),
    "optimizers/momentum-multiplier": lambda p, i: rejects(
        i, 1, 1 + p["momentum"], 1 / p["momentum"]
    ),
    "optimizers/adam-bias-correction": lambda p, i: (
        i.answer <= 0.9  # the correction matters
        and rejects(i, p["beta"] ** p["step"], 1 - p["beta"])
    ),  # β^t; the power forgotten
    "optimizers/step-lr": lambda p, i: (
        p["epoch"] >= p["step_size"]  # after the first drop
        and rejects(i, p["initial_lr"])
    ),
    "pytorch/drop-last": lambda p, i: (
        i.answer >= 1 and rejects(i, math.ceil(p["n_samples"] / p["batch_size"]))
    ),
    "regularization/dropout-scale": lambda p, i: rejects(i, 1 / p["p"], 1 - p["p"], p["p"]),
    "hyperparameters/grid-search-size": lambda p, i: rejects(
        i,
        p["values_a"] * p["values_b"] * p["values_c"],
        (p["values_a"] + p["values_b"] + p["values_c"]) * p["folds"],
    ),
    "cnn/conv-output-size": lambda p, i: (
        p["padding"] <= (p["kernel"] - 1) // 2  # at most 'same'
        and p["stride"] <= p["kernel"]  # no pixel skipped
        and 1 <= i.answer <= p["size"]
    ),
    "cnn/pool-output-size": lambda p, i: p["stride"] <= p["kernel"] and 1 <= i.answer < p["size"],
    "cnn/conv-parameters": lambda p, i: rejects(
        i,
        p["out_channels"] * p["in_channels"] * p["kernel"] ** 2,  # no biases
        p["in_channels"] * (p["out_channels"] * p["kernel"] ** 2 + 1),  # biases per input
        p["out_channels"] * (p["in_channels"] * p["kernel"] + 1),  # k instead of k·k
    ),
    "cnn/feature-map-memory": lambda p, i: rejects(
        i,
        i.answer * 1e6 / 2**20,  # MiB
        p["batch"] * p["channels"] * p["height"] * p["width"] / 1e6,  # 1 byte per float
    ),
}


def _instances(question_id: str) -> list[Instance]:
    """One instance per distinct draw over `SEEDS`."""
    question, seen = BANK.question(question_id), {}
    for seed in SEEDS:
        instance = instantiate(question, seed)
        seen.setdefault(tuple(instance.parameters.items()), instance)
    return list(seen.values())


def test_every_parameterised_question_declares_its_concept() -> None:
    assert sorted(CONCEPT) == PARAMETERISED


@pytest.mark.parametrize("question_id", PARAMETERISED)
def test_every_draw_exercises_the_concept(question_id: str) -> None:
    instances = _instances(question_id)
    assert len(instances) > 1
    for instance in instances:
        assert CONCEPT[question_id](instance.parameters, instance), (
            f"{question_id} drew {instance.parameters}: {instance.text}"
        )


@pytest.mark.parametrize("question_id", PARAMETERISED)
def test_the_explanation_works_the_drawn_numbers_through_to_the_key(question_id: str) -> None:
    instances = _instances(question_id)
    for instance in instances:
        assert instance.right_answer in instance.explanation, instance.explanation
        assert "{" not in instance.explanation + instance.text
    assert len({i.explanation for i in instances}) == len(instances)  # every number shows


def _asked_precision(text: str) -> tuple[str, int] | None:
    match = re.search(r"Give (\d+) (decimals|significant figures)", text)
    return (match[2], int(match[1])) if match else None


def _rounded(value: float, kind: str, digits: int) -> tuple[float, float]:
    """`value` rounded as asked, and one unit of the digit before the last asked."""
    if kind == "significant figures":
        exponent = math.floor(math.log10(abs(value))) - digits + 1
    else:
        exponent = -digits
    return round(value, -exponent), 10.0 ** (exponent + 1)


@pytest.mark.parametrize("question_id", NUMERIC)
def test_the_precision_asked_is_the_precision_accepted(question_id: str) -> None:
    question = BANK.question(question_id)
    instances = (
        _instances(question_id) if question.kind == "parameterised" else [instantiate(question, 0)]
    )
    for instance in instances:
        assert instance.is_right(instance.parse(instance.right_answer))
        asked = _asked_precision(instance.text)
        if asked is None:  # then the key must be a number a learner writes exactly
            shown = instance.right_answer.lstrip("-").replace(".", "").strip("0")
            assert float(instance.right_answer).is_integer() or len(shown) <= 4, instance.text
            continue
        rounded, coarser = _rounded(instance.answer, *asked)
        assert instance.is_right(rounded), (instance.text, rounded)
        assert not instance.is_right(instance.answer + coarser), (instance.text, coarser)
        assert not instance.is_right(instance.answer - coarser), (instance.text, coarser)


_UNIT = re.compile(r"\b(kB|KB|MB|GB|KiB|MiB|GiB|megabytes?|gigabytes?)\b")


def test_memory_is_in_decimal_units_stated_wherever_it_is_used() -> None:
    users = [q for q in BANK.questions if _UNIT.search(q.text + q.explanation)]
    assert {q.id for q in users} >= {"cnn/feature-map-memory", "cnn/memory-driver"}
    for question in users:
        text = question.text + " " + question.explanation
        assert not re.search(r"\b(KB|KiB|MiB|GiB)\b", text), question.id
        assert "1 MB = 10^6 bytes" in text, question.id
