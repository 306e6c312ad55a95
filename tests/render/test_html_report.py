"""The HTML report: summary first, failures before passes, gates, plots a learner can read.

The browser tests open the report in headless Chromium (Debian's `chromium`,
installed by the `chromium` fixture where it can be) and check that no learner
text ran as script and that every plot drew.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader.render import render
from grader.result import CheckResult, ExerciseResult, RunResult
from grader.runner import Options, grade

ROOT = Path(__file__).resolve().parents[2]


def test_summary_first_then_gates_failures_and_folded_passes(hostile) -> None:
    report = render(hostile, "html")
    summary = report.index('id="summary"')
    first_failure = report.index('class="check"')
    passed = report.index('<details class="passed">')
    assert summary < first_failure < passed
    row = report[summary : report.index("</section>", summary)]
    assert "<code>fit_linear_regression</code>" in row and "<code>minibatches</code>" in row
    assert "no-shuffle" in row  # the named mistake
    assert '<li class="gate pass"' in report and "0 / 0" not in report
    assert "✔ fit-converges" in report[passed:]  # a pass, folded away
    # the check that did not run says why once, folded, not as a failure
    not_run = report.index('<details class="not-run">')
    assert "1 check not run: minibatches is missing" in report[not_run:]
    assert 'id="gradient_descent-check-minibatches-partition"' not in report


def test_a_failed_gate_is_shown_as_a_gate(tmp_path: Path) -> None:
    path = tmp_path / "activations.py"
    path.write_text("import numpy as np\nraise RuntimeError('no import today')\n", "utf-8")
    report = render(RunResult([grade("activations", path, Options())]), "html")
    assert '<li class="gate fail"' in report and "✘ imports-cleanly" in report
    assert "no import today" in report
    assert report.count('<details class="not-run">') == 1  # one reason, not one per check


def test_each_scenario_is_plotted_once_with_axes_ticks_and_a_legend(hostile) -> None:
    report = render(hostile, "html")
    svgs = re.findall(r"<svg.*?</svg>", report, flags=re.S)
    assert len(svgs) == 1  # fit-loss-history and fit-converges share one scenario
    svg = svgs[0]
    for part in ('id="xtick_1"', 'id="ytick_1"', 'id="legend_1"', 'id="line2d_'):
        assert part in svg, part
    for text in ("epoch", "MSE on the full data", "your code", "reference"):
        assert f">{text}</text>" in svg or f">{text} </text>" in svg, text
    assert "Plot: with fit-loss-history" not in report  # the failure holds the plot
    assert report.index("<svg") < report.index('<details class="passed">')


def test_a_check_with_nothing_to_plot_draws_nothing() -> None:
    from grader.result import Series

    empty = Series("loss per epoch", [float("nan")], [])
    check = CheckResult("c", "property", False, 0.0, 1.0, "wrong", series=[empty])
    report = render(RunResult([ExerciseResult("neuron", "cpu", [check])]), "html")
    assert "<svg" not in report


def test_matplotlib_is_imported_only_to_render_html() -> None:
    code = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from consumers import hostile_run
from grader.render import render
from grader.runner import grade
run = hostile_run()
for fmt in ("text", "json", "junit", "gradescope", "markdown"):
    render(run, fmt)
assert "matplotlib" not in sys.modules, "matplotlib imported without an HTML report"
render(run, "html")
assert "matplotlib" in sys.modules
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# -- in a browser -------------------------------------------------------------------------

HARNESS = """
document.querySelectorAll("details").forEach((d) => { d.open = true; });
const plots = [...document.querySelectorAll("figure > svg")].map((svg) => {
  const box = svg.getBoundingClientRect();
  return {width: box.width, height: box.height, lines: svg.querySelectorAll("path").length};
});
document.body.setAttribute("data-plots", JSON.stringify(plots));
document.body.setAttribute("data-title", document.title);
"""
"""The test's own script: opens every fold, then measures every plot once laid out."""

CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def browse(run_chromium, page: Path) -> str:
    """The DOM of `page` after headless Chromium loaded it and ran its scripts."""
    done = run_chromium(page, "--virtual-time-budget=5000", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def with_harness(report: str, keep_policy: bool) -> str:
    """The report with the test's measuring script: allowed by its hash under the report's
    own policy, or with the policy removed (to show that escaping alone stops learner script)."""
    script = f"<script>{HARNESS}</script>"
    if keep_policy:
        digest = base64.b64encode(hashlib.sha256(HARNESS.encode()).digest()).decode()
        report = CSP.sub(
            lambda m: m.group(0).replace(m.group(1), f"{m.group(1)}; script-src 'sha256-{digest}'"),
            report,
        )
    else:
        report = CSP.sub("", report)
    return report.replace("</body>", f"{script}\n</body>")


@pytest.fixture(scope="module")
def graded_report(tmp_path_factory: pytest.TempPathFactory, consumers) -> tuple[str, int]:
    """A real report: a hostile file (its exceptions and prints) and a mistaken optimizer (plots)."""
    from grader import catalog
    from grader.validate import grade_mutant

    workdir = tmp_path_factory.mktemp("report")
    hostile = workdir / "activations.py"
    body = f"raise ValueError({consumers.HOSTILE!r})"
    stub = (ROOT / "exercises" / "activations.py").read_text("utf-8")
    hostile.write_text(re.sub(r"raise NotImplementedError\([^)]*\)", lambda _: body, stub), "utf-8")
    mutant = catalog.load("optimizers").mutants[0]
    results = [
        grade("activations", hostile, Options()),
        grade_mutant("optimizers", mutant, workdir),
    ]
    results.append(consumers.hostile_run().exercises[0])
    run = RunResult(results)
    return render(run, "html"), consumers.expected_plots(run)


@pytest.mark.parametrize("keep_policy", [False, True], ids=["escaping-alone", "with-policy"])
def test_in_chromium_no_learner_script_runs_and_every_plot_draws(
    keep_policy: bool, graded_report: tuple[str, int], run_chromium, tmp_path: Path
) -> None:
    report, plots = graded_report
    assert plots >= 4 and "onerror" in report
    page = tmp_path / "report.html"
    page.write_text(with_harness(report, keep_policy), "utf-8")
    dom = browse(run_chromium, page)
    assert "PWNED" not in re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    body = re.search(r"<body([^>]*)>", dom).group(1)
    title = re.search(r'data-title="([^"]*)"', body)
    assert title, "the harness did not run"
    assert "PWNED" not in title.group(1)
    drawn = json.loads(re.search(r'data-plots="([^"]*)"', body).group(1).replace("&quot;", '"'))
    assert len(drawn) == plots
    assert all(p["width"] > 100 and p["height"] > 50 and p["lines"] > 10 for p in drawn), drawn
    # learner text is in the page, as text
    assert "&lt;img src=x onerror=" in dom and "<img" not in dom
