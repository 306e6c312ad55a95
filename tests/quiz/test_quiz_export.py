"""Exports: the GIFT file parses with a GIFT grammar check and round-trips every key.

The checker follows Moodle's GIFT import (question/format/gift/format.php):
`//` comment lines, questions separated by blank lines, `$CATEGORY:` lines,
`::name::` then an optional `[format]` then the text and one `{...}` answer
block; `\\` escapes `~ = # { } :` (and `\\n` is a newline) and every unescaped
one of those characters is syntax. Answer blocks: `T`/`F`; `#value:tolerance`;
or a list of `=right` / `~wrong` / `~%weight%choice`, each with an optional
`#feedback`; `####` starts the general feedback. Multiple-answer weights must be
grade fractions Moodle accepts (it rejects others on import).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pytest

from grader.quiz.bank import load_bank
from grader.quiz.export import export_bank
from grader.quiz.render import gift_escape
from grader.quiz.session import instantiate_topic

BANK = load_bank()
SPECIAL = "~=#{}:"
# question_bank::fraction_options_full() in Moodle, as percentages
MOODLE_GRADES = [
    100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20,
    16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0,
]  # fmt: skip


class GiftError(ValueError):
    pass


@dataclass
class GiftQuestion:
    category: str
    name: str
    format: str
    text: str
    kind: str = ""
    choices: list[tuple[str, float]] = field(default_factory=list)  # text, weight in %
    single: bool = False  # Moodle: one '=' makes it single-answer, none multiple-answer
    truth: bool | None = None
    number: float | None = None
    tolerance: float | None = None
    general_feedback: str = ""


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(character, is_syntax) pairs: escaped specials become plain text."""
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 == len(text) or text[i + 1] not in SPECIAL + "n":
                raise GiftError(f"stray backslash in {text!r}")
            out.append(("\n" if text[i + 1] == "n" else text[i + 1], False))
            i += 2
            continue
        out.append((char, char in SPECIAL))
        i += 1
    return out


def _plain(tokens: list[tuple[str, bool]], what: str) -> str:
    syntax = [c for c, is_syntax in tokens if is_syntax]
    if syntax:
        raise GiftError(f"unescaped {syntax[0]!r} in the {what}")
    return "".join(c for c, _ in tokens)


def _split(tokens: list[tuple[str, bool]], marks: str) -> list[list[tuple[str, bool]]]:
    """Split before each syntax character in `marks` (the mark starts the next part)."""
    parts: list[list[tuple[str, bool]]] = [[]]
    for token in tokens:
        if token[1] and token[0] in marks:
            parts.append([])
        parts[-1].append(token)
    return parts


def parse_gift(source: str) -> list[GiftQuestion]:
    lines = [line for line in source.splitlines() if not line.lstrip().startswith("//")]
    blocks = [b.strip() for b in re.split(r"\n\s*\n", "\n".join(lines)) if b.strip()]
    category, questions = "", []
    for block in blocks:
        if block.startswith("$CATEGORY:"):
            if "\n" in block:
                raise GiftError(f"a category line must stand alone: {block!r}")
            category = block.removeprefix("$CATEGORY:").strip()
            continue
        questions.append(_question(block, category))
    return questions


def _question(block: str, category: str) -> GiftQuestion:
    tokens = _tokens(block)
    if tokens[:2] != [(":", True), (":", True)]:
        raise GiftError(f"a question must start with ::name:: ({block[:40]!r})")
    rest = tokens[2:]
    end = next(
        (i for i in range(len(rest) - 1) if rest[i] == (":", True) and rest[i + 1] == (":", True)),
        None,
    )
    if end is None:
        raise GiftError("unterminated ::name::")
    name, rest = _plain(rest[:end], "name"), rest[end + 2 :]
    body = "".join(c for c, _ in rest)
    fmt = re.match(r"\[(html|moodle|plain|markdown)\]", body)
    if fmt:
        rest = rest[fmt.end() :]
    opens = [i for i, t in enumerate(rest) if t == ("{", True)]
    closes = [i for i, t in enumerate(rest) if t == ("}", True)]
    if len(opens) != 1 or len(closes) != 1 or closes[0] < opens[0]:
        raise GiftError(f"{name}: needs exactly one {{...}} answer block")
    if "".join(c for c, _ in rest[closes[0] + 1 :]).strip():
        raise GiftError(f"{name}: text after the answer block")
    question = GiftQuestion(
        category, name, fmt.group(1) if fmt else "moodle", _plain(rest[: opens[0]], "text")
    )
    _answers(question, rest[opens[0] + 1 : closes[0]])
    return question


