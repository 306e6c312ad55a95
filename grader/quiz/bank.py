"""The question bank: one TOML file per topic in `grader/quiz/bank/`, validated on load.

A topic file::

    topic = "activations"              # must equal the file name's stem
    title = "Activation functions"
    description = "Sigmoid, tanh, ReLU and friends: ranges, gradients, failure modes."
    order = 3                          # position in `neurograde quiz`'s list

    [[questions]]
    id = "sigmoid-range"               # slug; the stable question id is "activations/sigmoid-range"
    kind = "single"                    # single | multiple | true-false | numeric | parameterised
    text = "Which interval contains every output of the sigmoid?"
    choices = [
      { text = "(0, 1)", correct = true },
      { text = "(-1, 1)" },
    ]
    explanation = "..."                # shown after the question is answered

Per kind:

- `single`: 2-8 `choices`, exactly one with `correct = true`;
- `multiple` (select all that apply): 3-8 `choices`, at least one right and one wrong;
- `true-false`: `answer = true|false`;
- `numeric`: `answer` (a number) and how far off an answer may be: `tolerance`
  (absolute, >= 0; 0 means exact) and/or `relative_tolerance` (a fraction of the
  answer, 0 <= r < 1, for answers whose scale varies); the larger allowance wins;
- `parameterised`: `function` (a name in `grader.quiz.answers`), a tolerance as for
  `numeric`, and a `[questions.params]` table giving each of the function's parameters
  either `{ min = 100, max = 5000, step = 100 }` (integers) or `{ choices = [0.5, 0.9] }`.
  Parameters that only make sense together are drawn together: a key naming them,
  comma-separated, with a list of tuples, e.g.
  `"kernel, stride, padding" = { choices = [[3, 1, 1], [7, 2, 3]] }`.
  The `text` and the `explanation` are jinja2 templates (see `grader.quiz.templating`):
  the text shows every parameter (`{{ n_samples }}`) and nothing else; the
  explanation works the drawn values through (it must use at least one of them or
  `answer`, the rounded key) and may call the answer functions by name.
  Every combination of each parameter's extremes is computed and rendered on load.

Only parameterised questions are templates: `{{`, `{%` or `{#` elsewhere is an error.
Every question needs a non-empty `explanation`. Unknown keys are errors (a typo
would otherwise silently drop a field), and so are backslashes in any text
(they would clash with GIFT's escapes). Errors are `BankError`s naming the
file and the question.
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import jinja2

from grader.quiz import templating
from grader.quiz.answers import ANSWER_FUNCTIONS

KINDS = ("single", "multiple", "true-false", "numeric", "parameterised")
CHOICE_KINDS = ("single", "multiple")
MAX_CHOICES = 8

_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_TOPIC_KEYS = {"topic", "title", "description", "order", "questions"}
_COMMON_KEYS = {"id", "kind", "text", "explanation"}
_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}
_KIND_KEYS = {
    "single": {"choices"},
    "multiple": {"choices"},
    "true-false": {"answer"},
    "numeric": {"answer", "tolerance", "relative_tolerance"},
    "parameterised": {"function", "params", "tolerance", "relative_tolerance"},
}


class BankError(ValueError):
    """A topic file that does not follow the bank format."""

    def __init__(self, source: str, message: str, question: str | None = None) -> None:
        where = f"{source}: question {question!r}" if question else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.question = question


@dataclass(frozen=True)
class Choice:
    text: str
    correct: bool = False


@dataclass(frozen=True)
class Param:
    """Parameters of a parameterised question drawn together, and the values they are
    drawn from: numbers for one parameter, tuples of numbers for several."""

    names: tuple[str, ...]
    values: Sequence[Any]

    def values_of(self, drawn: Any) -> dict[str, int | float]:
        """One drawn value (a number, or a tuple for several names) by parameter name."""
        return dict(zip(self.names, drawn if len(self.names) > 1 else (drawn,), strict=True))

    def corners(self) -> list[Any]:
        """The values to try on load: the extremes of one parameter, every tuple of several."""
        return [min(self.values), max(self.values)] if len(self.names) == 1 else list(self.values)


def assign(params: Sequence[Param], drawn: Sequence[Any]) -> dict[str, int | float]:
    """The value of each parameter, from one drawn value (number or tuple) per `Param`."""
    return {k: v for p, d in zip(params, drawn, strict=True) for k, v in p.values_of(d).items()}


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    kind: str
    text: str
    explanation: str
    choices: tuple[Choice, ...] = ()
    answer: bool | float | None = None
    tolerance: float = 0.0
    relative_tolerance: float = 0.0
    function: str | None = None
    params: tuple[Param, ...] = ()

    def allowed_error(self, answer: float) -> float:
        """How far from `answer` a right answer may be: the larger of both tolerances."""
        return max(self.tolerance, self.relative_tolerance * abs(answer))

    def worded(self, values: dict[str, int | float]) -> tuple[str, str, float]:
        """A parameterised question's text, explanation and key for these parameter values."""
        assert self.function is not None
        answer = float(ANSWER_FUNCTIONS[self.function](**values))
        shown = templating.rounded_answer(answer, self.allowed_error(answer))
        text = templating.render_template(self.text, values)
        explanation = templating.render_template(self.explanation, {**values, "answer": shown})
        return text, explanation, answer


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    description: str
    order: int
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Bank:
    topics: dict[str, Topic]

    @property
    def questions(self) -> list[Question]:
        return [q for t in self.topics.values() for q in t.questions]

    def question(self, question_id: str) -> Question | None:
        topic = self.topics.get(question_id.split("/", 1)[0])
        return next((q for q in topic.questions if q.id == question_id), None) if topic else None


