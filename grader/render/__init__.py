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


def render(run: RunResult, fmt: str, color: bool = False) -> str:
    """The whole run in format `fmt`."""
    if fmt == "json":
        return json.dumps(run.to_json(), indent=2) + "\n"
    if fmt == "gradescope":
        from grader.render.gradescope import gradescope

        return json.dumps(gradescope(run), indent=2) + "\n"
    template = environment().get_template(
        f"result.{ {'text': 'txt', 'markdown': 'md'}.get(fmt, fmt) }.j2"
    )
    return template.render(run=run, style=_styler(color), plot=plot_svg)


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