def _answers(question: GiftQuestion, tokens: list[tuple[str, bool]]) -> None:
    hashes = [i for i in range(len(tokens) - 3) if all(t == ("#", True) for t in tokens[i : i + 4])]
    if hashes:
        question.general_feedback = _plain(tokens[hashes[0] + 4 :], "general feedback").strip()
        tokens = tokens[: hashes[0]]
    text = "".join(c for c, _ in tokens).strip()
    if text in ("T", "F", "TRUE", "FALSE"):
        question.kind, question.truth = "truefalse", text.startswith("T")
        return
    if text.startswith("#"):
        start = tokens.index(("#", True)) + 1
        parts = _split(tokens[start:], ":")
        if len(parts) != 2:
            raise GiftError(f"{question.name}: a numeric answer is {{#value:tolerance}}")
        value = _plain(parts[0], "numeric answer").strip()
        tolerance = _plain(parts[1][1:], "tolerance").strip()
        number = r"-?\d+(?:\.\d+)?"
        if not re.fullmatch(number, value) or not re.fullmatch(number, tolerance):
            raise GiftError(f"{question.name}: {value!r}:{tolerance!r} is not value:tolerance")
        question.kind = "numerical"
        question.number, question.tolerance = float(value), float(tolerance)
        return
    parts = _split(tokens, "=~")
    if "".join(c for c, _ in parts[0]).strip():
        raise GiftError(f"{question.name}: text before the first = or ~")
    for part in parts[1:]:
        mark, choice = part[0][0], part[1:]
        question.single = question.single or mark == "="
        answer_text = "".join(c for c, _ in choice)
        weight = 100.0 if mark == "=" else 0.0
        found = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", answer_text)
        if found:
            weight, choice = float(found[1]), choice[found.end() :]
        feedback = _split(choice, "#")
        question.choices.append((_plain(feedback[0], "choice").strip(), weight))
    question.kind = "multichoice"


def test_gift_escape_escapes_every_special_character() -> None:
    text = "a ~ b = c # d { e } f : g\nh"
    escaped = gift_escape(text)
    assert escaped == "a \\~ b \\= c \\# d \\{ e \\} f \\: g\\nh"
    assert _plain(_tokens(escaped), "text") == text


@pytest.fixture(scope="module")
def gift() -> list[GiftQuestion]:
    return parse_gift(export_bank(BANK, "gift", seed=0))


def test_the_gift_export_parses_and_round_trips_every_question(gift) -> None:
    by_name = {q.name: q for q in gift}
    assert len(by_name) == len(gift) == len(BANK.questions)
    for topic in BANK.topics.values():
        for instance in instantiate_topic(topic, 0):
            question = instance.question
            parsed = by_name[question.id]
            assert parsed.category == f"neurograde/{topic.id}"
            assert parsed.format == "plain"
            assert parsed.text == instance.text
            assert parsed.general_feedback == instance.explanation
            if question.kind == "true-false":
                assert (parsed.kind, parsed.truth) == ("truefalse", question.answer)
            elif question.kind in ("numeric", "parameterised"):
                assert parsed.kind == "numerical"
                assert parsed.number == pytest.approx(instance.answer, rel=1e-9, abs=1e-12)
                assert parsed.tolerance == pytest.approx(instance.tolerance)
            else:
                assert parsed.kind == "multichoice"
                assert [t for t, _ in parsed.choices] == [c.text for c in instance.choices]
                _check_weights(question.kind, parsed, [c.correct for c in instance.choices])