def bank_directory() -> Path:
    """The folder of the packaged topic files."""
    return Path(__file__).parent / "bank"


def load_bank(directory: Path | None = None) -> Bank:
    """Load and validate every `*.toml` topic file of `directory` (default: the packaged bank)."""
    folder = Path(directory) if directory is not None else bank_directory()
    topics = [load_topic(path) for path in sorted(folder.glob("*.toml"))]
    if not topics:
        raise BankError(str(folder), "no topic files (*.toml) found")
    orders: dict[int, str] = {}
    for topic in topics:
        if topic.order in orders:
            raise BankError(
                f"{topic.id}.toml",
                f"order {topic.order} is also used by {orders[topic.order]}.toml",
            )
        orders[topic.order] = topic.id
    return Bank({t.id: t for t in sorted(topics, key=lambda t: t.order)})


def load_topic(path: Path) -> Topic:
    """Load and validate one topic file."""
    source = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BankError(source, f"cannot be read as TOML: {exc}") from exc
    _no_unknown_keys(data, _TOPIC_KEYS, source, None, "topic file")
    topic_id = _field(data, "topic", str, source)
    if topic_id != path.stem:
        raise BankError(source, f"topic = {topic_id!r} must match the file name {path.stem!r}")
    title = _text(data, "title", source)
    description = _text(data, "description", source)
    order = _field(data, "order", int, source)
    raw_questions = _field(data, "questions", list, source)
    if not raw_questions:
        raise BankError(source, "has no [[questions]]")
    questions: list[Question] = []
    for index, raw in enumerate(raw_questions, start=1):
        if not isinstance(raw, dict):
            raise BankError(source, f"[[questions]] entry {index} is not a table")
        question = _question(raw, topic_id, source, index)
        if any(q.id == question.id for q in questions):
            raise BankError(source, "the id is used twice in this file", question.id)
        questions.append(question)
    return Topic(topic_id, title, description, order, tuple(questions))


def _question(raw: dict[str, Any], topic: str, source: str, index: int) -> Question:
    slug = raw.get("id")
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
        raise BankError(
            source, f"question {index} needs an id of lowercase words joined by '-' (got {slug!r})"
        )
    qid = f"{topic}/{slug}"
    kind = raw.get("kind")
    if kind not in KINDS:
        raise BankError(source, f"kind must be one of {', '.join(KINDS)} (got {kind!r})", qid)
    _no_unknown_keys(raw, _COMMON_KEYS | _KIND_KEYS[kind], source, qid, f"a {kind} question")
    fields: dict[str, Any] = {
        "id": qid,
        "topic": topic,
        "kind": kind,
        "text": _text(raw, "text", source, qid),
        "explanation": _text(raw, "explanation", source, qid),
    }
    if kind != "parameterised":
        for key in ("text", "explanation"):
            if templating.is_template(fields[key]):
                raise BankError(
                    source,
                    f"the {key} contains template syntax ({{{{, {{% or {{#), which only "
                    f"parameterised questions may use",
                    qid,
                )
    if kind in CHOICE_KINDS:
        fields["choices"] = _choices(raw, kind, source, qid)
    elif kind == "true-false":
        fields["answer"] = _field(raw, "answer", bool, source, qid)
    else:
        fields.update(_tolerances(raw, source, qid))
        if kind == "numeric":
            fields["answer"] = _number(raw, "answer", source, qid)
        else:
            fields["function"], fields["params"] = _parameterised(raw, Question(**fields), source)
    return Question(**fields)


