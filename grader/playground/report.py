"""The playground's machine-readable report (``--format json``), for notebooks and tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.playground.sweep import Run, Session

SCHEMA = "neurograde.playground/1"


def _plain(value: Any) -> Any:
    """Arrays as lists; non-finite numbers as None, so the JSON is strict."""
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _history(history: dict[str, Any]) -> dict[str, Any]:
    keys = ("train_loss", "val_loss", "train_acc", "val_acc", "update_loss")
    return {
        "curves": {k: history[k] for k in keys},
        "boundaries": np.round(np.asarray(history["boundaries"]), 4),
        "snapshot_epochs": history["snapshot_epochs"],
        "epochs_run": history["epochs_run"],
        "updates_per_epoch": history["updates_per_epoch"],
        "wall_s": history["wall_s"],
    }


def _run(run: Run) -> dict[str, Any]:
    h = run.history
    out = {
        "label": run.label,
        "config": run.config,
        "verdict": {"kind": run.verdict.kind, "text": run.verdict.text, "epoch": run.verdict.epoch},
        "final": {k: h[k][-1] for k in ("train_loss", "val_loss", "train_acc", "val_acc")},
        "roughness": run.roughness,
        **_history(h),
    }
    if run.reference is not None and run.departure is not None:
        out["reference"] = _history(run.reference)
        out["departure"] = {
            "epoch": run.departure.epoch,
            "text": run.departure.text,
            "largest_gap": run.departure.largest,
        }
    return out


def as_dict(session: Session) -> dict[str, Any]:
    preset = session.setup.preset
    d = session.data
    return _plain(
        {
            "schema": SCHEMA,
            "preset": None
            if preset is None
            else {
                "name": preset.name,
                "title": preset.title,
                "lesson": preset.lesson,
                "quiz_topic": preset.quiz_topic,
                "quiz_command": f"neurograde quiz {preset.quiz_topic}",
            },
            "dataset": {
                "name": d.name,
                "noise": d.noise,
                "seed": d.seed,
                "train": len(d.y_train),
                "validation": len(d.y_val),
                "bounds": list(d.bounds),
                "grid_side": int(np.sqrt(len(d.grid()))),
            },
            "learner": {"used": session.learner_used, "note": session.learner},
            "snapshot_epochs": session.snapshots,
            "runs": [_run(run) for run in session.runs],
        }
    )