def _check_weights(kind: str, parsed: GiftQuestion, correct: list[bool]) -> None:
    weights = [w for _, w in parsed.choices]
    if kind == "single":
        assert parsed.single, parsed.name
        assert weights == [100.0 if c else 0.0 for c in correct], parsed.name
        return
    assert not parsed.single, parsed.name
    right = [w for w, c in zip(weights, correct, strict=True) if c]
    assert all(w < 0 for w, c in zip(weights, correct, strict=True) if not c), parsed.name
    assert sum(right) == pytest.approx(100, abs=1e-3), parsed.name
    for w in weights:
        assert any(abs(abs(w) - g) < 1e-3 for g in MOODLE_GRADES), (parsed.name, w)


def test_the_checker_rejects_broken_gift() -> None:
    good = "::q::[plain]Is 1 \\= 1?{T####yes}"
    assert parse_gift(good)[0].truth is True
    for broken in (
        "::q::Is 1 = 1?{T}",  # unescaped '=' in the text
        "::q::Time: now?{T}",  # unescaped ':'
        "::q::Pick{=a ~b}{=c}",  # two answer blocks
        "::q::Pick{=a ~b",  # unterminated block
        "q::Pick{=a ~b}",  # no name
        "::q::Half{#0.5:x}",  # bad tolerance
        "::q::Pick{=a ~b}\n####x",  # text after the block
    ):
        with pytest.raises(GiftError):
            parse_gift(broken)


def test_parameterised_questions_export_their_seeded_instance() -> None:
    seeded = parse_gift(export_bank(BANK, "gift", seed=3, topics=["gradient-descent"]))
    question = next(q for q in seeded if q.name == "gradient-descent/updates-per-epoch")
    instance = next(
        i
        for i in instantiate_topic(BANK.topics["gradient-descent"], 3)
        if i.question.id == question.name
    )
    assert question.text == instance.text
    assert question.number == instance.answer
    assert len(seeded) == len(BANK.topics["gradient-descent"].questions)


def test_json_export_lists_every_question_with_its_key() -> None:
    data = json.loads(export_bank(BANK, "json", seed=0))
    assert data["schema"] == "neurograde.quiz-bank/1"
    assert [t["id"] for t in data["topics"]] == list(BANK.topics)
    questions = {q["id"]: q for t in data["topics"] for q in t["questions"]}
    assert set(questions) == {q.id for q in BANK.questions}
    assert questions["neurons/xor"]["answer"] is False
    assert questions["cnn/flatten-size"]["answer"] == 4096
    assert sum(c["correct"] for c in questions["activations/sigmoid-range"]["choices"]) == 1
    assert set(questions["cnn/conv-output-size"]["parameters"]) == {
        "size",
        "kernel",
        "stride",
        "padding",
    }
    assert questions["cnn/conv-output-size"]["function"] == "conv_output_size"
    memory = questions["cnn/feature-map-memory"]  # a relative tolerance, made absolute
    assert memory["relative_tolerance"] == 0.005
    assert memory["tolerance"] == pytest.approx(0.005 * memory["answer"])
    assert questions["loss/mse-example"]["relative_tolerance"] == 0
    for question in questions.values():  # explanations rendered with the instance's numbers
        assert "{{" not in question["explanation"] and "{%" not in question["explanation"]


def test_markdown_export_has_every_question_and_an_answer_key() -> None:
    text = export_bank(BANK, "markdown", seed=0, topics=["pytorch"])
    assert text.startswith("# Knowledge-check quizzes\n\n1 topic, 9 questions.")
    for question in BANK.topics["pytorch"].questions:
        assert f"`{question.id}`" in text
    assert "### Answers: PyTorch training" in text
    assert "Dataset implements \\_\\_len\\_\\_" in text  # Markdown-escaped, renders literally
    cnn = export_bank(BANK, "markdown", seed=0, topics=["cnn"])
    assert "(within 0.5%)" in cnn
