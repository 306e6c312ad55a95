"""Each output format read by its real consumer, with what that consumer must find.

`assert_every_format(run)` renders one `RunResult` in every format (rendering
is pure, so one grade serves all six) and checks each output:

- text: a report, no traceback;
- json: parses, is `run.to_json()`, every message a string;
- junit: valid against the Jenkins JUnit XSD (`junit-10.xsd`, vendored here),
  read by `junitparser`: one testsuite per exercise, a `time` on every
  testcase, a `<skipped>` (one short reason) for each check that did not run;
- gradescope: JSON with a numeric score and a list of tests;
- markdown: rendered by markdown-it-py's GFM-like preset: no HTML element
  that the template did not write, every table row with its four cells;
- html: parsed: no script, no event handler, no element that the template
  did not write, one inline SVG per distinct plotted series.

Loaded by `tests/conftest.py`'s `every_format` fixture.
"""

from __future__ import annotations

import json
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from grader.render import FORMATS, render
from grader.render.escape import xml_text
from grader.result import CheckResult, ExerciseResult, RunResult, Series

XSD = Path(__file__).with_name("junit-10.xsd")

MARKDOWN_TAGS = {"h2", "h3", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "p"}
MARKDOWN_TAGS |= {"strong", "em", "code", "a"}
"""What the markdown template writes (`a`: GFM autolinks a bare www. or http address)."""

HTML_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "section", "article"}
HTML_TAGS |= {"h1", "h2", "h3", "h4", "p", "span", "strong", "code", "pre", "a", "table", "tr"}
HTML_TAGS |= {"th", "td", "ul", "li", "details", "summary", "figure", "div"}
"""What the HTML template writes outside its plots."""

TRACEBACK = "Traceback (most recent call last)"


@cache
def junit_schema() -> Any:
    import xmlschema

    return xmlschema.XMLSchema(XSD)


def assert_every_format(run: RunResult) -> dict[str, str]:
    """Render `run` in every format, check each with its consumer; the outputs by format."""
    outputs = {fmt: render(run, fmt) for fmt in FORMATS}
    for fmt, output in outputs.items():
        assert_valid(fmt, output, run)
    return outputs


def assert_valid(fmt: str, output: str, run: RunResult | None = None) -> None:
    """`output` is a complete, valid `fmt` report (of `run`, when it is known)."""
    assert output.strip(), f"{fmt}: an empty report"
    assert TRACEBACK not in output, f"{fmt}: a traceback in the report"
    CHECKERS[fmt](output, run)


def check_text(output: str, run: RunResult | None) -> None:
    for exercise in run.exercises if run else []:
        assert exercise.exercise in output


def check_json(output: str, run: RunResult | None) -> None:
    data = json.loads(output)
    assert data["schema"] in ("neurograde.result/1", "neurograde.run/1")
    if run is not None:
        assert data == json.loads(json.dumps(run.to_json()))
    exercises = data.get("exercises", [data])
    for exercise in exercises:
        for check in exercise["checks"]:
            assert isinstance(check["message"], str)
            assert check["counterexample"] is None or isinstance(check["counterexample"], str)


def check_gradescope(output: str, run: RunResult | None) -> None:
    data = json.loads(output)
    assert isinstance(data["score"], (int, float))
    assert isinstance(data["tests"], list)
    for test in data["tests"]:
        assert isinstance(test["name"], str) and isinstance(test.get("output", ""), str)


