"""Time from a save to the redrawn result in `neurograde watch`, beside the floor.

For each exercise, `neurograde watch E` runs in a real pseudo-terminal on a
workspace holding the solution with its last function not written yet (so
every other check runs and watch stays on E instead of moving on). Each round
saves the file (a changed comment), then waits for the screen to be cleared
and the footer of the new report to be drawn. The floor is
`python -c "import numpy"`, measured in the same run; the table gives
medians and their ratio (compare ratios, not seconds, across machines).

    python bench/bench_watch.py [--rounds 10] [EXERCISE ...]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import catalog  # noqa: E402

CLEAR = "\x1b[2J"
FOOTER = "Ctrl-C to stop"
PAUSE_S = 0.5  # between saves: a learner does not save every few milliseconds


def timed(command: list[str], cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


FLOOR = [sys.executable, "-c", "import numpy"]


def unfinished_solution(name: str) -> str:
    """The solution with its last function replaced by a stub's `raise NotImplementedError`."""
    last = catalog.load(name).functions[-1]
    source = (ROOT / "solutions" / f"{name}.py").read_text("utf-8")
    return (
        f"{source}\n\ndef {last}(*args, **kwargs):\n"
        f'    raise NotImplementedError("{last}: write your code here")\n'
    )


def save_to_redraw(name: str, rounds: int) -> tuple[list[float], list[float], list[float]]:
    """Seconds from each save to the end of the redrawn report; the floor, measured between
    the saves; a cold `neurograde grade` of the same file, for comparison."""
    with tempfile.TemporaryDirectory() as workspace:
        target = Path(workspace) / f"{name}.py"
        source = unfinished_solution(name)
        target.write_text(source, "utf-8")
        child = pexpect.spawn(
            sys.executable,
            ["-m", "grader", "watch", name, "--workspace", workspace],
            cwd=str(ROOT),
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "120"},
            encoding="utf-8",
            timeout=120,
            dimensions=(40, 120),
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        child.expect_exact(FOOTER)
        times, floors = [], []
        try:
            for number in range(rounds + 1):  # the first save warms this exercise's checks up
                floors.append(timed(FLOOR))
                time.sleep(PAUSE_S)
                started = time.perf_counter()
                target.write_text(f"{source}\n# save {number}\n", "utf-8")
                child.expect_exact(CLEAR)
                child.expect_exact(FOOTER)
                if number:
                    times.append(time.perf_counter() - started)
        finally:
            child.sendintr()
            child.expect(pexpect.EOF)
            child.close()
        command = [sys.executable, "-m", "grader", "grade", name, "--workspace", workspace]
        cold = [timed(command) for _ in range(max(3, rounds // 3))]
    return times, floors, cold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("exercises", nargs="*")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    names = args.exercises or [n for n in catalog.available() if not catalog.uses_torch(n)]
    print("| exercise | save -> redraw (s) | floor (s) | watch x floor | cold grade x floor |")
    print("|---|---:|---:|---:|---:|")
    for name in names:
        times, floors, cold = save_to_redraw(name, args.rounds)
        median, base = statistics.median(times), statistics.median(floors)
        print(
            f"| {name} | {median:.3f} | {base:.3f} | {median / base:.1f} "
            f"| {statistics.median(cold) / base:.1f} |",
            flush=True,
        )
    print('\nFloor: `python -c "import numpy"`, run between the saves.')


if __name__ == "__main__":
    main()
