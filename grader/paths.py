"""Where the project's learner files live."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
# In a checkout the stubs are exercises/; an installed wheel carries them as grader/stubs.
EXERCISES = ROOT / "exercises" if (ROOT / "exercises").is_dir() else Path(__file__).parent / "stubs"
