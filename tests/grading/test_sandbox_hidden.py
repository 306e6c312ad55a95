"""Hidden means hidden: text the learner's code produces on a hidden input never reaches feedback.

A hidden check's message keeps the exception's type and the line of the
learner's file, never the exception's message, a print, a class name made at
run time, or a line the code rewrote in its own file. Each case grades the
real `activations` exercise (the learner's code in the worker) and reads the
JSON result; the same text does reach a visible check's feedback, which
proves the learner's code really produced it.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from grader.runner import Options, grade

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "activations.py").read_text("utf-8")
MARK = "LEAKED-INPUT"
# The marker is assembled at run time, so the source lines quoted in feedback never contain it.
PRELUDE = 'SECRET_MARK = "LEAKED" + "-INPUT"\nPRINT_MARK = "PRINTED" + "-INPUT"\n'

RAISES = """
def sigmoid(z):
    print(PRINT_MARK, z)
    raise ValueError(SECRET_MARK + str(z))
"""
CLASS_NAMED_AFTER_THE_INPUT = """
def sigmoid(z):
    raise type(SECRET_MARK + str(z), (ValueError,), {})("boom")
"""
REWRITES_ITS_OWN_LINE = """
def sigmoid(z):
    with open(__file__) as f:
        lines = f.read().splitlines()
    lines[RAISE_LINE - 1] = "    raise ValueError()  # " + SECRET_MARK + str(z)
    with open(__file__, "w") as f:
        f.write("\\n".join(lines))
    raise ValueError()
"""


def grade_with(tmp_path: Path, function: str) -> dict:
    source = SOLUTION + "\n\n" + PRELUDE + textwrap.dedent(function)
    raise_line = len(source.splitlines())
    path = tmp_path / "activations.py"
    path.write_text(source.replace("RAISE_LINE", str(raise_line)), "utf-8")
    result = grade("activations", path, Options()).to_json()
    return json.loads(json.dumps(result))  # exactly what `--format json` writes


@pytest.mark.parametrize(
    ("function", "type_shown"),
    [
        (RAISES, "ValueError"),
        (CLASS_NAMED_AFTER_THE_INPUT, "an exception of a class your code defines"),
        (REWRITES_ITS_OWN_LINE, "ValueError"),
    ],
    ids=["message-and-print", "class-named-after-input", "rewrites-own-line"],
)
def test_hidden_feedback_carries_no_learner_text(
    tmp_path: Path, function: str, type_shown: str
) -> None:
    result = grade_with(tmp_path, function)
    checks = {c["id"]: c for c in result["checks"]}
    hidden = checks["sigmoid-hidden"]
    assert hidden["visibility"] == "hidden" and not hidden["passed"]
    shown = json.dumps(hidden)
    assert MARK not in shown and "PRINTED" not in shown, shown
    assert type_shown in hidden["message"], hidden["message"]
    assert "line " in hidden["message"] and ", in sigmoid: raise " in hidden["message"]
    for check in result["checks"]:
        if check["visibility"] == "hidden":
            assert MARK not in json.dumps(check), check
    assert "PRINTED" not in json.dumps(result), "prints are never part of a report"
    visible = checks["sigmoid-matches-reference"]
    if function != REWRITES_ITS_OWN_LINE:
        assert MARK in visible["message"], "the learner's text must reach visible feedback"
    else:
        assert MARK not in visible["message"], "feedback quotes the file as it was submitted"
