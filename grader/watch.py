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
from grader.workspace import digest

STEP_MS = 30  # a save is graded once the folder has been quiet this long
RECHECK_MS = 500  # and the file is compared with what was graded at least this often


def watch(request: GradeRequest, color: bool) -> None:
    """Watch `request.names[0]` in `request.workspace` until interrupted (Ctrl-C)."""
    import watchfiles

    state = {"name": request.names[0], "graded": ""}
    root = Path(request.workspace)

    def current() -> Path:
        return root / f"{state['name']}.py"

    def show() -> None:
        name, path = state["name"], current()
        state["graded"] = digest(path)
        if not path.is_file():
            _redraw(f"waiting for {path}: create it (neurograde init copies the stubs)\n")
            return
        this = dataclasses.replace(request, names=[name])
        run = grade_all(this)
        footer = f"watching {path} — save it to grade again, Ctrl-C to stop"
        report = render(run, "text", color=color, verbose=request.verbose)
        following = following_exercise(name) if run.passed and request.only is None else None
        if following:
            footer = (
                f"full marks! moving on: now watching {root / following}.py "
                "— save it to grade it, Ctrl-C to stop"
            )
            state["name"] = following
            state["graded"] = digest(current())
        if current().is_file():  # boot the next grade's worker while the learner edits
            runner.prestart(state["name"], current(), options_for(state["name"], this))
        _redraw(report + click.style(footer, dim=True) + "\n", color)

    try:
        show()
        # Events arrive as soon as a save lands; the periodic wake-up also catches a save
        # made before the watcher was set up (compared by content).
        for changes in watchfiles.watch(
            root,
            step=STEP_MS,
            rust_timeout=RECHECK_MS,
            yield_on_timeout=True,
            recursive=False,
        ):
            saved = any(Path(path).name == current().name for _, path in changes)
            if saved or digest(current()) != state["graded"]:
                show()
    finally:
        runner.discard_spares()


def _redraw(screen: str, color: bool = False) -> None:
    """Clear the terminal (when there is one) and draw `screen`."""
    if sys.stdout.isatty():
        click.clear()
    click.echo(screen, nl=False, color=color)
