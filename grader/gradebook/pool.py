"""`jobs` warm grader processes, each fed one task at a time by its own thread.

A grader process imports the engine (numpy, hypothesis, the checks, torch for
torch exercises) once and grades task after task; it is replaced after
`recycle` tasks so that memory stays flat over a long run. A grader that dies
or runs past `limit_s` on one task is killed, that task is answered as an
error, and a fresh process takes the next task: one bad submission never
stops the batch.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GRADER_MODULE = "grader.gradebook.grading"
RECYCLE_AFTER = 200
DEFAULT_LIMIT_S = 600.0


@dataclass(frozen=True)
class Task:
    """One exercise of one submission."""

    submission: str
    exercise: str
    workspace: Path

    def request(self, timeout_s: float | None, device: str) -> dict[str, Any]:
        return {
            "submission": self.submission,
            "exercise": self.exercise,
            "workspace": str(self.workspace),
            "timeout_s": timeout_s,
            "device": device,
        }


class GraderFailure(Exception):
    """The grader process died or ran past its limit on one task."""


class GraderProcess:
    """One warm grader, spoken to in JSON lines."""

    def __init__(self, module: str) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._buffer = b""

    def ask(self, request: dict[str, Any], limit_s: float) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        try:
            self._process.stdin.write(json.dumps(request).encode() + b"\n")
            self._process.stdin.flush()
        except BrokenPipeError:
            raise GraderFailure(self._death()) from None
        deadline = time.monotonic() + limit_s
        stdout = self._process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise GraderFailure(f"the grader ran past its limit of {limit_s:g} s")
                chunk = os.read(stdout, 1 << 16)
                if not chunk:
                    raise GraderFailure(self._death())
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def _death(self) -> str:
        code = self._process.wait()
        if code < 0:
            return f"the grader process was killed by signal {signal.Signals(-code).name}"
        return f"the grader process exited with status {code}"

    def stop(self, grace_s: float = 5.0) -> None:
        """Ask it to finish (closing stdin, then SIGTERM so it closes its worker), then kill."""
        process = self._process
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(grace_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()


@dataclass(frozen=True)
class Reply:
    task: Task
    answer: dict[str, Any]


@dataclass
class Pool:
    """How tasks are graded: processes, per-call and per-task limits, device."""

    jobs: int = 1
    timeout_s: float | None = None
    limit_s: float = DEFAULT_LIMIT_S
    device: str = "auto"
    module: str = GRADER_MODULE
    recycle: int = RECYCLE_AFTER

    def run(self, tasks: Iterable[Task]) -> Iterator[Reply]:
        """Every task's reply, in the order they finish."""
        todo: queue.Queue[Task | None] = queue.Queue()
        done: queue.Queue[Reply] = queue.Queue()
        count = 0
        for task in tasks:
            todo.put(task)
            count += 1
        jobs = max(1, min(self.jobs, count))
        for _ in range(jobs):
            todo.put(None)
        threads = [
            threading.Thread(target=self._serve, args=(todo, done), daemon=True)
            for _ in range(jobs)
        ]
        for thread in threads:
            thread.start()
        for _ in range(count):
            yield done.get()
        for thread in threads:
            thread.join()

    def _serve(self, todo: queue.Queue[Task | None], done: queue.Queue[Reply]) -> None:
        grader: GraderProcess | None = None
        served = 0
        try:
            while (task := todo.get()) is not None:
                try:
                    if grader is None:
                        grader, served = GraderProcess(self.module), 0
                    answer = grader.ask(task.request(self.timeout_s, self.device), self.limit_s)
                except (GraderFailure, OSError, ValueError) as failure:
                    if grader is not None:
                        grader.stop(grace_s=2.0)
                    grader = None
                    answer = {"status": "error", "error": str(failure), "max_score": 0.0}
                done.put(Reply(task, answer))
                served += 1
                if grader is not None and served >= self.recycle:
                    grader.stop()
                    grader = None
        finally:
            if grader is not None:
                grader.stop()
