"""What confining the worker's reads costs: Landlock with read rules against writes only.

Each sample is a fresh process that does what the worker does before it
answers: import numpy and the worker's modules, then confine itself, then
import what the learner's file of that exercise imports (numpy: nothing new;
torch exercises: torch), and what grading then opens (a scenario module).
The two modes alternate, several rounds; the table gives medians and the
ratio to the floor `python -c "import numpy"` measured in the same run.

    python bench/bench_confine.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys, time
started = time.perf_counter()
import numpy
from grader.catalog import allowed_imports
from grader.worker import confine
from grader.worker.client import PROJECT_ROOT
name, mode, folder = sys.argv[1:4]
before = time.perf_counter()
readable = confine.readable_paths(PROJECT_ROOT, allowed_imports(name)) if mode == "reads" else None
description, confined = confine.restrict([folder, "/dev"], readable)
assert confined == (mode == "reads"), description
confining = time.perf_counter() - before
before = time.perf_counter()
if name in ("training_loop", "cnn"):
    import torch  # the learner's file imports it once confined
    import grader.exercises.training_loop.scenarios
else:
    import grader.exercises.backprop.scenarios
after = time.perf_counter() - before
print(json.dumps({"confine": confining, "after": after, "total": time.perf_counter() - started}))
"""


def sample(name: str, mode: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, name, mode, folder],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
    return json.loads(done.stdout)


def floor() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import numpy"], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("exercises", nargs="*", default=["activations", "training_loop"])
    args = parser.parse_args()
    modes = ("writes", "reads")
    samples: dict[tuple[str, str], list[dict[str, float]]] = {}
    floors = []
    for _ in range(args.rounds):
        for name in args.exercises:
            floors.append(floor())
            for mode in modes:
                samples.setdefault((name, mode), []).append(sample(name, mode))
    base = statistics.median(floors)
    print(f"machine: {os.cpu_count()} cores; floor `python -c 'import numpy'`: {base:.3f} s")
    print()
    print(
        "| exercise | landlock rules | confining (ms) | imports after (s) | total (s) | x floor |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for (name, mode), runs in samples.items():
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(
            f"| {name} | {mode if mode == 'reads' else 'writes only'} "
            f"| {1000 * median['confine']:.1f} | {median['after']:.3f} "
            f"| {median['total']:.3f} | {median['total'] / base:.2f} |"
        )


if __name__ == "__main__":
    main()
