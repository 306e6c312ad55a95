"""Worker start-up: spawned cold against forked by the fork server; and a numpy grade end to end.

- worker, numpy: from `Worker.start()` to the first answer (load the
  solution of `activations`, call `relu`), in a fresh worker each time;
- worker, torch: the same for `training_loop`'s solution, which imports torch;
- grade: `runner.grade("activations", ...)` of the solution in this process
  (what each submission costs a grading process of `autograde`), all checks
  and diagnoses included.

Spawned and fork-served samples alternate, the fork servers already warm
(their start is a once-per-process cost, shown on its own line); medians, and
the ratio to the floor `python -c "import numpy"` measured in the same run.

    python bench/bench_worker_start.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import catalog  # noqa: E402
from grader.runner import Options, grade  # noqa: E402
from grader.worker import Worker, forkserver  # noqa: E402

METHODS = ("spawn", "forkserver")


def floor() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import numpy"], check=True)
    return time.perf_counter() - started


def first_answer(exercise: str, function: str, method: str) -> float:
    path = ROOT / "solutions" / f"{exercise}.py"
    started = time.perf_counter()
    worker = Worker(
        path, f"learner_{exercise}", catalog.allowed_imports(exercise), start_method=method
    )
    with worker:
        worker.describe([function])
        assert worker.isolated_network and worker.sandbox.startswith("landlock")
    return time.perf_counter() - started


def a_grade(method: str) -> float:
    os.environ["NEUROGRADE_WORKER_START"] = method
    started = time.perf_counter()
    result = grade("activations", ROOT / "solutions" / "activations.py", Options())
    assert result.score == result.max_score, result.errors
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    cases: dict[str, Callable[[str], float]] = {
        "worker, numpy": lambda m: first_answer("activations", "relu", m),
        "worker, torch": lambda m: first_answer("training_loop", "fit", m),
        "grade activations": a_grade,
    }
    warm = {}
    for preload in (("numpy",), ("numpy", "torch")):
        started = time.perf_counter()
        exercise = "training_loop" if "torch" in preload else "activations"
        first_answer(exercise, "fit", "forkserver")
        warm[preload] = time.perf_counter() - started
    samples: dict[tuple[str, str], list[float]] = {}
    floors = []
    for _ in range(rounds):
        floors.append(floor())
        for case, run in cases.items():
            for method in METHODS:
                samples.setdefault((case, method), []).append(run(method))
    base = statistics.median(floors)
    print(f'Floor `python -c "import numpy"`: {base * 1000:.0f} ms, {rounds} rounds.\n')
    print("| case | spawned (ms) | x floor | fork-served (ms) | x floor | speed-up |")
    print("|---|---:|---:|---:|---:|---:|")
    for case in cases:
        cold, forked = (statistics.median(samples[case, m]) for m in METHODS)
        print(
            f"| {case} | {cold * 1000:.0f} | {cold / base:.2f} | {forked * 1000:.0f} "
            f"| {forked / base:.2f} | {cold / forked:.1f}x |"
        )
    for preload, seconds in warm.items():
        print(
            f"\nFirst fork-served worker with {' and '.join(preload)} (starts the fork server): "
            f"{seconds * 1000:.0f} ms ({seconds / base:.2f} x floor)."
        )
    forkserver.shutdown()


if __name__ == "__main__":
    main()
