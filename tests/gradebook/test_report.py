"""The report of a gradebook of mutants: each mutant's mistake counted once per learner who made it."""

from __future__ import annotations

import html.parser
import json
from collections import Counter
from types import SimpleNamespace

import pytest

from grader import catalog
from grader.engine.mutants import apply

HOSTILE = "<img src=x onerror=alert(1)> *bold* | pipe"
OWN_CODE = """

def normalised_rows(rows):
    total = [sum(abs(v) for v in row) or 1.0 for row in rows]
    return [[v / t for v in row] for row, t in zip(rows, total)]


def running_mean(values, window=3):
    kept, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        kept.append(total / min(i + 1, window))
    return kept
"""


@pytest.fixture(scope="module")
def mutants_course(gb: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """One learner per mutant of activations and losses; one makes softmax-overflow in both."""
    names = ("activations", "losses")
    learners: dict[str, dict[str, str]] = {}
    given: dict[str, set[str]] = {}
    for name in names:
        for i, mutant in enumerate(catalog.load(name).mutants):
            if any(m.misconception == mutant.misconception for m in catalog.load(name).mutants[:i]):
                continue  # one learner per mistake: its family's first member
            learner = "overflow" if mutant.misconception == "softmax-overflow" else f"{name}-{i}"
            files = learners.setdefault(learner, {n: gb.solution(n) for n in names})
            files[name] = apply(gb.solution(name), mutant)
            given.setdefault(mutant.misconception, set()).add(learner)
    learners["perfect"] = {n: gb.solution(n) for n in names}
    own = gb.solution("activations") + OWN_CODE
    learners["original"] = {**learners["perfect"], "activations": own}
    learners["copycat"] = {**learners["perfect"], "activations": own.replace("total", "s")}
    learners[HOSTILE] = {"activations": gb.stub("activations")}
    root = tmp_path_factory.mktemp("mutants")
    gb.write_course(root / "course", learners)
    done = gb.neurograde(
        "autograde", "course", *(f"--exercise={n}" for n in names), "--jobs", "2", "--quiet",
        "--output", "grades.json", cwd=root, env={"NEUROGRADE_EXAMPLES": "3"},
    )
    assert done.returncode == 0, done.stderr
    return SimpleNamespace(root=root, given=given, learners=learners)


def report(gb: SimpleNamespace, course: SimpleNamespace, fmt: str, source: str = "gradebook.sqlite") -> str:
    done = gb.neurograde("report", source, "--format", fmt, cwd=course.root)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_mistake_is_counted_once_per_learner_who_made_it(gb, mutants_course) -> None:
    data = json.loads(report(gb, mutants_course, "json"))
    book = json.loads((mutants_course.root / "grades.json").read_text())
    total = len(mutants_course.learners)
    assert data["learners"] == total == len(book["submissions"])
    counted = {m["misconception"]: m for m in data["mistakes"]}
    made = Counter(m for row in book["submissions"].values() for m in row["misconceptions"])
    assert {m: c["learners"] for m, c in counted.items()} == dict(made)
    for mistake, learners in mutants_course.given.items():
        assert learners <= set(counted[mistake]["who"]), mistake
    overflow = counted["softmax-overflow"]
    assert overflow["exercises"] == ["activations", "losses"]
    assert "softmax" in overflow["functions"]
    n = overflow["learners"]
    assert overflow["sentence"] == (
        f"softmax-overflow: {n} of {total} learners ({round(100 * n / total)} %), in activations and losses"
    )


def test_distribution_failed_checks_missing_learners_and_copies(gb, mutants_course) -> None:
    data = json.loads(report(gb, mutants_course, "json"))
    activations = data["exercises"][0]
    assert activations["exercise"] == "activations"
    assert sum(b["count"] for b in activations["histogram"]) == activations["submitted"]
    assert activations["full_marks"] >= 2 and activations["zero"] >= 1
    assert data["not_submitted"] == {HOSTILE: ["losses"]}
    top = data["checks_failed_most"][0]
    assert top["failed"] >= data["checks_failed_most"][-1]["failed"] and top["of"] > 0
    pairs = {tuple(f["pair"]) for f in data["similar"]}
    assert ("copycat", "original") in pairs and ("perfect", "(reference)") in pairs
    assert ("original", "perfect") not in pairs, "the common solution is no evidence of copying"
    assert not any(HOSTILE in f["pair"] for f in data["similar"]), "the untouched stub is base code"
    graded = json.loads((mutants_course.root / "grades.json").read_text())
    assert graded["submissions"]["copycat"] == graded["submissions"]["original"], (
        "flags never change a score"
    )


class Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.attrs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags[tag] += 1
        self.attrs += [name for name, _ in attrs]


def test_html_has_a_plot_per_exercise_and_escapes_learner_names(gb, mutants_course) -> None:
    page = report(gb, mutants_course, "html")
    parsed = Page()
    parsed.feed(page)
    assert parsed.tags["svg"] == 3, "a histogram per exercise and the mistakes chart"
    assert parsed.tags["img"] == 0 and "onerror" not in parsed.attrs
    assert "softmax-overflow: " in page and "in activations and losses" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_markdown_shows_learner_names_as_text_and_json_gradebooks_report_too(gb, mutants_course) -> None:
    text = report(gb, mutants_course, "markdown")
    assert "\\<img src=x onerror=alert(1)\\> \\*bold\\* \\| pipe" in text
    assert "- softmax-overflow: " in text
    from_json = report(gb, mutants_course, "markdown", "grades.json")
    assert "Not computed: a JSON gradebook keeps no sources" in from_json
    assert from_json.split("## Similar")[0] == text.split("## Similar")[0]
