"""Wall time of `neurograde playground --preset P` for each preset, beside the floor.

The floor is `python -c "import numpy"`. Every command runs pinned to at most
two CPU cores (the issue's budget: a preset in <= 5 s on 2 cores), alternating
with the floor, several rounds; the table reports medians and the ratio to the
floor (machines are noisy: compare ratios measured in one run). Rows: each
preset in the terminal, with `--output page.html` (matplotlib), and with
`--workspace` (the learner's code in the worker, the solutions standing in).

    python bench/bench_playground.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.playground.presets import PRESETS  # noqa: E402
from grader.workspace import Workspace  # noqa: E402

CORES = sorted(os.sched_getaffinity(0))[:2] if hasattr(os, "sched_getaffinity") else []


def _pin() -> None:
    if CORES:
        os.sched_setaffinity(0, CORES)


def measure(command: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and every process it started)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd,
                          preexec_fn=_pin, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def finished_workspace(folder: Path) -> Path:
    """The solutions as a workspace whose activations, losses, optimizers are recorded as passed."""
    ws = folder / "ws"
    ws.mkdir()
    for source in (ROOT / "solutions").glob("*.py"):
        shutil.copy(source, ws / source.name)
    for name in ("activations", "losses", "optimizers"):
        Workspace(ws).record(name, "exercise", 1.0, 1.0)
    return ws


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    neurograde = [sys.executable, "-m", "grader"]
    floor_cmd = [sys.executable, "-c", "import numpy"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ws = finished_workspace(folder)
        rows: list[tuple[str, list[str]]] = []
        for preset in PRESETS:
            base = [*neurograde, "playground", "--preset", preset]
            rows += [
                (f"{preset}", base),
                (f"{preset} --output page.html", [*base, "--output", str(folder / "p.html")]),
                (f"{preset} --workspace", [*base, "--workspace", str(ws)]),
            ]
        floors: list[tuple[float, float]] = []
        times: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in rows}
        for _ in range(args.rounds):
            for label, command in rows:
                floors.append(measure(floor_cmd, ROOT))
                times[label].append(measure(command, ROOT))
    floor = statistics.median(w for w, _ in floors)
    floor_cpu = statistics.median(c for _, c in floors)
    print(f"cores: {len(CORES) or os.cpu_count()} · floor (python -c 'import numpy'): "
          f"{floor:.3f} s wall, {floor_cpu:.3f} s CPU · {args.rounds} rounds, medians\n")
    print("| run | wall (s) | x floor | CPU (s) | CPU x floor |")
    print("|---|---:|---:|---:|---:|")
    for label, values in times.items():
        median = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(f"| `{label}` | {median:.2f} | {median / floor:.1f} | {cpu:.2f} | "
              f"{cpu / floor_cpu:.1f} |")


if __name__ == "__main__":
    main()
