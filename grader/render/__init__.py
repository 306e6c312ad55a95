"""Turn a `RunResult` into each output format of `shared/spec/cli.md`.

text, markdown, html and junit are jinja2 templates in `grader/templates`;
json and gradescope are JSON documents built from `to_json()`.
"""

from __future__ import annotations

import json
from typing import Any

from grader.result import ExerciseResult, RunResult

FORMATS = ("text", "json", "junit", "gradescope", "markdown", "html")


def number(value: float) -> str:
    """2.0 -> "2", 2.5 -> "2.5"."""
    return f"{value:g}"


def environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("grader", "templates"),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["number"] = number
    return env


def render(run: RunResult, fmt: str, color: bool = False, verbose: bool = False) -> str:
    """The whole run in format `fmt` (text: learner-sized unless `verbose`)."""
    if fmt == "text":
        from grader.render.text import render_text

        return render_text(run, _styler(color), verbose)
    if fmt == "json":
        return json.dumps(run.to_json(), indent=2) + "\n"
    if fmt == "gradescope":
        return json.dumps(gradescope(run), indent=2) + "\n"
    template = environment().get_template(
        f"result.{ {'text': 'txt', 'markdown': 'md'}.get(fmt, fmt) }.j2"
    )
    return template.render(run=run, style=_styler(color), plot=plot_svg)


def gradescope(run: RunResult) -> dict[str, Any]:
    """Gradescope's results.json: score plus one test per scored check."""
    tests = []
    for exercise in run.exercises:
        for check in exercise.checks:
            if check.max_points == 0 and check.passed:
                continue
            tests.append(
                {
                    "name": f"{exercise.exercise}: {check.id}",
                    "score": 0.0 if exercise.zeroed_by else check.points,
                    "max_score": check.max_points,
                    "status": "passed" if check.passed else "failed",
                    "output": _explain(check),
                    "visibility": "visible",
                }
            )
    zeroed = [f"{e.exercise}: score zeroed: {e.zeroed_by}" for e in run.exercises if e.zeroed_by]
    return {
        "score": run.score,
        "output": "\n".join(zeroed) or f"neurograde: {number(run.score)} / {number(run.max_score)}",
        "tests": tests,
    }


def _explain(check: Any) -> str:
    parts = [check.message]
    if check.counterexample:
        parts.append(f"Input: {check.counterexample}")
    if check.misconception:
        parts.append(f"Misconception: {check.misconception}")
    return "\n".join(p for p in parts if p)


def _styler(color: bool) -> Any:
    def style(text: str, fg: str | None = None, bold: bool = False) -> str:
        if not color:
            return text
        import click

        return click.style(text, fg=fg, bold=bold)

    return style


def plot_svg(series: Any, width: int = 360, height: int = 160) -> str:
    """A small inline SVG line chart of a learner's and the reference's series."""
    values = [v for v in (*series.learner, *series.reference) if v == v and abs(v) != float("inf")]
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    longest = max(len(series.learner), len(series.reference), 2)

    def points(ys: list[float]) -> str:
        return " ".join(
            f"{8 + i * (width - 16) / (longest - 1):.1f},{height - 8 - (y - low) / span * (height - 16):.1f}"
            for i, y in enumerate(ys)
            if y == y and abs(y) != float("inf")
        )

    return (
        f'<svg width="{width}" height="{height}" role="img" aria-label="{series.label}">'
        f'<rect width="100%" height="100%" fill="#fafafa" stroke="#ddd"/>'
        f'<polyline fill="none" stroke="#999" stroke-width="2" stroke-dasharray="4 3" points="{points(series.reference)}"/>'
        f'<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="{points(series.learner)}"/>'
        "</svg>"
    )


__all__ = ["FORMATS", "ExerciseResult", "render"]
