"""The grader's handle on its worker process.

`Worker` starts the worker (see `server`), sends it requests and waits for
replies with a time limit. A time-out kills the worker's whole process group;
a crash is noticed as a closed channel. Either way the next request starts a
fresh worker and loads the learner's file again. Failures of the learner's
code arrive as `LearnerError`, never as an exception of the grader's own.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.worker.protocol import ProtocolError, Reader, decode, encode, pack

ENV_KEEP = ("PATH", "LANG", "LC_ALL", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "SYSTEMROOT")
ENV_KEEP_PREFIXES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NVIDIA_", "CUDA_HOME")
STARTUP_TIMEOUT_S = 60.0
PROJECT_ROOT = str(Path(__file__).resolve().parents[2])


class LearnerError(Exception):
    """The learner's code failed: it raised, hung, crashed or returned junk."""

    def __init__(self, kind: str, message: str, where: str = "") -> None:
        super().__init__(message)
        self.kind = kind  # "exception", "timeout", "crash", "missing", "unloadable"
        self.message = message
        self.where = where

    def describe(self) -> str:
        return f"{self.message} ({self.where})" if self.where else self.message


@dataclass
class Limits:
    """Resource limits of the worker process."""

    memory_mb: int | None = 2048
    file_mb: int = 16
    cpu_s: int = 600
    extra_processes: int = 64