def check_junit(output: str, run: RunResult | None) -> None:
    from junitparser import Error, Failure, JUnitXml, Skipped

    junit_schema().validate(output)
    suites = list(JUnitXml.fromstring(output))
    assert all(case.time is not None for suite in suites for case in suite)
    if run is None:
        return
    assert [s.name for s in suites] == [e.exercise for e in run.exercises]
    for suite, exercise in zip(suites, run.exercises, strict=True):
        cases = {case.name: case for case in suite}
        extra = 1 if exercise.errors else 0
        assert len(cases) == len(exercise.checks) + extra and suite.tests == len(cases)
        for check in exercise.checks:
            case = cases[check.id]
            assert case.time is not None
            kinds = [type(r) for r in case.result]
            if check.skipped is not None:
                assert kinds == [Skipped], (check.id, kinds)
                assert case.result[0].message == xml_text(check.skipped)
                assert "\n" not in check.skipped
            elif check.passed:
                assert kinds == []
            else:
                assert kinds == [Failure], (check.id, kinds)
        if exercise.errors:
            assert any(isinstance(r, Error) for case in suite for r in case.result)


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text outside <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.text.append(data)


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def gfm_html(markdown: str) -> str:
    """The markdown as GitHub would show it (markdown-it-py's GFM-like preset: tables, autolinks, raw HTML)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("gfm-like").render(markdown)


def check_markdown(output: str, run: RunResult | None) -> None:
    html = gfm_html(output)
    found = elements(html)
    unexpected = {tag for tag, _ in found.tags} - MARKDOWN_TAGS
    assert not unexpected, f"markdown let through HTML elements {unexpected}"
    assert all(set(attrs) <= {"href"} for _, attrs in found.tags)
    rows = html.split("<tr>")[1:]
    assert all(row.count("<td>") + row.count("<th>") == 4 for row in rows)
    if run is None:
        return
    assert len(rows) == 1 + len(run.exercises)
    for exercise in run.exercises:
        for check in _failed(exercise.checks):
            assert check.id in html


def check_html(output: str, run: RunResult | None) -> None:
    found = elements(_outside_svgs(output))
    unexpected = {tag for tag, _ in found.tags} - HTML_TAGS
    assert not unexpected, f"learner text became HTML elements {unexpected}"
    handlers = [(t, a) for t, attrs in found.tags for a in attrs if a.lower().startswith("on")]
    assert not handlers, handlers
    if run is None:
        return
    assert output.count("<svg") == expected_plots(run)
    text = "".join(found.text)
    for exercise in run.exercises:
        for check in _failed(exercise.checks):
            assert check.id in text


def expected_plots(run: RunResult) -> int:
    """One plot per distinct series with a finite value, per exercise."""
    count = 0
    for exercise in run.exercises:
        seen = set()
        for check in exercise.checks:
            for s in check.series or []:
                if any(v == v and abs(v) != float("inf") for v in (*s.learner, *s.reference)):
                    seen.add((s.label, tuple(s.learner), tuple(s.reference)))
        count += len(seen)
    return count


def _outside_svgs(html: str) -> str:
    parts = html.split("<svg")
    return parts[0] + "".join(p.split("</svg>", 1)[-1] for p in parts[1:])


def _failed(checks: list[CheckResult]) -> list[CheckResult]:
    return [c for c in checks if not c.passed and c.skipped is None]


# -- hostile input ----------------------------------------------------------------------

HOSTILE = (
    "<img src=x onerror=\"document.title='PWNED'\"> </script><script>document.title='PWNED'"
    "</script> ]]> \x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x1f\ufffe __dunder__ *star* "
    "a | b `tick` ``two`` &amp; in <module>\nsecond line | # not a heading"
)
"""Text a learner's code can put in a report: markup in every format, and characters XML 1.0 forbids."""

FORBIDDEN = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x1f\ufffe"


def hostile_run() -> RunResult:
    """One exercise with the hostile text in every field a learner's code (or a course's text)
    can influence."""
    loss = Series(
        "MSE on the full data after each epoch", [4.0, 2.5, 1.9, 1.7], [4.0, 2.0, 1.0, 0.6]
    )
    result = ExerciseResult(exercise="gradient_descent", device="cpu", title="Gradient descent")
    result.checks = [
        CheckResult("syntax", "static", True, 0.0, 0.0),
        CheckResult("imports-cleanly", "smoke", True, 0.0, 0.0),
        CheckResult(
            "fit-loss-history",
            "property",
            False,
            0.0,
            2.0,
            f"fit raised ValueError: {HOSTILE}\nLikely cause: {HOSTILE}",
            counterexample=f"fit(X, y) with {HOSTILE}",
            misconception="no-shuffle",
            series=[loss],
            functions=("fit_linear_regression",),
            title=f"fit's loss falls {HOSTILE}",  # a course's text, in every format too
        ),
        CheckResult(
            "fit-hidden",
            "hidden",
            False,
            0.0,
            1.0,
            f"wrong on a hidden input: {HOSTILE}",
            visibility="hidden",
            functions=("fit_linear_regression",),
        ),
        CheckResult(
            "fit-converges",
            "property",
            True,
            1.0,
            1.0,
            series=[loss],  # the same scenario: plotted once
            functions=("fit_linear_regression",),
            title=f"fit converges {HOSTILE}",
        ),
        CheckResult(
            "minibatches-partition",
            "property",
            False,
            0.0,
            1.0,
            f"not run: {HOSTILE}",
            skipped=f"minibatches is missing {HOSTILE}".splitlines()[0],
            functions=("minibatches",),
        ),
    ]
    result.misconceptions = ["no-shuffle"]
    result.errors = [f"a learner's print: {HOSTILE}"]
    return RunResult([result])


CHECKERS = {
    "text": check_text,
    "json": check_json,
    "junit": check_junit,
    "gradescope": check_gradescope,
    "markdown": check_markdown,
    "html": check_html,
}
