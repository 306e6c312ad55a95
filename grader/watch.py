"""`neurograde watch`: grade on every save, redraw, move on after full marks.

One process grades again and again, so the checks, hypothesis and the
reference are imported once; each grade still gets a fresh worker for the
learner's code, booted while the learner edits (`runner.prestart`), so a
save costs only the checks themselves. Files are watched with `watchfiles`
(inotify and friends, through Rust's `notify`).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from grader import runner
from grader.render import render
from grader.render.text import following_exercise
from grader.session import GradeRequest, grade_all, options_for

STEP_MS = 30  # a save is graded once the folder has been quiet this long


def watch(request: GradeRequest, color: bool) -> None:
    """Watch `request.names[0]` in `request.workspace` until interrupted (Ctrl-C)."""
    import watchfiles

    state = {"name": request.names[0]}
    root = Path(request.workspace)

    def current(change: watchfiles.Change, path: str) -> bool:
        return change != watchfiles.Change.deleted and Path(path).name == f"{state['name']}.py"

    def show(name: str) -> bool:
        path = root / f"{name}.py"
        this = dataclasses.replace(request, names=[name])
        if not path.is_file():
            _redraw(f"waiting for {path}: create it (neurograde init copies the stubs)\n")
            return False
        run = grade_all(this)
        runner.prestart(name, path, options_for(name, this))
        footer = f"watching {path} — save it to grade again, Ctrl-C to stop"
        report = render(run, "text", color=color, verbose=request.verbose)
        done = run.passed and request.only is None
        following = following_exercise(name) if done else None
        if following:
            footer = (
                f"full marks! moving on: now watching {root / following}.py "
                "— save it to grade it, Ctrl-C to stop"
            )
            state["name"] = following
        _redraw(report + click.style(footer, dim=True) + "\n", color)
        return done

    try:
        show(state["name"])
        for _ in watchfiles.watch(
            root, watch_filter=current, step=STEP_MS, debounce=1600, recursive=False
        ):
            show(state["name"])
    finally:
        runner.discard_spares()


def _redraw(screen: str, color: bool = False) -> None:
    """Clear the terminal (when there is one) and draw `screen`."""
    if sys.stdout.isatty():
        click.clear()
    click.echo(screen, nl=False, color=color)
