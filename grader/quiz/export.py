"""`neurograde quiz export`: the bank for a learning-management system or for print.

Every format shows the quiz exactly as `neurograde quiz TOPIC --seed SEED` asks it
(default seed 0): choices in that order, parameterised questions as one fixed
instance with the numbers that seed draws. Formats:

- `gift`: Moodle's GIFT (one `$CATEGORY` per topic, `::id::` names, `[markdown]`
  text, `~ = # { } :` escaped, the explanation as `####` general feedback).
  Multiple-choice questions give each right choice an equal share of 100% and
  each wrong one -100%, so picking a wrong choice cancels the credit. A numeric
  tolerance is absolute in GIFT: a relative one is exported as its absolute value
  for the instance's answer;
- `markdown`: questions, then an answer key with explanations, per topic;
- `json`: `{"schema": "neurograde.quiz-bank/1", "seed", "topics": [...]}`; a numeric
  question's `tolerance` is the instance's absolute allowance, `relative_tolerance`
  the bank's fraction (0 when none); `explanation` is rendered with the instance's numbers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from grader.quiz.bank import Bank, Topic
from grader.quiz.render import render
from grader.quiz.session import Instance, instantiate_topic

FORMATS = ("gift", "markdown", "json")
BANK_SCHEMA = "neurograde.quiz-bank/1"


def gift_right_weight(instance: Instance) -> str:
    """The GIFT percentage of each right choice of a multiple-choice question: 100 / #right.

    Moodle accepts only its listed grade fractions (1/k for k <= 10 among them),
    matched to 5 decimal places, hence `33.33333`.
    """
    share = 100 / sum(c.correct for c in instance.choices)
    return f"{share:.5f}".rstrip("0").rstrip(".")


def export_bank(bank: Bank, fmt: str, seed: int = 0, topics: Sequence[str] = ()) -> str:
    """The bank (or the named topics) in `fmt`, one of `FORMATS`."""
    chosen = [bank.topics[t] for t in topics] if topics else list(bank.topics.values())
    sections = [(topic, instantiate_topic(topic, seed)) for topic in chosen]
    total = sum(len(instances) for _, instances in sections)
    if fmt == "json":
        return json.dumps(_bank_json(sections, seed), indent=2, ensure_ascii=False) + "\n"
    template = {"gift": "gift.j2", "markdown": "markdown.j2"}[fmt]
    return render(template, topics=sections, seed=seed, total=total, right_weight=gift_right_weight)


def _bank_json(sections: list[tuple[Topic, list[Instance]]], seed: int) -> dict[str, Any]:
    return {
        "schema": BANK_SCHEMA,
        "seed": seed,
        "topics": [
            {
                "id": topic.id,
                "title": topic.title,
                "description": topic.description,
                "questions": [_question_json(i) for i in instances],
            }
            for topic, instances in sections
        ],
    }


def _question_json(instance: Instance) -> dict[str, Any]:
    question = instance.question
    data: dict[str, Any] = {"id": question.id, "kind": question.kind, "text": instance.text}
    if instance.choices:
        data["choices"] = [{"text": c.text, "correct": c.correct} for c in instance.choices]
    else:
        data["answer"] = instance.answer
    if question.kind in ("numeric", "parameterised"):
        data["tolerance"] = instance.tolerance
        data["relative_tolerance"] = question.relative_tolerance
    if question.kind == "parameterised":
        data["function"] = question.function
        data["parameters"] = instance.parameters
    data["explanation"] = instance.explanation
    return data