def _tolerances(raw: dict[str, Any], source: str, qid: str) -> dict[str, float]:
    given = {
        k: _number(raw, k, source, qid) for k in ("tolerance", "relative_tolerance") if k in raw
    }
    if not given:
        raise BankError(
            source, "tolerance (absolute) or relative_tolerance (a fraction) is missing", qid
        )
    if any(v < 0 for v in given.values()):
        raise BankError(source, "tolerances must be >= 0", qid)
    if given.get("relative_tolerance", 0) >= 1:
        raise BankError(source, "relative_tolerance is a fraction of the answer: below 1", qid)
    return given


def _choices(raw: dict[str, Any], kind: str, source: str, qid: str) -> tuple[Choice, ...]:
    entries = _field(raw, "choices", list, source, qid)
    low = 2 if kind == "single" else 3
    if not low <= len(entries) <= MAX_CHOICES:
        raise BankError(source, f"a {kind} question needs {low}-{MAX_CHOICES} choices", qid)
    choices: list[Choice] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise BankError(
                source, 'each choice must be a table { text = "...", correct = true }', qid
            )
        _no_unknown_keys(entry, {"text", "correct"}, source, qid, "a choice")
        correct = entry.get("correct", False)
        if not isinstance(correct, bool):
            raise BankError(source, "a choice's correct must be true or false", qid)
        choices.append(Choice(_text(entry, "text", source, qid), correct))
    if len({c.text for c in choices}) != len(choices):
        raise BankError(source, "two choices have the same text", qid)
    right = sum(c.correct for c in choices)
    if kind == "single" and right != 1:
        raise BankError(
            source, f"a single-choice question needs exactly 1 correct choice (has {right})", qid
        )
    if kind == "multiple" and not 0 < right < len(choices):
        raise BankError(source, "a multiple-choice question needs right and wrong choices", qid)
    return tuple(choices)


def _parameterised(
    raw: dict[str, Any], question: Question, source: str
) -> tuple[str, tuple[Param, ...]]:
    """The function and params of `question` (its other fields already read), checked by
    computing and rendering it at every combination of the params' extremes."""
    qid = question.id
    name = _field(raw, "function", str, source, qid)
    function = ANSWER_FUNCTIONS.get(name)
    if function is None:
        raise BankError(
            source,
            f"function {name!r} is not in grader.quiz.answers "
            f"(known: {', '.join(sorted(ANSWER_FUNCTIONS))})",
            qid,
        )
    specs = _field(raw, "params", dict, source, qid)
    params = tuple(_param(key, spec, source, qid) for key, spec in specs.items())
    names = [n for p in params for n in p.names]
    declared = set(names)
    signature = inspect.signature(function).parameters
    required = {n for n, p in signature.items() if p.default is inspect.Parameter.empty}
    if len(names) != len(declared) or not required <= declared <= set(signature):
        raise BankError(
            source,
            f"params {sorted(names)} do not match {name}({', '.join(signature)}): "
            f"declare every parameter without a default, once, and nothing else",
            qid,
        )
    _check_template_names(question.text, "text", declared, declared, source, qid)
    _check_template_names(
        question.explanation,
        "explanation",
        declared | {"answer"} | set(templating.TEMPLATE_FUNCTIONS),
        declared | {"answer"},
        source,
        qid,
    )
    for corner in itertools.product(*[p.corners() for p in params]):
        values = assign(params, corner)
        try:
            result = function(**values)
        except (ArithmeticError, ValueError) as exc:
            raise BankError(source, f"{name}({values}) fails: {exc!r}", qid) from exc
        if (
            isinstance(result, bool)
            or not isinstance(result, (int, float))
            or not math.isfinite(result)
        ):
            raise BankError(
                source, f"{name}({values}) returned {result!r}, not a finite number", qid
            )
        try:
            dataclasses.replace(question, function=name).worded(values)
        except (jinja2.TemplateError, ArithmeticError, ValueError, TypeError) as exc:
            raise BankError(
                source, f"the text or explanation does not render with {values}: {exc}", qid
            ) from exc
    return name, params


