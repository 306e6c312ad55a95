"""The playground in a terminal: a compact table with sparklines, verdicts, and region maps.

Sparklines share one logarithmic scale across the runs, so a loss that barely
moves looks flat beside one that falls. Where the terminal is at least
`MAP_MIN_WIDTH` columns wide, each run's final decision regions follow as a
coarse character map with the training points on it.
"""

from __future__ import annotations

import math

import numpy as np

from grader.playground.data import GRID_SIDE
from grader.playground.mlp import MOMENTUM
from grader.playground.sweep import Run, Session, format_value

BARS = "▁▂▃▄▅▆▇█"
SPARK_EPOCH, SPARK_UPDATE = 20, 16
MAP_W, MAP_H, MAP_GAP = 30, 12, 3
MAP_MIN_WIDTH = 2 * MAP_W + MAP_GAP
REGION = {0: "·", 1: "▒"}
POINT = {0: "o", 1: "x"}
OPTIMIZER_NAMES = {
    "sgd": "SGD",
    "momentum": f"SGD with momentum {MOMENTUM:g}",
    "rmsprop": "RMSProp",
    "adagrad": "Adagrad",
    "adam": "Adam",
}


def sparkline(values: np.ndarray, width: int, low: float, high: float) -> str:
    """``width`` evenly spaced samples of ``values`` as bars on the log scale [low, high]."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return " " * width
    picks = values[np.linspace(0, len(values) - 1, min(width, len(values))).round().astype(int)]
    span = max(high - low, 1e-12)
    out = []
    for v in picks:
        if not np.isfinite(v):
            out.append("×")
            continue
        level = (math.log10(max(v, 1e-12)) - low) / span
        out.append(BARS[int(np.clip(round(level * (len(BARS) - 1)), 0, len(BARS) - 1))])
    return "".join(out).ljust(width)


def log_range(curves: list[np.ndarray]) -> tuple[float, float]:
    finite = np.concatenate([np.asarray(c)[np.isfinite(c)] for c in curves] + [np.ones(1)])
    finite = np.maximum(finite, 1e-4)
    return math.log10(float(finite.min())), math.log10(float(finite.max()))


def describe_setup(session: Session) -> list[str]:
    s = session.setup.settings
    lines = [f"data     {session.data.describe()}"]
    widths = {format_value("width", w) for w in s["width"]}
    depths = {format_value("depth", d) for d in s["depth"]}
    acts = ", ".join(s["activation"])
    opts = ", ".join(OPTIMIZER_NAMES.get(o, o) for o in s["optimizer"])
    batches = ", ".join(format_value("batch_size", b) for b in s["batch_size"])
    lrs = ", ".join(format_value("lr", lr) for lr in s["lr"])
    lines.append(
        f"network  2 inputs, {'/'.join(sorted(depths))} hidden layer(s) of "
        f"{'/'.join(sorted(widths))} {acts} units, softmax over 2 classes, cross-entropy"
    )
    extra = ""
    if s["l2"]:
        extra += f", L2 {s['l2']:g}"
    if s["dropout"]:
        extra += f", dropout {s['dropout']:g}"
    lines.append(
        f"training {opts}, learning rate {lrs}, batch {batches}, {s['epochs']} epochs{extra}"
    )
    return lines


def render(session: Session, width: int = 100) -> str:
    """The whole report for a terminal ``width`` columns wide."""
    out: list[str] = []
    preset = session.setup.preset
    title = f"neurograde playground · preset {preset.name}: {preset.title}" if preset else (
        "neurograde playground"
    )
    out += [title, *describe_setup(session)]
    if session.learner:
        out.append(f"code     {session.learner}")
    out.append("")
    out += table(session.runs)
    if width >= MAP_MIN_WIDTH:
        out += ["", *region_maps(session, width)]
    if preset:
        out += ["", f"Lesson: {preset.lesson}", f"Test yourself: neurograde quiz {preset.quiz_topic}"]
    return "\n".join(out) + "\n"


def table(runs: list[Run]) -> list[str]:
    low, high = log_range([r.history["train_loss"] for r in runs])
    ulow, uhigh = log_range([r.history["update_loss"] for r in runs])
    label_w = max(len("run"), *(len(r.label) for r in runs))
    head = (
        f"{'run':<{label_w}}  {'loss / epoch':<{SPARK_EPOCH}}  {'loss / update':<{SPARK_UPDATE}}"
        f"  {'train':>5}  {'val':>5}  {'upd/ep':>6}  {'noise':>5}  {'time':>6}"
    )
    lines = [head, "─" * len(head)]
    indent = " " * (label_w + 2)
    for run in runs:
        h = run.history
        lines.append(
            f"{run.label:<{label_w}}  {sparkline(h['train_loss'], SPARK_EPOCH, low, high)}  "
            f"{sparkline(h['update_loss'], SPARK_UPDATE, ulow, uhigh)}  "
            f"{h['train_acc'][-1]:>5.2f}  {h['val_acc'][-1]:>5.2f}  "
            f"{h['updates_per_epoch']:>6}  {run.roughness:>5.2f}  {h['wall_s']:>5.2f}s"
        )
        lines.append(f"{indent}{run.verdict.text}")
        if run.departure is not None:
            mark = "✓" if run.departure.epoch is None else "✗"
            lines.append(f"{indent}{mark} yours {run.departure.text}")
    lines.append(
        "train/val: final accuracy · upd/ep: updates per epoch · noise: mean jump between "
        "consecutive updates / mean loss"
    )
    return lines


def region_map(run: Run, session: Session) -> list[str]:
    """The final decision regions, MAP_W x MAP_H characters, training points on top."""
    probs = np.asarray(run.history["boundaries"])
    if probs.size == 0:
        return ["(no finite model to draw)".ljust(MAP_W)] * MAP_H
    grid = probs[-1].reshape(GRID_SIDE, GRID_SIDE)  # row 0 is the bottom
    cols = np.linspace(0, GRID_SIDE - 1, MAP_W).round().astype(int)
    rows = np.linspace(0, GRID_SIDE - 1, MAP_H).round().astype(int)
    cells = [
        [REGION[int(grid[r, c] >= 0.5)] if np.isfinite(grid[r, c]) else "?" for c in cols]
        for r in rows
    ]
    x_min, x_max, y_min, y_max = session.data.bounds
    for (x, y), label in zip(session.data.X_train, session.data.y_train, strict=False):
        c = round((x - x_min) / (x_max - x_min) * (MAP_W - 1))
        r = round((y - y_min) / (y_max - y_min) * (MAP_H - 1))
        cells[r][c] = POINT[int(label)]
    return ["".join(row) for row in reversed(cells)]


def region_maps(session: Session, width: int) -> list[str]:
    per_line = max(1, (width + MAP_GAP) // (MAP_W + MAP_GAP))
    gap = " " * MAP_GAP
    out = [
        f"Decision regions at the end of training: {REGION[0]} class 0, "
        f"{REGION[1]} class 1; training points {POINT[0]} class 0, {POINT[1]} class 1"
    ]
    for start in range(0, len(session.runs), per_line):
        chunk = session.runs[start : start + per_line]
        maps = [region_map(run, session) for run in chunk]
        out.append(gap.join(run.label[:MAP_W].ljust(MAP_W) for run in chunk).rstrip())
        out += [gap.join(m[i] for m in maps).rstrip() for i in range(MAP_H)]
        out.append("")
    return out[:-1]
