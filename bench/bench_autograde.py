"""Throughput and memory of `neurograde autograde` on a generated class, beside the floor.

The class is generated from the solutions and their mutants (each learner one
of them, in turn): `--submissions` learners with a numpy exercise
(`--exercise`, default activations) and `--torch` learners with training_loop.
Each part is graded by `neurograde autograde --jobs J` into a fresh store;
the table gives seconds per submission (wall, and CPU of the whole process
tree, which a busy machine disturbs less), each beside `python -c "import
numpy"` (median of 5, measured in the same run), and the peak memory of the
whole process tree (autograde, its grader processes and their workers),
sampled from /proc every 0.2 s. The memory line follows the tree's RSS as
grades are stored, to show it flat over a long run (`--submissions 1000`).

    python bench/bench_autograde.py [--submissions 100] [--torch 20] [--jobs 2]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import catalog  # noqa: E402
from grader.engine.mutants import apply  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def variants(name: str) -> list[str]:
    """The solution and each mutant of exercise `name`, as learner files."""
    solution = (ROOT / "solutions" / f"{name}.py").read_text("utf-8")
    return [solution, *(apply(solution, m) for m in catalog.load(name).mutants)]


def write_class(root: Path, name: str, count: int, prefix: str) -> None:
    files = variants(name)
    for i in range(count):
        folder = root / f"{prefix}{i:04d}"
        folder.mkdir(parents=True)
        (folder / f"{name}.py").write_text(files[i % len(files)], "utf-8")


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * PAGE
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo += children.get(current, [])
    return total


def stored(store: Path) -> int:
    with contextlib.suppress(sqlite3.Error), contextlib.closing(sqlite3.connect(store)) as db:
        return db.execute("SELECT count(*) FROM results").fetchone()[0]
    return 0


def grade(course: Path, name: str, jobs: int, total: int) -> dict[str, object]:
    """Grade `course` once; wall time, peak tree RSS, and RSS as the grades accumulate."""
    store = course.parent / f"{course.name}.sqlite"
    command = [
        sys.executable, "-m", "grader", "autograde", str(course), "--exercise", name,
        "--jobs", str(jobs), "--store", str(store), "--quiet", "--output", os.devnull,
    ]
    before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=course.parent)
    peak, trail = 0, []
    while process.poll() is None:
        rss = tree_rss(process.pid)
        peak = max(peak, rss)
        trail.append((stored(store), rss))
        time.sleep(0.2)
    wall = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"autograde failed ({process.returncode})")
    cpu = _children_cpu() - before
    return {"wall": wall, "cpu": cpu, "peak": peak, "trail": trail, "total": total}


def _children_cpu() -> float:
    """CPU seconds (user + system) of every finished descendant, workers included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def floor(rounds: int = 5) -> tuple[float, float]:
    """Median wall and CPU seconds of `python -c "import numpy"`."""
    times, cpus = [], []
    for _ in range(rounds):
        before = _children_cpu()
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy"], check=True)
        times.append(time.perf_counter() - started)
        cpus.append(_children_cpu() - before)
    return statistics.median(times), statistics.median(cpus)


def flatness(run: dict[str, object]) -> str:
    """Tree RSS when 10 %, 50 % and 90 % of the grades were stored."""
    trail: list[tuple[int, int]] = run["trail"]  # type: ignore[assignment]
    marks = []
    for share in (0.1, 0.5, 0.9):
        wanted = share * int(run["total"])  # type: ignore[arg-type]
        found = [rss for done, rss in trail if done >= wanted]
        marks.append(f"{share:.0%}: {found[0] / 2**20:.0f}" if found else f"{share:.0%}: -")
    return ", ".join(marks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--torch", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--exercise", default="activations")
    args = parser.parse_args()
    parts = [(args.exercise, args.submissions)] + [("training_loop", args.torch)] * (args.torch > 0)
    with tempfile.TemporaryDirectory(prefix="neurograde-bench-") as tmp:
        base = floor()
        rows = []
        for name, count in parts:
            course = Path(tmp) / name
            write_class(course, name, count, "learner")
            run = grade(course, name, args.jobs, count)
            per = float(run["wall"]) / count  # type: ignore[arg-type]
            rows.append((name, count, run, per))
        after = floor()
    floor_s = statistics.median([base[0], after[0]])
    floor_cpu = statistics.median([base[1], after[1]])
    print(
        f"autograde --jobs {args.jobs}; floor `python -c \"import numpy\"`: "
        f"{floor_s:.3f} s wall, {floor_cpu:.3f} s CPU\n"
    )
    print(
        "| exercise | submissions | wall (s) | s / submission | x floor "
        "| CPU s / submission | x floor CPU | peak tree RSS (MiB) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, count, run, per in rows:
        cpu = float(run["cpu"]) / count
        print(
            f"| {name} | {count} | {run['wall']:.1f} | {per:.3f} | {per / floor_s:.1f} "
            f"| {cpu:.3f} | {cpu / floor_cpu:.1f} | {run['peak'] / 2**20:.0f} |"
        )
    print()
    for name, _, run, _ in rows:
        print(f"- {name}: tree RSS (MiB) when {flatness(run)} of the grades were stored")


if __name__ == "__main__":
    main()
