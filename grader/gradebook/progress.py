"""What a long autograde run shows while it works (on stderr; stdout may be the gradebook).

On a terminal: one bar, redrawn in place (done/total, rate, ETA, errors so far).
Elsewhere (a CI log, a file): one line per finished submission. `quiet`: nothing.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from grader.gradebook.store import Row


def _clock(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Counts finished submissions and shows them as a bar or as lines."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.bar = not quiet and bool(getattr(self.stream, "isatty", lambda: False)())
        self.total = self.done = self.errors = 0
        self._started = time.monotonic()

    def begin(self, total: int, up_to_date: int, jobs: int) -> None:
        self.total, self._started = total, time.monotonic()
        if self.quiet:
            return
        kept = f"; {up_to_date} grades already stored and up to date" if up_to_date else ""
        self._say(f"grading {total} submissions with {jobs} jobs{kept}")
        if self.bar:
            self._draw()

    def finished(self, submission: str, rows: list[Row]) -> None:
        self.done += 1
        failed = [r.exercise for r in rows if r.status == "error"]
        self.errors += len(failed)
        if self.quiet:
            return
        if self.bar:
            self._draw()
            return
        scores = ", ".join(f"{r.exercise} {r.score:g}/{r.max_score:g}" for r in rows)
        note = f"; the grader failed on {', '.join(failed)}" if failed else ""
        width = len(str(self.total))
        self._say(f"[{self.done:>{width}}/{self.total}] {submission}: {scores}{note}")

    def end(self) -> None:
        if self.quiet:
            return
        if self.bar:
            self.stream.write("\n")
        elapsed = time.monotonic() - self._started
        errors = f", {self.errors} grader errors" if self.errors else ""
        self._say(f"graded {self.done} submissions in {_clock(elapsed)}{errors}")

    def line(self) -> str:
        """The bar's text: `[#####-----] 45/120  3.2/s  ETA 0:17  1 error`."""
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self.done / elapsed
        eta = _clock((self.total - self.done) / rate) if self.done else "?"
        errors = f"  {self.errors} error{'s' * (self.errors != 1)}" if self.errors else ""
        tail = f" {self.done}/{self.total}  {rate:.2f}/s  ETA {eta}{errors}"
        room = max(10, min(40, shutil.get_terminal_size((80, 24)).columns - len(tail) - 3))
        filled = room * self.done // max(self.total, 1)
        return f"[{'#' * filled}{'-' * (room - filled)}]{tail}"

    def _draw(self) -> None:
        self.stream.write("\r\x1b[2K" + self.line())
        self.stream.flush()

    def _say(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()
