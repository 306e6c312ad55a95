"""`neurograde hint`: the next hint for the first function that fails.

Hints are data, per function: the exercise's `hints.toml` (beside its declaration) maps each
function to a list of hints, from a nudge to a recipe (`grader.engine.texts`). Which function fails
comes from the last grade kept in the workspace's progress when the file has
not changed since, else from a silent grade now. When that grade named the
mistake (a misconception), its explanation comes first. A file that does not
run yet, or is missing, gets the exercise's general hints instead.
"""

from __future__ import annotations

import textwrap

from grader import catalog
from grader.render.text import terminal_width
from grader.workspace import Workspace, digest


def last_grade(exercise: str, ws: Workspace) -> dict | None:
    """The progress entry of the current file's grade (grading it silently if needed)."""
    path = ws.exercise_file(exercise)
    if not path.is_file():
        return None
    entry = ws.entry(exercise)
    if entry.get("digest") != digest(path) or "failing" not in entry:
        from grader.session import GradeRequest, grade_all

        grade_all(GradeRequest(names=[exercise], workspace=ws.root))
        entry = ws.entry(exercise)
    return entry if entry.get("digest") == digest(path) else None


def next_hint(exercise: str, ws: Workspace, width: int | None = None) -> str:
    """What `neurograde hint EXERCISE` prints (and records the hint as shown)."""
    width = width or terminal_width()
    graded = last_grade(exercise, ws)
    failing = list(graded.get("failing", [])) if graded else []
    if graded and not failing and graded.get("last_score") == graded.get("max_score"):
        return _wrap([f"Every check of {exercise} passes: no hint needed."], width)
    if not failing:
        why = (
            f"No function of {exercise} fails, yet {ws.exercise_file(exercise)} scores "
            f"{graded.get('last_score', 0):g} / {graded.get('max_score', 0):g}: it does not run, "
            f"or something zeroed it (neurograde grade {exercise} shows why)."
            if graded
            else f"There is no {ws.exercise_file(exercise)} yet."
        )
        return _wrap([why, *_general(exercise, ws)], width)
    function = failing[0]
    paragraphs = [f"{function} is the first function of {exercise} that fails."]
    named = set(graded.get("misconceptions", [])) if graded else set()
    told: set[str] = set()
    for mutant in catalog.load(exercise).mutants:  # a family's members share its explanation
        mistake = mutant.misconception
        if mutant.replaces == function and mistake in named and mistake not in told:
            told.add(mistake)
            paragraphs.append(f"The mistake it makes ({mistake}): {mutant.explanation}")
    hints = catalog.load(exercise).function_hints.get(function, [])
    shown = ws.hints_shown(exercise, function)
    if not hints:  # an exercise without per-function hints: its general ones
        paragraphs += _general(exercise, ws)
    elif shown < len(hints):
        paragraphs.append(f"Hint {shown + 1}/{len(hints)}: {hints[shown]}")
        ws.set_hints_shown(exercise, shown + 1, function)
    else:
        paragraphs.append(
            f"You have seen all {len(hints)} hints for {function}; its contract: "
            f"neurograde docs {exercise}"
        )
    return _wrap(paragraphs, width)


def _general(exercise: str, ws: Workspace) -> list[str]:
    hints = catalog.load(exercise).hints
    shown = ws.hints_shown(exercise)
    if shown >= len(hints):
        return [
            f"You have seen all {len(hints)} general hints; the contract: neurograde docs {exercise}"
        ]
    ws.set_hints_shown(exercise, shown + 1)
    return [f"Hint {shown + 1}/{len(hints)} for {exercise}: {hints[shown]}"]


def _wrap(paragraphs: list[str], width: int) -> str:
    return (
        "\n\n".join(
            textwrap.fill(p, width=max(width - 1, 30), break_on_hyphens=False) for p in paragraphs
        )
        + "\n"
    )
