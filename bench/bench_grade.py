"""Wall time and peak memory of `neurograde grade E` for each exercise, beside the floor.

The floor is `python -c "import numpy"`. Runs alternate between the floor and
each exercise, several rounds, and the table reports medians and the ratio to
the floor (machines are noisy: compare ratios measured in one run).

    python bench/bench_grade.py [--rounds 5] [--workspace solutions] [EXERCISE ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import catalog  # noqa: E402

PEAK = (
    "import resource, subprocess, sys; "
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def measure(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB of the largest process of the run) for one run.

    The wall time is taken around the command itself; the peak comes from a
    separate run under a small wrapper whose children are only this command's.
    """
    started = time.perf_counter()
    subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, check=False
    )
    wall = time.perf_counter() - started
    peak = subprocess.run(
        [sys.executable, "-c", PEAK, *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stdout
    return wall, int(peak or 0) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("exercises", nargs="*")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workspace", default="solutions")
    args = parser.parse_args()
    names = args.exercises or catalog.available()
    floor_cmd = [sys.executable, "-c", "import numpy"]
    floors: list[float] = []
    rows: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    for _ in range(args.rounds):
        for name in names:
            floors.append(measure(floor_cmd)[0])
            command = [
                sys.executable,
                "-m",
                "grader",
                "grade",
                name,
                "--workspace",
                args.workspace,
                "--format",
                "json",
            ]
            rows[name].append(measure(command))
    floor = statistics.median(floors)
    print(
        f"machine: {os.cpu_count()} cores; floor `python -c 'import numpy'`: {floor:.3f} s (median of {len(floors)})"
    )
    print()
    print("| exercise | wall (s, median) | x floor | peak RSS (MiB, max of grader or worker) |")
    print("|---|---:|---:|---:|")
    for name, samples in rows.items():
        wall = statistics.median(w for w, _ in samples)
        print(f"| {name} | {wall:.2f} | {wall / floor:.1f} | {max(p for _, p in samples):.0f} |")


if __name__ == "__main__":
    main()
