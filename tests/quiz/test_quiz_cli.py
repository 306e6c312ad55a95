"""`neurograde quiz`: a real interactive session through a pseudo-terminal, answers
files, the topic list, exports, exit codes and the workspace's progress."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from pathlib import Path

import pexpect
import pytest
from click.testing import CliRunner

from grader.quiz import cli
from grader.quiz.bank import KINDS, BankError, load_bank
from grader.quiz.session import LETTERS, Instance, InvalidAnswer, format_number, instantiate_topic

ROOT = Path(__file__).resolve().parents[2]
BANK = load_bank()
TOPIC, SEED = "activations", 1


def _right(instance: Instance) -> str:
    if instance.choices:
        return ",".join(LETTERS[i] for i in sorted(instance.key))
    if isinstance(instance.answer, bool):
        return "true" if instance.answer else "false"
    return format_number(instance.answer)


def _wrong(instance: Instance) -> str:
    if instance.choices:
        return LETTERS[next(i for i, c in enumerate(instance.choices) if not c.correct)]
    if isinstance(instance.answer, bool):
        return "false" if instance.answer else "true"
    return format_number(instance.answer + 10 * instance.tolerance + 1)


def _plan(instances: list[Instance]) -> list[tuple[str, bool]]:
    """Every third answer wrong, the others right."""
    return [
        (_wrong(i), False) if n % 3 == 1 else (_right(i), True) for n, i in enumerate(instances)
    ]


def _progress(workspace: Path) -> dict:
    return json.loads((workspace / ".neurograde" / "progress.json").read_text(encoding="utf-8"))


PTY_TIMEOUT = 120
"""Seconds any one expectation may wait: generous, as a loaded CI machine is slow;
nothing in these tests depends on timing, only on what the child prints."""


def _default_signals() -> None:
    """In the child before exec: the terminal's signals as a shell gives them, whatever
    the test run inherited (a background job starts with SIGINT ignored, and a Python
    started with SIGINT ignored never raises KeyboardInterrupt: ^C would do nothing)."""
    for signum in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def _spawn(workspace: Path, *args: str, color: bool = False) -> pexpect.spawn:
    """`python -m grader.quiz TOPIC` on a pseudo-terminal of its own (its session's
    controlling terminal, so ^C on it interrupts the child and nothing else)."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if not color:
        env["NO_COLOR"] = "1"
    return pexpect.spawn(
        sys.executable,
        ["-m", "grader.quiz", TOPIC, "--seed", str(SEED), "--workspace", str(workspace), *args],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        timeout=PTY_TIMEOUT,
        dimensions=(50, 100),
        preexec_fn=_default_signals,
    )


def _invoke(*args: str, **kwargs):
    return CliRunner().invoke(cli.quiz, list(args), prog_name="neurograde quiz", **kwargs)


