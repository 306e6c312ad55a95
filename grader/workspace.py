"""A learner's workspace: their exercise files plus a small progress record.

The record lives in `WORKSPACE/.neurograde/progress.json`: the best and last
score of every exercise and quiz, and how many hints were shown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PROGRESS_FILE = Path(".neurograde") / "progress.json"


class Workspace:
    """The folder a learner works in (`WORKSPACE/E.py` is exercise E)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def exercise_file(self, exercise: str) -> Path:
        return self.root / f"{exercise}.py"

    @property
    def progress_path(self) -> Path:
        return self.root / PROGRESS_FILE

    def progress(self) -> dict[str, dict[str, Any]]:
        """Name -> {"kind", "best_score", "last_score", "max_score", "attempts", "hints_shown"}."""
        try:
            data = json.loads(self.progress_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, dict[str, Any]]) -> None:
        try:
            self.progress_path.parent.mkdir(parents=True, exist_ok=True)
            self.progress_path.write_text(json.dumps(data, indent=2, sort_keys=True), "utf-8")
        except OSError:
            pass  # a read-only workspace (e.g. a course's solutions folder) still grades

    def record(self, name: str, kind: str, score: float, max_score: float) -> None:
        """Remember one attempt at an exercise or a quiz (`kind` is "exercise" or "quiz")."""
        data = self.progress()
        entry = data.setdefault(name, {"kind": kind, "attempts": 0, "hints_shown": 0})
        entry.update(kind=kind, last_score=score, max_score=max_score)
        entry["best_score"] = max(score, entry.get("best_score", score))
        entry["attempts"] = entry.get("attempts", 0) + 1
        self._save(data)

    def hints_shown(self, exercise: str) -> int:
        return int(self.progress().get(exercise, {}).get("hints_shown", 0))

    def set_hints_shown(self, exercise: str, count: int) -> None:
        data = self.progress()
        data.setdefault(exercise, {"kind": "exercise", "attempts": 0})["hints_shown"] = count
        self._save(data)
