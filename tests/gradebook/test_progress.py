"""Progress: a bar on a terminal, a line per submission elsewhere, nothing with --quiet."""

from __future__ import annotations

import io

from grader.gradebook.progress import Progress
from grader.gradebook.store import Key, Row

KEY = Key("", "v", "s")


def rows(status: str = "graded") -> list[Row]:
    return [
        Row("alice", "neuron", KEY, "graded", 15.0, 15.0, {}),
        Row("alice", "activations", KEY, status, 7.5, 28.0, {}),
    ]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_one_line_per_finished_submission() -> None:
    out = io.StringIO()
    progress = Progress(out)
    progress.begin(2, up_to_date=3, jobs=2)
    progress.finished("alice", rows())
    progress.finished("bob", rows("error"))
    progress.end()
    lines = out.getvalue().splitlines()
    assert lines[0] == "grading 2 submissions with 2 jobs; 3 grades already stored and up to date"
    assert lines[1] == "[1/2] alice: neuron 15/15, activations 7.5/28"
    assert lines[2].startswith("[2/2] bob: ") and "the grader failed on activations" in lines[2]
    assert "\r" not in out.getvalue()
    assert lines[3].startswith("graded 2 submissions in ") and lines[3].endswith("1 grader errors")


def test_a_terminal_gets_a_bar_with_rate_eta_and_errors() -> None:
    out = Terminal()
    progress = Progress(out)
    progress.begin(4, up_to_date=0, jobs=1)
    progress.finished("alice", rows())
    progress.finished("bob", rows("error"))
    bar = progress.line()
    assert bar.startswith("[") and " 2/4 " in bar and "/s" in bar and "ETA " in bar
    assert bar.endswith("1 error")
    assert out.getvalue().count("\r") == 3
    assert "alice" not in out.getvalue()


def test_quiet_shows_nothing() -> None:
    for stream in (io.StringIO(), Terminal()):
        progress = Progress(stream, quiet=True)
        progress.begin(1, 0, 1)
        progress.finished("alice", rows())
        progress.end()
        assert stream.getvalue() == ""