def test_an_interactive_session_through_a_pty_and_the_same_answers_from_a_file(
    tmp_path: Path,
) -> None:
    instances = instantiate_topic(BANK.topics[TOPIC], SEED)
    assert {i.question.kind for i in instances} == set(KINDS)
    plan = _plan(instances)
    score = sum(right for _, right in plan)
    missed = [i.question.id for i, (_, right) in zip(instances, plan, strict=True) if not right]

    child = _spawn(tmp_path, "--review")
    child.expect(f"Quiz: Activation functions  {len(instances)} questions, seed {SEED}")
    for number, (text, right) in enumerate(plan, start=1):
        child.expect(f"Question {number} of {len(instances)}")
        child.expect_exact("Your answer: ")
        if number == 1:  # a typo: told why, and asked again
            with pytest.raises(InvalidAnswer) as typo:
                instances[0].parse("zz?")
            child.sendline("zz?")
            child.expect_exact(f"Error: {typo.value}")
            child.expect_exact("Your answer: ")
        child.sendline(text)
        child.expect_exact("Right." if right else "Wrong: you ")
    child.expect(rf"Score: {score}/{len(instances)} \(\d+%\)")
    child.expect_exact(f"Review: the {len(missed)} missed questions")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    review = child.before
    assert re.findall(r"^(activations/[a-z-]+)  ", review, re.MULTILINE) == missed

    entry = _progress(tmp_path)[f"quiz:{TOPIC}"]
    assert entry["kind"] == "quiz"
    assert (entry["last_score"], entry["max_score"], entry["attempts"]) == (score, 11, 1)

    sheet = tmp_path / "answers.toml"
    lines = [f"seed = {SEED}"]
    lines += [f'"{i.question.id}" = "{t}"' for i, (t, _) in zip(instances, plan, strict=True)]
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _invoke(
        TOPIC, "--answers", str(sheet), "--workspace", str(tmp_path), "--format", "json"
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert (data["score"], data["max_score"]) == (score, len(instances))
    assert [c["passed"] for c in data["checks"]] == [right for _, right in plan]
    assert _progress(tmp_path)[f"quiz:{TOPIC}"]["attempts"] == 2


@pytest.mark.parametrize("inherited", [signal.SIG_DFL, signal.SIG_IGN], ids=["default", "ignored"])
def test_an_abandoned_session_records_nothing_and_colours_a_terminal(
    tmp_path: Path, inherited: signal.Handlers
) -> None:
    # However the test run was started (a background job ignores SIGINT), ^C must work.
    previous = signal.signal(signal.SIGINT, inherited)
    try:
        child = _spawn(tmp_path, color=True)
    finally:
        signal.signal(signal.SIGINT, previous)
    child.expect_exact("Your answer: ")
    assert "\x1b[" in child.before  # styled on a terminal without NO_COLOR
    child.sendintr()  # ^C through the terminal's line discipline, as a learner types it
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus is None  # the quiz handled ^C, it was not killed by it
    assert child.exitstatus == 130  # interrupted, as everywhere in neurograde
    assert not (tmp_path / ".neurograde").exists()


def test_all_right_from_a_file_exits_0_and_renders_text(tmp_path: Path) -> None:
    instances = instantiate_topic(BANK.topics["neurons"], 5)
    sheet = tmp_path / "answers.json"
    sheet.write_text(json.dumps({i.question.id: _right(i) for i in instances}), encoding="utf-8")
    report = tmp_path / "report.txt"
    result = _invoke(
        "neurons", "--answers", str(sheet), "--seed", "5", "--workspace", str(tmp_path),
        "--output", str(report), "--review",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == ""
    text = report.read_text(encoding="utf-8")
    assert text.startswith("Quiz: Neurons and layers  (quiz:neurons, seed 5)\n")
    assert f"Score: {len(instances)}/{len(instances)} (100%)  every answer right" in text
    assert "Nothing to review." in text
    assert "\x1b[" not in text


def test_text_report_with_review_lists_only_the_missed_questions(tmp_path: Path) -> None:
    sheet = tmp_path / "answers.toml"
    sheet.write_text('"neurons/xor" = "true"\n"neurons/weighted-sum" = 1.5\n', encoding="utf-8")
    result = _invoke("neurons", "--answers", str(sheet), "--workspace", str(tmp_path), "--review")
    assert result.exit_code == 1
    out = result.output
    assert "  right  neurons/weighted-sum" in out
    assert "  WRONG  neurons/xor" in out
    review = " ".join(out[out.index("Review: the 8 missed questions") :].split())  # unwrapped
    assert "neurons/weighted-sum" not in review
    assert "Wrong: you answered true; the answer is false" in review
    assert "Minsky and Papert" in review  # the explanation
    assert "Wrong: no answer given; the answer is" in review


def test_the_topic_list_shows_counts_and_best_scores(tmp_path: Path) -> None:
    result = _invoke("--workspace", str(tmp_path))
    assert result.exit_code == 0
    assert f"12 topics, {len(BANK.questions)} questions" in result.output
    for topic in BANK.topics.values():
        assert re.search(
            rf"{topic.id} +{topic.title} +{len(topic.questions)} questions\n", result.output
        )
    sheet = tmp_path / "a.toml"
    sheet.write_text('"cnn/flatten-size" = 4096\n', encoding="utf-8")
    assert _invoke("--workspace", str(tmp_path), "cnn", "--answers", str(sheet)).exit_code == 1
    listing = _invoke("--workspace", str(tmp_path)).output
    assert re.search(r"cnn +Convolutional networks +10 questions  best 1/10\n", listing)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "unknown topic 'nope'; the topics are: classical-vs-nn, neurons,"),
        (["neurons"], "stdin is not one; to answer from a file (CI), pass --answers FILE"),
        (["neurons", "--format", "xml"], "'xml' is not one of 'text', 'json'"),
        (["export", "--topic", "nope"], "unknown topic 'nope'"),
        (["neurons", "--workspace", "/no/such/dir"], "does not exist"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(args: list[str], message: str) -> None:
    result = _invoke(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_a_malformed_answers_file_exits_2(tmp_path: Path) -> None:
    sheet = tmp_path / "a.toml"
    sheet.write_text('"neurons/typo" = "a"\n', encoding="utf-8")
    result = _invoke("neurons", "--answers", str(sheet), "--workspace", str(tmp_path))
    assert result.exit_code == 2
    assert "Invalid value for --answers" in result.output
    assert "'neurons/typo' is not a question id" in result.output
    assert not (tmp_path / ".neurograde").exists()


def test_a_broken_bank_exits_3(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise BankError("loss.toml", "explanation is missing", "loss/x")

    monkeypatch.setattr(cli, "load_bank", broken)
    cli._bank.cache_clear()
    try:
        result = _invoke()
    finally:
        cli._bank.cache_clear()
    assert result.exit_code == 3
    assert "the quiz bank is broken: loss.toml: question 'loss/x': explanation is missing" in (
        result.output
    )


def test_the_workspace_defaults_to_exercises_when_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.default_workspace() == Path(".")
    (tmp_path / "exercises").mkdir()
    assert cli.default_workspace() == Path("exercises")
    sheet = tmp_path / "a.toml"
    sheet.write_text('"neurons/xor" = false\n', encoding="utf-8")
    assert _invoke("neurons", "--answers", str(sheet)).exit_code == 1
    assert "quiz:neurons" in _progress(tmp_path / "exercises")


def test_export_writes_every_format(tmp_path: Path) -> None:
    for fmt in ("gift", "markdown", "json"):
        target = tmp_path / f"bank.{fmt}"
        result = _invoke("export", "--format", fmt, "--output", str(target), "--topic", "loss")
        assert result.exit_code == 0, result.output
        assert "loss/mse-definition" in target.read_text(encoding="utf-8")
    assert json.loads(_invoke("export", "--format", "json").output)["seed"] == 0
    assert "$CATEGORY: neurograde/cnn" in _invoke("export").output  # gift by default


def test_help_reads_well() -> None:
    top = _invoke("--help").output
    assert "Usage: neurograde quiz [OPTIONS] [TOPIC | export] [OPTIONS]" in top
    assert "neurograde quiz export --format gift" in top
    topic = _invoke("activations", "--help").output
    assert topic.startswith("Usage: neurograde quiz activations [OPTIONS]")
    for option in ("--seed", "--answers FILE", "--review", "--format [text|json]", "--output"):
        assert option in topic
    assert "random.Random(f'{seed}:{Q}')" in topic
    assert '"activations/fixes-dying-relu" = ["a", "c"]' in topic
    assert "--format [gift|markdown|json]" in _invoke("export", "--help").output
