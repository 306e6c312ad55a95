"""A learner's workspace: their exercise files plus a small progress record.

Every command finds the workspace the same way (`Workspace.find`):
`--workspace DIR`, else `NEUROGRADE_WORKSPACE`, else `./exercises` if it
exists, else the nearest folder from here upwards that holds a `.neurograde/`
folder (`neurograde init` makes one), else the current folder. A workspace
named but missing is a usage error, and nothing is created.

Everything neurograde keeps lives in `WORKSPACE/.neurograde/`: `progress.json`
(the best and last score of every exercise and quiz, the functions that failed
last, the hints shown) and hypothesis's cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from grader.result import ExerciseResult

STATE_DIR = ".neurograde"
PROGRESS_FILE = Path(STATE_DIR) / "progress.json"
ENVIRONMENT = "NEUROGRADE_WORKSPACE"
HYPOTHESIS_HOME = "HYPOTHESIS_STORAGE_DIRECTORY"


def default_workspace() -> Path:
    """Where a command looks when no workspace is named (see the module's docstring)."""
    if Path("exercises").is_dir():
        return Path("exercises")
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / STATE_DIR).is_dir() and folder != Path.home():
            return folder if folder != here else Path(".")
    return Path(".")


def digest(path: Path) -> str:
    """sha256 of a file's bytes ("" if it cannot be read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


class Workspace:
    """The folder a learner works in (`WORKSPACE/E.py` is exercise E)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def find(cls, named: Path | None = None) -> Workspace:
        """The workspace every command uses; a named one must exist (else a UsageError)."""
        if named is None and os.environ.get(ENVIRONMENT):
            named = Path(os.environ[ENVIRONMENT])
        if named is None:
            return cls(default_workspace())
        if not named.is_dir():
            raise click.UsageError(
                f"workspace {named} does not exist (create one with: neurograde init {named})"
            )
        return cls(named)

    def exercise_file(self, exercise: str) -> Path:
        return self.root / f"{exercise}.py"

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def progress_path(self) -> Path:
        return self.root / PROGRESS_FILE

    def keep_hypothesis_here(self) -> None:
        """Point hypothesis's cache into `.neurograde/` (it would make `./.hypothesis/`)."""
        os.environ[HYPOTHESIS_HOME] = str((self.state_dir / "hypothesis").resolve())

    def progress(self) -> dict[str, dict[str, Any]]:
        """Name -> {"kind", "best_score", "last_score", "max_score", "attempts", "hints_shown",
        and for exercises "failing", "misconceptions", "digest" of the last grade}."""
        try:
            data = json.loads(self.progress_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def entry(self, name: str) -> dict[str, Any]:
        entry = self.progress().get(name, {})
        return entry if isinstance(entry, dict) else {}

    def _save(self, data: dict[str, dict[str, Any]]) -> None:
        try:
            self.progress_path.parent.mkdir(parents=True, exist_ok=True)
            self.progress_path.write_text(json.dumps(data, indent=2, sort_keys=True), "utf-8")
        except OSError:
            pass  # a read-only workspace (e.g. a course's solutions folder) still grades

    def _update(self, name: str, kind: str, **fields: Any) -> dict[str, Any]:
        data = self.progress()
        entry = data.get(name)
        if not isinstance(entry, dict):
            entry = data[name] = {"attempts": 0, "hints_shown": 0}
        entry.update(fields, kind=kind)
        self._save(data)
        return entry

    def record(self, name: str, kind: str, score: float, max_score: float, **last: Any) -> None:
        """Remember one attempt at an exercise or a quiz (`kind` is "exercise" or "quiz").

        `last` holds what else the last grade found (for exercises: "failing", the
        functions that failed in order, "misconceptions", and the file's "digest").
        """
        entry = self.entry(name)
        best = max(score, entry.get("best_score", score))
        self._update(
            name,
            kind,
            last_score=score,
            max_score=max_score,
            best_score=best,
            attempts=int(entry.get("attempts", 0)) + 1,
            **last,
        )

    def record_grade(self, result: ExerciseResult, path: Path) -> None:
        """Remember a grade of the file at `path`, with the functions that failed, in order."""
        from grader.render.text import regroup

        report = regroup(result)
        self.record(
            result.exercise,
            "exercise",
            result.score,
            result.max_score,
            failing=report.pending,
            misconceptions=list(result.misconceptions),
            digest=digest(path),
        )

    def full_marks(self, name: str) -> bool:
        entry = self.entry(name)
        return "best_score" in entry and entry["best_score"] >= entry.get("max_score", 0) > 0

    def hints_shown(self, name: str, function: str | None = None) -> int:
        entry = self.entry(name)
        if function is None:
            return int(entry.get("hints_shown", 0))
        return int(entry.get("function_hints", {}).get(function, 0))

    def set_hints_shown(self, name: str, count: int, function: str | None = None) -> None:
        if function is None:
            self._update(name, "exercise", hints_shown=count)
            return
        shown = dict(self.entry(name).get("function_hints", {}))
        shown[function] = count
        self._update(name, "exercise", function_hints=shown)
