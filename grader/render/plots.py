"""Loss curves and other trajectories, drawn by matplotlib as inline SVG for the HTML report.

matplotlib is imported here only, when an HTML report has something to plot;
a `Figure` drawn without pyplot needs no GUI backend and keeps no global state.
"""

from __future__ import annotations

import io
import math
import re

from markupsafe import Markup

from grader.result import Series

LEARNER_COLOR = "#1f6feb"
REFERENCE_COLOR = "#6e7781"


def axis_names(label: str) -> tuple[str, str]:
    """(x, y) axis names for a series label such as "MSE on the full data after each epoch"."""
    x = "step" if re.search(r"\bsteps?\b", label) else "epoch"
    y = re.split(r"\s+(?:after each|per|at each)\s+", label)[0]
    y = y.split(": ", 1)[-1] if ": " in y else y
    return x, y


def plot_svg(series: Series, key: str) -> Markup:
    """One figure: the learner's values and the reference's over x = 1, 2, ...; empty if none.

    `key` makes the SVG's internal ids unique within the page.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    lines = [
        (values, name, color, style)
        for values, name, color, style in (
            (series.reference, "reference", REFERENCE_COLOR, "--"),
            (series.learner, "your code", LEARNER_COLOR, "-"),
        )
        if any(math.isfinite(v) for v in values)
    ]
    if not lines:
        return Markup("")
    x_name, y_name = axis_names(series.label)
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": key, "font.size": 9}):
        figure = Figure(figsize=(5.6, 2.8))
        figure.subplots_adjust(left=0.14, right=0.97, bottom=0.17, top=0.88)
        axes = figure.add_subplot()
        for values, name, color, style in lines:
            finite = [v if math.isfinite(v) else math.nan for v in values]
            axes.plot(
                range(1, len(finite) + 1),
                finite,
                style,
                color=color,
                label=name,
                marker="o" if len(finite) <= 30 else None,
                markersize=3,
                linewidth=1.6,
            )
        axes.set_title(series.label)
        axes.set_xlabel(x_name)
        axes.set_ylabel(y_name)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(True, alpha=0.3)
        axes.legend(loc="best")
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    return Markup(svg[svg.index("<svg") :])
