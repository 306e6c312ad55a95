"""Asking and scoring: a question as asked for a seed, the learner's answers, the result.

Seeds make a quiz reproducible. Question `Q` asked with seed `S` draws from
`random.Random(f"{S}:{Q}")`: a choice question shuffles its choices with it, a
parameterised question draws each parameter, or group of parameters drawn
together, in the order the bank declares them, with `rng.choice`. So the
letters and numbers of a run with `--seed S` are the same on every machine,
and an answers file can be written for it.

Answers are text, as typed or as written in an answers file:

- single choice: a letter or a number (`b`, `2`);
- multiple choice: letters or numbers separated by commas or spaces (`a,c`,
  `1 3`), or letters run together (`ac`);
- true/false: `true`/`false`, `t`/`f`, `yes`/`no`, `y`/`n`;
- numeric: a number (`0.5`, `1e-3`, `120`); within the question's tolerance
  (absolute, or a fraction of the answer) is right.

An answers file (for CI and tests) is TOML, or JSON when its name ends in
`.json`: a table mapping question ids to answers, plus an optional integer
`seed`, the seed its letters and numbers were written for::

    seed = 1
    "activations/sigmoid-range" = "b"
    "activations/sigmoid-at-zero" = 0.5
    "activations/which-zero-centred" = ["a", "c"]
    "activations/relu-grad-at-zero" = false

Ids of other topics are ignored, so one file can answer every topic; an id
that is not in the bank is an error, and a question with no answer is wrong.
Multiple choice scores all or nothing: the right set exactly; a wrong set is
told which right choices it missed and which wrong ones it picked.
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from grader.quiz.bank import CHOICE_KINDS, Bank, Choice, Question, Topic, assign
from grader.quiz.templating import format_number, rounded_answer
from grader.result import CheckResult, ExerciseResult

LETTERS = "abcdefgh"
KIND_LABELS = {
    "single": "single choice",
    "multiple": "select all that apply",
    "true-false": "true or false",
    "numeric": "numeric",
    "parameterised": "numeric",
}
_TRUE = {"true", "t", "yes", "y"}
_FALSE = {"false", "f", "no", "n"}

Response = frozenset[int] | bool | float
"""A parsed answer: chosen indices (into the shown choices), a truth value, or a number."""


class InvalidAnswer(ValueError):
    """Text that is not an answer to the question (a typo): the message says what is expected."""


class AnswersFileError(ValueError):
    """An answers file that cannot be used."""


@dataclass(frozen=True)
class Instance:
    """A question as asked with one seed: its shown text and explanation (with the drawn
    numbers), its choices in shown order, its key."""

    question: Question
    text: str
    explanation: str
    choices: tuple[Choice, ...] = ()
    parameters: dict[str, int | float] = field(default_factory=dict)
    answer: bool | float | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.question.kind]

    @property
    def tolerance(self) -> float:
        """How far from the key a right numeric answer may be, for these numbers (absolute)."""
        if self.question.kind not in ("numeric", "parameterised"):
            return 0.0
        assert isinstance(self.answer, float)
        return self.question.allowed_error(self.answer)

    @property
    def tolerance_text(self) -> str:
        """The tolerance in words: `0.001`, `1%`, or `0.001 or 1%` (empty when exact)."""
        question = self.question
        parts = [format_number(question.tolerance)] if question.tolerance else []
        if question.relative_tolerance:
            parts.append(f"{format_number(100 * question.relative_tolerance)}%")
        return " or ".join(parts)

    @property
    def key(self) -> Response:
        """The right response."""
        if self.question.kind in CHOICE_KINDS:
            return frozenset(i for i, c in enumerate(self.choices) if c.correct)
        assert self.answer is not None
        return self.answer

    @property
    def hint(self) -> str:
        """How to type an answer to this question."""
        kind = self.question.kind
        last = len(self.choices)
        if kind == "single":
            return f"one letter a-{LETTERS[last - 1]} or number 1-{last}"
        if kind == "multiple":
            return (
                f"every right choice, letters a-{LETTERS[last - 1]} or numbers 1-{last}, e.g. a,c"
            )
        if kind == "true-false":
            return "true or false (t/f)"
        if self.tolerance_text:
            return f"a number; answers within {self.tolerance_text} count"
        return "a number"

    def parse(self, text: str) -> Response:
        """Read typed text as an answer, or raise `InvalidAnswer` saying what is expected."""
        raw = text.strip()
        if not raw:
            raise InvalidAnswer(f"no answer: type {self.hint}")
        kind = self.question.kind
        if kind in CHOICE_KINDS:
            return self._parse_choices(raw)
        if kind == "true-false":
            word = raw.lower()
            if word in _TRUE | _FALSE:
                return word in _TRUE
            raise InvalidAnswer(f"{raw!r} is not true or false: type true or false (t/f, yes/no)")
        try:
            number = float(raw)
        except ValueError:
            raise InvalidAnswer(f"{raw!r} is not a number: type digits, e.g. 0.25 or 12") from None
        if not math.isfinite(number):
            raise InvalidAnswer(f"{raw!r} is not a finite number")
        return number

    def _parse_choices(self, raw: str) -> frozenset[int]:
        tokens = [t for t in re.split(r"[\s,;]+", raw.lower()) if t]
        if len(tokens) == 1 and len(tokens[0]) > 1 and tokens[0].isalpha():
            tokens = list(tokens[0])
        if self.question.kind == "single" and len(tokens) > 1:
            raise InvalidAnswer(f"{raw!r} picks several choices: this question has one answer")
        last = len(self.choices)
        picked = set()
        for token in tokens:
            if token in LETTERS[:last]:
                picked.add(LETTERS.index(token))
            elif token.isdigit() and 1 <= int(token) <= last:
                picked.add(int(token) - 1)
            else:
                raise InvalidAnswer(
                    f"{token!r} is not a choice: type a letter a-{LETTERS[last - 1]} "
                    f"or a number 1-{last}"
                )
        return frozenset(picked)

    def is_right(self, response: Response) -> bool:
        if self.question.kind in ("numeric", "parameterised"):
            assert isinstance(response, float) and self.answer is not None
            slack = 1e-9 * max(abs(self.answer), 1e-12)  # float noise only
            return abs(response - self.answer) <= self.tolerance + slack
        return response == self.key

    @property
    def right_answer(self) -> str:
        """The key in words; a numeric key rounded to the decimals its tolerance asks for."""
        if self.question.kind in ("numeric", "parameterised"):
            assert isinstance(self.answer, float)
            return rounded_answer(self.answer, self.tolerance)
        return self.describe(self.key)

    def describe(self, response: Response) -> str:
        """A response in words: `b) (0, 1)`, `true`, `0.5`."""
        if isinstance(response, frozenset):
            return "; ".join(f"{LETTERS[i]}) {self.choices[i].text}" for i in sorted(response))
        if isinstance(response, bool):
            return "true" if response else "false"
        return format_number(response)


def instantiate(question: Question, seed: int) -> Instance:
    """The question as asked with `seed` (see the module docstring)."""
    rng = random.Random(f"{seed}:{question.id}")
    if question.kind in CHOICE_KINDS:
        choices = list(question.choices)
        rng.shuffle(choices)
        return Instance(question, question.text, question.explanation, tuple(choices))
    if question.kind == "parameterised":
        values = assign(question.params, [rng.choice(p.values) for p in question.params])
        text, explanation, answer = question.worded(values)
        return Instance(question, text, explanation, parameters=values, answer=answer)
    return Instance(question, question.text, question.explanation, answer=question.answer)


def instantiate_topic(topic: Topic, seed: int) -> list[Instance]:
    return [instantiate(q, seed) for q in topic.questions]


@dataclass(frozen=True)
class Outcome:
    """One question answered: what was typed, how it reads, and whether it was right."""

    instance: Instance
    given: str | None
    response: Response | None = None
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.response is not None and self.instance.is_right(self.response)

    @property
    def verdict(self) -> str:
        """What went wrong, in words (empty when right)."""
        if self.passed:
            return ""
        right = self.instance.right_answer
        if self.given is None:
            return f"no answer given; the answer is {right}"
        if self.response is None:
            return f"could not read {self.given!r} ({self.error}); the answer is {right}"
        if self.instance.question.kind == "multiple":
            assert isinstance(self.response, frozenset)
            return self._multiple_verdict(self.response)
        return f"you answered {self.instance.describe(self.response)}; the answer is {right}"

    def _multiple_verdict(self, picked: frozenset[int]) -> str:
        """Which right choices were missed and which wrong ones picked, not the whole key."""
        key = self.instance.key
        assert isinstance(key, frozenset)
        missed, wrong = key - picked, picked - key
        parts = []
        if missed:
            count = f"{len(missed)} right choice{'s' if len(missed) > 1 else ''}"
            parts.append(f"you missed {count}: {self.instance.describe(missed)}")
        if wrong:
            also = "and" if parts else "you"
            parts.append(f"{also} wrongly picked {self.instance.describe(wrong)}")
        return "; ".join(parts)


def answer(instance: Instance, given: str | None) -> Outcome:
    """Score one answer (None: unanswered); unreadable text is wrong, with the reason."""
    if given is None:
        return Outcome(instance, None)
    try:
        return Outcome(instance, given, instance.parse(given))
    except InvalidAnswer as exc:
        return Outcome(instance, given, error=str(exc))


def build_result(topic: Topic, outcomes: list[Outcome], duration_s: float) -> ExerciseResult:
    """The quiz as a graded result: one 1-point `quiz` check per question."""
    checks = []
    for outcome in outcomes:
        question = outcome.instance.question
        explanation = outcome.instance.explanation
        if outcome.passed:
            message = f"Right: {outcome.instance.right_answer}. {explanation}"
        else:
            message = f"{outcome.verdict[0].upper()}{outcome.verdict[1:]}. {explanation}"
        checks.append(
            CheckResult(
                id=question.id,
                kind="quiz",
                passed=outcome.passed,
                points=1.0 if outcome.passed else 0.0,
                max_points=1.0,
                message=message,
            )
        )
    return ExerciseResult(
        exercise=f"quiz:{topic.id}",
        device="cpu",
        checks=checks,
        duration_s=duration_s,
        title=f"Quiz: {topic.title}",
    )


@dataclass(frozen=True)
class AnswerSheet:
    """The contents of an answers file."""

    answers: dict[str, str]
    seed: int | None = None


def read_answers_file(path: Path, bank: Bank) -> AnswerSheet:
    """Read an answers file (format in the module docstring) or raise `AnswersFileError`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text) if Path(path).suffix == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        kind = "JSON" if Path(path).suffix == ".json" else "TOML"
        raise AnswersFileError(f"{path}: not a readable {kind} file: {exc}") from exc
    if not isinstance(data, dict):
        raise AnswersFileError(f"{path}: expected a table of question id = answer")
    seed = data.pop("seed", None)
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise AnswersFileError(f"{path}: seed must be an integer (got {seed!r})")
    answers = {}
    for qid, value in data.items():
        if bank.question(qid) is None:
            raise AnswersFileError(
                f"{path}: {qid!r} is not a question id (ids look like 'activations/sigmoid-range'; "
                f"`neurograde quiz export --format markdown` lists them)"
            )
        answers[qid] = _answer_text(value, qid, path)
    return AnswerSheet(answers, seed)


def _answer_text(value: Any, qid: str, path: Path) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return ",".join(str(v) for v in value)
    raise AnswersFileError(
        f"{path}: the answer to {qid!r} must be a string, number, boolean or list of choices "
        f"(got {value!r})"
    )
