"""`--output play.html`: one self-contained page whose plots a real browser draws."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.playground.page import render_page
from grader.playground.sweep import play

# Appended to a copy of the page: counts the plots the browser laid out with real content.
PROBE = """
<script>
const plots = [...document.querySelectorAll('figure.plot > svg')];
const drawn = plots.filter(svg => {
  const box = svg.getBoundingClientRect();
  const marks = svg.querySelectorAll('path, use, image').length;
  return box.width > 200 && box.height > 100 && marks > 20;
});
const texts = [...document.querySelectorAll('figure.plot svg text')].map(t => t.textContent);
document.body.setAttribute('data-plots', String(plots.length));
document.body.setAttribute('data-drawn', String(drawn.length));
document.body.setAttribute('data-texts', texts.join('|'));
</script>
"""


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.counts[tag] = self.counts.get(tag, 0) + 1


@pytest.fixture(scope="module")
def page(tmp_path_factory, make_setup) -> tuple[Path, object]:
    session = play(make_setup("learning-rate", epochs=40, samples=120))
    path = tmp_path_factory.mktemp("page") / "play.html"
    path.write_text(render_page(session), encoding="utf-8")
    return path, session


def test_the_page_is_self_contained_with_one_plot_per_run_and_an_overview(page):
    path, session = page
    text = path.read_text("utf-8")
    tags = Tags()
    tags.feed(text)
    assert tags.counts["svg"] == len(session.runs) + 1
    assert tags.counts["figure"] == len(session.runs) + 1
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text), "nothing loaded from outside"
    for run in session.runs:
        assert run.verdict.text in text
    assert "neurograde quiz gradient-descent" in text


def test_every_plot_is_drawn_in_headless_chromium(page, run_chromium, tmp_path):
    path, session = page
    probed = tmp_path / "probed.html"
    probed.write_text(path.read_text("utf-8").replace("</body>", PROBE + "</body>"), "utf-8")
    done = run_chromium(probed, "--dump-dom", "--virtual-time-budget=5000")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    plots = int(re.search(r'data-plots="(\d+)"', dom).group(1))
    drawn = int(re.search(r'data-drawn="(\d+)"', dom).group(1))
    assert plots == len(session.runs) + 1
    assert drawn == plots, f"only {drawn} of {plots} plots were drawn"
    texts = re.search(r'data-texts="([^"]*)"', dom).group(1)
    for expected in ("Training loss per epoch", "Batch loss per update", "epoch", "cross-entropy",
                     "x₁", "x₂", "class 0", "class 1", "training", "validation", "lr=0.5"):
        assert expected in texts, f"{expected!r} is missing from the plots' axes and legends"


def test_the_page_screenshot_is_not_blank(page, run_chromium, tmp_path):
    path, _ = page
    shot = tmp_path / "shot.png"
    done = run_chromium(path, f"--screenshot={shot}", "--window-size=1280,2000")
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000
