"""Learner text is escaped for each format, and shows as itself, never as markup."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET

from grader.render import render
from grader.render.escape import markdown_code, markdown_text, xml_text

FORBIDDEN = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x1f\ufffe"
"""The characters of the hostile text that XML 1.0 forbids."""


def visible(consumers) -> str:
    """The hostile text as a reader should see it: itself, less what XML 1.0 forbids."""
    return "".join(ch for ch in consumers.HOSTILE if ch not in FORBIDDEN)


def test_every_format_is_valid_for_its_consumer(hostile, every_format) -> None:
    every_format(hostile)


def test_html_shows_learner_text_as_text(hostile, consumers) -> None:
    report = render(hostile, "html")
    found = consumers.elements(consumers._outside_svgs(report))
    assert not {tag for tag, _ in found.tags} & {"img", "script", "module"}
    text = "".join(found.text)
    assert "<img src=x onerror=\"document.title='PWNED'\">" in text
    assert "</script><script>" in text and "in <module>" in text
    assert not any(ch in report for ch in FORBIDDEN)


def test_junit_is_well_formed_and_keeps_the_text(hostile, consumers) -> None:
    shown = visible(consumers)
    report = render(hostile, "junit")
    assert not any(ch in report for ch in FORBIDDEN)
    failure = ET.fromstring(report).find(".//testcase[@name='fit-loss-history']/failure")
    assert failure is not None
    assert shown.splitlines()[0] in failure.text
    assert failure.get("message") == f"fit raised ValueError: {shown.splitlines()[0]}"
    assert "]]>" in failure.text  # kept as text, not a CDATA end


def test_markdown_renders_learner_text_as_itself(hostile, consumers) -> None:
    report = render(hostile, "markdown")
    shown = consumers.gfm_html(report)
    found = consumers.elements(shown)
    tags = [tag for tag, _ in found.tags]
    assert "img" not in tags and "script" not in tags
    text = html.unescape("".join(found.text))
    for piece in (
        "__dunder__",
        "*star*",
        "a | b",
        "`tick`",
        "in <module>",
        "]]>",
        "# not a heading",
    ):
        assert piece in text, piece
    # only the template's own emphasis: the check id in bold, "likely cause" in italics
    assert shown.count("<strong>") == report.count("**") // 2
    assert shown.count("<em>") == 1


def test_a_pipe_in_a_table_cell_stays_in_its_cell(hostile, consumers) -> None:
    hostile.exercises[0].checks[2].id = "fit|loss <b>history</b>"
    hostile.exercises[0].misconceptions = ["no|shuffle"]
    shown = consumers.gfm_html(render(hostile, "markdown"))
    row = shown.split("<tbody>")[1].split("</tr>")[0]
    assert row.count("<td>") == 4
    assert "fit|loss &lt;b&gt;history&lt;/b&gt;" in row and "no|shuffle" in row


def test_a_code_span_holds_any_backticks(consumers) -> None:
    for text in ("plain", "a `b` c", "``x``", "`", "ends with `", "| pipe"):
        code = consumers.gfm_html(f"- input: {markdown_code(text)}")
        inner = code.split("<code>")[1].split("</code>")[0]
        assert html.unescape(inner) == text, (text, code)


def test_json_keeps_learner_text_verbatim(hostile, consumers) -> None:
    data = json.loads(render(hostile, "json"))
    assert data["checks"][2]["counterexample"] == f"fit(X, y) with {consumers.HOSTILE}"


def test_escape_functions() -> None:
    assert xml_text("a\x00b\x08c\x0bd\ufffee\tf\ng") == "abcde\tf\ng"
    assert markdown_text("__x__ *y* <z> a|b `c`") == r"\_\_x\_\_ \*y\* \<z\> a\|b \`c\`"
    assert markdown_text("two\nlines") == "two lines"
    assert markdown_text(3) == 3  # numbers are not text to escape