@dataclass
class Worker:
    """One learner file, loaded in one worker process at a time."""

    path: Path
    module_name: str
    allowed: tuple[str, ...]
    timeout_s: float = 10.0
    limits: Limits = field(default_factory=Limits)
    device: str = "cpu"
    refused: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    load_error: LearnerError | None = None
    hanging: set[str] = field(default_factory=set)
    sandbox: str = ""
    _process: subprocess.Popen[bytes] | None = None
    _workdir: str | None = None
    _reader: Reader = field(default_factory=Reader)
    _loaded: bool = False

    def start(self) -> None:
        """Spawn the worker now, without waiting for it (it boots while we work)."""
        if self._process is not None:
            return
        self._workdir = tempfile.mkdtemp(prefix="neurograde-worker-")
        config = {
            "module_name": self.module_name,
            "allowed": list(self.allowed),
            "limits": vars(self.limits),
            "device": self.device,
        }
        bootstrap = (
            f"import sys; sys.path.insert(0, {PROJECT_ROOT!r}); "
            "from grader.worker.server import main; main()"
        )
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-c", bootstrap, json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self._workdir,
            env=scrubbed_environment(self._workdir),
            start_new_session=True,
        )
        self._reader = Reader()
        self._loaded = False

    def close(self) -> None:
        """Kill the worker and everything it started; remove its folder."""
        process, self._process = self._process, None
        if process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> Worker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests -----------------------------------------------------------

    def call(self, target: str, *args: Any, **kwargs: Any) -> Any:
        """`target(*args, **kwargs)` in the learner's module: its return value, as plain data."""
        return self.call_checked(target, *args, **kwargs)[0]

    def call_checked(self, target: str, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
        """Like `call`, also naming the array arguments the function modified.

        A function that once ran past the time limit is not called again: each
        later call fails at once, so one endless loop costs one time-out.
        """
        if target in self.hanging:
            raise LearnerError("timeout", f"skipped: {target} did not finish in an earlier check")
        payload = {"target": target, "args": list(args), "kwargs": kwargs}
        try:
            reply = self.request("call", payload, None)
        except LearnerError as exc:
            if exc.kind == "timeout":
                self.hanging.add(target)
            raise
        return reply["value"], list(reply.get("mutated", []))

    def call_many(
        self, target: str, calls: list[tuple[tuple[Any, ...], dict[str, Any]]]
    ) -> list[Any]:
        """One round trip for many calls of `target`: per call, (value, mutated) or a LearnerError.

        The time limit covers the whole batch.
        """
        if target in self.hanging:
            raise LearnerError("timeout", f"skipped: {target} did not finish in an earlier check")
        payload = {"target": target, "calls": [[list(a), k] for a, k in calls]}
        try:
            replies = self.request("map", payload, None)["value"]
        except LearnerError as exc:
            if exc.kind == "timeout":
                self.hanging.add(target)
            raise
        return [_outcome(reply) for reply in replies]

    def scenario(self, module: str, name: str, *args: Any, timeout: float | None = None) -> Any:
        """Run the trusted function `module.name(learner_module, *args)` in the worker.

        One scenario serves many learner names, so which one hung is tracked by
        the checks (`grader.checks.base.scenario_on`), not here.
        """
        payload = {"module": module, "name": name, "args": list(args)}
        return self.request("scenario", payload, timeout)["value"]

    def describe(self, names: list[str]) -> dict[str, Any]:
        return self.request("describe", {"names": names}, None)["value"]

    def request(self, op: str, payload: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        self._ensure_loaded()
        reply = self._exchange(op, payload, self.timeout_s if timeout is None else timeout)
        if "error" in reply:
            raise _error(reply["error"])
        return reply

    # -- plumbing -----------------------------------------------------------

    def _ensure_loaded(self) -> None:
        if self.load_error is not None:
            raise self.load_error
        if self._loaded and self._process is not None:
            return
        self.start()
        try:
            reply = self._exchange("load", {"path": str(self.path)}, self.timeout_s)
        except LearnerError as exc:
            self.load_error = LearnerError(
                "unloadable", f"importing your file failed: {exc.message}"
            )
            raise self.load_error from None
        if "error" in reply:
            error = reply["error"]
            self.load_error = LearnerError(
                "unloadable",
                f"importing your file raised {error['type']}: {error['message']}",
                error.get("where", ""),
            )
            raise self.load_error
        self._loaded = True

    def _exchange(self, op: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self._process is not None and self._process.stdin is not None
        blobs: list[bytes] = []
        data = encode(payload, blobs)
        deadline = time.monotonic() + timeout
        if not self._loaded and op == "load":
            self._await_ready(time.monotonic() + STARTUP_TIMEOUT_S)
        try:
            self._process.stdin.write(pack({"op": op, "data": data}, blobs))
            self._process.stdin.flush()
        except OSError:
            raise self._crashed() from None
        header, reply_blobs = self._receive(deadline, timeout)
        try:
            reply = decode(header["reply"], reply_blobs)
        except (ProtocolError, KeyError, TypeError) as exc:
            self.close()
            raise LearnerError("crash", f"the worker sent a malformed reply ({exc})") from None
        for name in reply.get("refused", []):
            if name not in self.refused:
                self.refused.append(name)
        if reply.get("stdout"):
            self.output.append(reply["stdout"])
        return reply

    def _await_ready(self, deadline: float) -> None:
        header, _ = self._receive(deadline, STARTUP_TIMEOUT_S)
        if not header.get("ready"):
            self.close()
            raise LearnerError("crash", "the worker did not start")
        self.sandbox = str(header.get("sandbox", ""))

    def _receive(self, deadline: float, timeout: float) -> tuple[dict[str, Any], list[bytes]]:
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        while True:
            try:
                message = self._reader.take()
            except ProtocolError as exc:
                self.close()
                raise LearnerError("crash", f"the worker sent a malformed reply ({exc})") from None
            if message is not None:
                return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.close()
                raise LearnerError("timeout", f"it did not finish within {timeout:g} s")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise self._crashed()
            try:
                self._reader.feed(chunk)
            except ProtocolError as exc:
                self.close()
                raise LearnerError("crash", f"the worker sent too much data ({exc})") from None

    def _crashed(self) -> LearnerError:
        process = self._process
        code = process.wait() if process is not None else None
        self.close()
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            why = {
                "SIGSEGV": "a segmentation fault",
                "SIGKILL": "being killed (out of memory or CPU time?)",
                "SIGXCPU": "running out of CPU time",
            }.get(name, name)
            return LearnerError("crash", f"the process running your code died from {why}")
        return LearnerError("crash", f"the process running your code exited (status {code})")


def _error(error: dict[str, str]) -> LearnerError:
    kind = "missing" if error["type"] == "Missing" else "exception"
    text = error["message"] if kind == "missing" else f"{error['type']}: {error['message']}"
    return LearnerError(kind, text, error.get("where", ""))


def _outcome(reply: dict[str, Any]) -> Any:
    if "error" in reply:
        return _error(reply["error"])
    return reply["value"], list(reply.get("mutated", []))


def scrubbed_environment(workdir: str) -> dict[str, str]:
    """A minimal environment: no secrets, single-threaded maths, HOME in the sandbox."""
    env = {k: v for k, v in os.environ.items() if k in ENV_KEEP or k.startswith(ENV_KEEP_PREFIXES)}
    env.update(
        HOME=workdir,
        TMPDIR=workdir,
        PYTHONHASHSEED="0",
        PYTHONDONTWRITEBYTECODE="1",
        CUDA_CACHE_DISABLE="1",  # no JIT cache files against the worker's file-size limit
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    env.setdefault("PATH", os.defpath)
    return env
