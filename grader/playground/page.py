"""The playground as one self-contained HTML page (``--output play.html``).

Plots are drawn with matplotlib (imported here only, when a page is written)
and embedded as inline SVG with their text kept as text: an overview of every
run's loss per epoch and per update, then per run its decision regions over
the data at a few epochs beside its loss curves. With a workspace, the
reference's curves are drawn dashed on the same axes as the learner's.
"""

from __future__ import annotations

import html
import io
from typing import Any

import numpy as np

from grader.playground.data import GRID_SIDE
from grader.playground.sweep import Run, Session
from grader.playground.terminal import describe_setup

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222;
       padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
.lesson { background: #f3f7ff; border-left: 4px solid #3b6fd8; padding: .6em 1em; }
.departs { color: #b00020; } .matches { color: #1b7a2f; }
.setup { color: #555; white-space: pre-line; }
"""
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _positive(values: Any) -> np.ndarray:
    """Values for a log axis: non-finite and non-positive points left out (as NaN)."""
    v = np.asarray(values, dtype=np.float64).copy()
    v[~np.isfinite(v) | (v <= 0)] = np.nan
    return v


def overview(session: Session) -> str:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.8))
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.92, wspace=0.25)
    by_epoch, by_update = fig.subplots(1, 2)
    for i, run in enumerate(session.runs):
        color = COLORS[i % len(COLORS)]
        mine = " (yours)" if run.reference is not None else ""
        by_epoch.plot(_positive(run.history["train_loss"]), color=color, label=run.label + mine)
        updates = _positive(run.history["update_loss"])
        by_update.plot(np.arange(1, len(updates) + 1), updates, color=color, lw=0.6,
                       alpha=0.8, label=run.label + mine)
        if run.reference is not None:
            by_epoch.plot(_positive(run.reference["train_loss"]), color=color, ls="--",
                          label=f"{run.label} (reference)")
    by_epoch.set(title="Training loss per epoch", xlabel="epoch", ylabel="cross-entropy",
                 yscale="log")
    by_update.set(title="Batch loss per update", xlabel="update", ylabel="cross-entropy",
                  yscale="log", xscale="log")
    for ax in (by_epoch, by_update):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return _svg(fig)


def run_figure(run: Run, session: Session) -> str:
    from matplotlib.figure import Figure

    h = run.history
    snaps = list(h["snapshot_epochs"])
    fig = Figure(figsize=(3.1 * (len(snaps) + 1.4), 3.3))
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.15, top=0.9, wspace=0.35)
    axes = fig.subplots(1, len(snaps) + 1, width_ratios=[1] * len(snaps) + [1.4])
    data = session.data
    x_min, x_max, y_min, y_max = data.bounds
    xs, ys = np.linspace(x_min, x_max, GRID_SIDE), np.linspace(y_min, y_max, GRID_SIDE)
    for ax, epoch, probs in zip(axes, snaps, h["boundaries"], strict=False):
        grid = np.ma.masked_invalid(np.asarray(probs).reshape(GRID_SIDE, GRID_SIDE))
        if grid.count():
            ax.contourf(xs, ys, grid, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.75)
            if grid.min() < 0.5 < grid.max():
                ax.contour(xs, ys, grid, levels=[0.5], colors="k", linewidths=1)
        for label, marker, color in ((0, "o", "#1f4e9c"), (1, "s", "#a11d1d")):
            rows = data.y_train == label
            ax.scatter(data.X_train[rows, 0], data.X_train[rows, 1], s=9, marker=marker,
                       c=color, edgecolors="white", linewidths=0.3, label=f"class {label}")
            rows = data.y_val == label
            ax.scatter(data.X_val[rows, 0], data.X_val[rows, 1], s=12, marker=marker,
                       facecolors="none", edgecolors=color, linewidths=0.7,
                       label=f"class {label} (validation)")
        ax.set(title=f"epoch {epoch}", xlabel="x₁", ylabel="x₂", xlim=(x_min, x_max),
               ylim=(y_min, y_max))
        ax.set_aspect("auto")
    axes[0].legend(fontsize=6, loc="lower left")
    curves = axes[-1]
    curves.plot(_positive(h["train_loss"]), color=COLORS[0], label="training")
    curves.plot(_positive(h["val_loss"]), color=COLORS[1], label="validation")
    if run.reference is not None:
        curves.plot(_positive(run.reference["train_loss"]), color=COLORS[0], ls="--",
                    label="training (reference)")
        curves.plot(_positive(run.reference["val_loss"]), color=COLORS[1], ls="--",
                    label="validation (reference)")
    finite = _positive(np.concatenate([h["train_loss"], h["val_loss"]]))
    wide = np.nanmax(finite) > 5 * np.nanmin(finite) if np.isfinite(finite).any() else False
    curves.set(title="Loss per epoch", xlabel="epoch", ylabel="cross-entropy",
               yscale="log" if wide else "linear")
    curves.grid(alpha=0.3)
    curves.legend(fontsize=7)
    return _svg(fig)


def _summary(session: Session) -> str:
    learner = any(r.departure is not None for r in session.runs)
    head = ["run", "verdict", "train acc", "val acc", "updates / epoch", "noise", "time (s)"]
    rows = []
    for run in session.runs:
        h = run.history
        cells = [
            f"<td>{html.escape(run.label)}</td>",
            f"<td>{html.escape(run.verdict.text)}</td>",
            f"<td class=num>{h['train_acc'][-1]:.2f}</td>",
            f"<td class=num>{h['val_acc'][-1]:.2f}</td>",
            f"<td class=num>{h['updates_per_epoch']}</td>",
            f"<td class=num>{run.roughness:.2f}</td>",
            f"<td class=num>{h['wall_s']:.2f}</td>",
        ]
        if run.departure is not None:
            css = "matches" if run.departure.epoch is None else "departs"
            cells.append(f"<td class={css}>{html.escape(run.departure.text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    if learner:
        head.append("your code vs the reference")
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_page(session: Session) -> str:
    """The whole page."""
    from matplotlib import rc_context

    preset = session.setup.preset
    title = f"Playground: {preset.title}" if preset else "neurograde playground"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="setup">{html.escape(chr(10).join(describe_setup(session)))}</p>',
    ]
    if session.learner:
        parts.append(f"<p><strong>Code:</strong> {html.escape(session.learner)}</p>")
    if preset:
        parts.append(
            f'<p class="lesson"><strong>Lesson.</strong> {html.escape(preset.lesson)}<br>'
            f"Test yourself: <code>neurograde quiz {html.escape(preset.quiz_topic)}</code></p>"
        )
    parts.append(_summary(session))
    parts.append(
        "<p>Noise: the mean jump of the batch loss between consecutive updates, divided by its "
        "mean.</p>"
    )
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "neurograde"}):
        parts.append(
            '<h2>All runs</h2><figure class="plot">' + overview(session) + "<figcaption>"
            "Training loss per epoch and batch loss per update (log scales).</figcaption></figure>"
        )
        for run in session.runs:
            parts.append(f"<section><h2>{html.escape(run.label)}</h2>")
            parts.append(f"<p>{html.escape(run.verdict.text)}</p>")
            if run.departure is not None:
                css = "matches" if run.departure.epoch is None else "departs"
                parts.append(f'<p class="{css}">Your code {html.escape(run.departure.text)}.</p>')
            parts.append(
                '<figure class="plot">' + run_figure(run, session) + "<figcaption>Decision "
                "regions (colour: probability of class 1; black line: the boundary at 0.5) with "
                "training points (filled) and validation points (hollow), and the loss curves."
                "</figcaption></figure></section>"
            )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