def _check_template_names(
    text: str, key: str, allowed: set[str], needed: set[str], source: str, qid: str
) -> None:
    """The template `text` reads only `allowed` names: all of `needed` for the text,
    at least one of them for the explanation."""
    try:
        used = templating.variables(text)
    except jinja2.TemplateSyntaxError as exc:
        raise BankError(source, f"the {key} is not a valid jinja2 template: {exc}", qid) from exc
    if not used <= allowed:
        raise BankError(
            source,
            f"the {key} uses {sorted(used - allowed)}, which are not "
            f"{'the params' if key == 'text' else 'params, answer or answer functions'}",
            qid,
        )
    if key == "text" and used != needed:
        raise BankError(
            source,
            f"the text must show every param as {{{{ name }}}}: {sorted(needed - used)} missing",
            qid,
        )
    if key == "explanation" and not used & needed:
        raise BankError(
            source,
            "the explanation must work the drawn values through: use {{ answer }} or a param",
            qid,
        )


def _param(key: str, spec: Any, source: str, qid: str) -> Param:
    names = tuple(n.strip() for n in key.split(","))
    if not all(n.isidentifier() for n in names):
        raise BankError(source, f"params key {key!r} is not a name or comma-separated names", qid)
    if not isinstance(spec, dict):
        raise BankError(source, f"params.{key} must be a table", qid)
    if len(names) > 1:
        values = spec.get("choices") if set(spec) == {"choices"} else None
        if (
            not isinstance(values, list)
            or not values
            or not all(
                isinstance(v, list)
                and len(v) == len(names)
                and all(_is_number(x) and math.isfinite(x) for x in v)
                for v in values
            )
        ):
            raise BankError(
                source,
                f"params.{key!r} draws {len(names)} parameters together: it needs "
                f"choices = a non-empty list of lists of {len(names)} numbers",
                qid,
            )
        return Param(names, tuple(tuple(v) for v in values))
    name = names[0]
    if set(spec) == {"choices"}:
        values = spec["choices"]
        if (
            not isinstance(values, list)
            or not values
            or not all(_is_number(v) and math.isfinite(v) for v in values)
        ):
            raise BankError(
                source, f"params.{name}.choices must be a non-empty list of numbers", qid
            )
        return Param(names, tuple(values))
    _no_unknown_keys(spec, {"min", "max", "step"}, source, qid, f"params.{name}")
    bounds = [spec.get("min"), spec.get("max"), spec.get("step", 1)]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in bounds):
        raise BankError(
            source, f"params.{name} needs integer min and max (and step), or a list of choices", qid
        )
    low, high, step = bounds
    if step <= 0 or low > high:
        raise BankError(source, f"params.{name} needs min <= max and step > 0", qid)
    return Param(names, range(low, high + 1, step))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _field(table: dict[str, Any], key: str, kind: type, source: str, qid: str | None = None) -> Any:
    value = table.get(key)
    if value is None:
        raise BankError(source, f"{key} is missing", qid)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BankError(source, f"{key} must be {_TYPE_NAMES[kind]} (got {value!r})", qid)
    return value


def _number(table: dict[str, Any], key: str, source: str, qid: str) -> float:
    value = table.get(key)
    if not _is_number(value) or not math.isfinite(value):
        raise BankError(source, f"{key} must be a finite number (got {value!r})", qid)
    return float(value)


def _text(table: dict[str, Any], key: str, source: str, qid: str | None = None) -> str:
    value = _field(table, key, str, source, qid).strip()
    if not value:
        raise BankError(source, f"{key} is empty", qid)
    if "\\" in value:
        raise BankError(
            source, f"{key} contains a backslash (it would clash with GIFT escapes)", qid
        )
    return value


def _no_unknown_keys(
    table: dict[str, Any], allowed: Iterable[str], source: str, qid: str | None, what: str
) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise BankError(
            source,
            f"unknown key(s) {', '.join(unknown)} for {what} (allowed: {', '.join(sorted(allowed))})",
            qid,
        )
