"""The grader's handle on its worker process.

`Worker` starts the worker (see `server`), sends it requests and waits for
replies with a time limit. A time-out kills the worker's whole process group;
a crash is noticed as a closed channel. Either way the next request starts a
fresh worker and loads the learner's file again. Failures of the learner's
code arrive as `LearnerError`, never as an exception of the grader's own.

Time is bounded twice. A learner function (or class) that once ran past the
per-call limit is never run again in that grade: later requests about it
fail at once, and in the restarted worker its name is bound to a stand-in
that fails at once too, so the learner's other functions that call it do not
hang on it either. And the whole grade has a budget: each request's limit is
cut to what is left of it, and once it is spent `OutOfTime` stops the grade.
"""

from __future__ import annotations

import builtins
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

STAND_IN = "RanOutOfTimeEarlier"
"""The exception type the worker's stand-in for a function that ran out of time raises."""

ENV_KEEP = ("PATH", "LANG", "LC_ALL", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "SYSTEMROOT")
ENV_KEEP_PREFIXES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NVIDIA_", "CUDA_HOME")
STARTUP_TIMEOUT_S = 60.0
START_METHODS = ("forkserver", "spawn")
CRASH_WAIT_S = 2.0  # for a worker whose channel closed to exit by itself


def start_method_from_environment() -> str:
    """How workers start: NEUROGRADE_WORKER_START, else from a fork server (see `forkserver`)."""
    method = os.environ.get("NEUROGRADE_WORKER_START", "forkserver")
    return method if method in START_METHODS else "forkserver"


PROJECT_ROOT = str(Path(__file__).resolve().parents[2])


def isolated_python(module: str, function: str, config: dict[str, Any]) -> list[str]:
    """The command that runs the grader's own `module.function()` in a fresh interpreter
    (`-I`: no user site, no PYTHON* variables), with `config` as its one argument."""
    bootstrap = (
        f"import sys; sys.path.insert(0, {PROJECT_ROOT!r}); "
        f"from {module} import {function}; {function}()"
    )
    return [sys.executable, "-I", "-c", bootstrap, json.dumps(config)]


class LearnerError(Exception):
    """The learner's code failed: it raised, hung, crashed or returned junk.

    `message` is the grader's own words (for an exception: its type's name);
    `said` is text the learner's code produced (an exception's message), which
    feedback on hidden inputs withholds; `where` is the line of the learner's
    file, as it was when the grade began.
    """

    def __init__(self, kind: str, message: str, where: str = "", said: str = "") -> None:
        super().__init__(f"{message}: {said}" if said else message)
        # "exception", "timeout", "skipped" (ran out of time earlier), "crash", "missing", "unloadable"
        self.kind = kind
        self.message = message
        self.where = where
        self.said = said

    def describe(self, withhold: bool = False) -> str:
        """One line for feedback; with `withhold`, nothing the learner's code produced."""
        text = self.message
        if withhold and self.kind == "exception" and not _builtin_exception(text):
            text = "an exception of a class your code defines"
        if self.said and not withhold:
            text = f"{text}: {self.said}"
        return f"{text} ({self.where})" if self.where else text


def _builtin_exception(name: str) -> bool:
    found = getattr(builtins, name, None)
    return isinstance(found, type) and issubclass(found, BaseException)


class OutOfTime(BaseException):
    """The exercise's time budget is spent: the grade stops running the learner's code.

    A BaseException, so that no check (and not hypothesis) mistakes it for a
    failure of the learner's code; the runner reports what is left as not run.
    """

    def __init__(self, budget_s: float, running: str | None = None) -> None:
        super().__init__(f"the exercise's time budget of {budget_s:g} s was used up")
        self.budget_s = budget_s
        self.running = running  # the learner code that was running when it ran out, if any


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
    budget_s: float | None = None
    hanging: dict[str, float] = field(default_factory=dict)
    sandbox: str = ""
    confined_reads: bool = False
    isolated_network: bool = False
    start_method: str = field(default_factory=start_method_from_environment)
    _process: Any = None  # a subprocess.Popen, or a forkserver.ForkedWorker
    _workdir: str | None = None
    _reader: Reader = field(default_factory=Reader)
    _loaded: bool = False

    def __post_init__(self) -> None:
        self._deadline: float | None = None
        self._source: bytes | None = None

    def time_left(self) -> float | None:
        """Seconds left of the budget (None: no budget).

        The clock starts at the grade's first question, not when the worker was
        built: a worker booted ahead of time (watch mode) has its whole budget.
        """
        if self.budget_s is None:
            return None
        if self._deadline is None:
            self._deadline = time.monotonic() + self.budget_s
        return self._deadline - time.monotonic()

    def start(self) -> None:
        """Spawn the worker now, without waiting for it (it boots while we work).

        The learner's file is copied into the worker's private folder when it
        is loaded (see `_ensure_loaded`) and imported from there: the worker may
        read nothing else of the learner's. The worker is forked by this
        process's fork server (with numpy, and torch where the exercise allows
        it, already imported) or spawned as a fresh interpreter; either way it
        confines itself the same way.
        """
        if self._process is not None:
            return
        self._workdir = tempfile.mkdtemp(prefix="neurograde-worker-")
        config = {
            "module_name": self.module_name,
            "allowed": list(self.allowed),
            "limits": vars(self.limits),
            "device": self.device,
        }
        env = scrubbed_environment(self._workdir)
        if self.start_method == "forkserver":
            from grader.worker import forkserver

            server = forkserver.shared(forkserver.preload_for(self.allowed))
            with contextlib.suppress(OSError):  # it is gone: start this worker the plain way
                self._process = server.spawn(self._workdir, env, config)
        if self._process is None:
            self._process = subprocess.Popen(
                isolated_python("grader.worker.server", "main", config),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=self._workdir,
                env=env,
                start_new_session=True,
            )
        self._reader = Reader()
        self._loaded = False

    def close(self) -> None:
        """Kill the worker and everything it started; remove its folder."""
        process, self._process = self._process, None
        if process is not None:
            for kill in (os.killpg, os.kill):  # its group; itself, should it have left the group
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    if process.pid > 0:
                        kill(process.pid, signal.SIGKILL)
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
        """Like `call`, also naming the array arguments the function modified."""
        payload = {"target": target, "args": list(args), "kwargs": kwargs}
        reply = self.request("call", payload, about=target)
        return reply["value"], list(reply.get("mutated", []))

    def call_many(
        self, target: str, calls: list[tuple[tuple[Any, ...], dict[str, Any]]]
    ) -> list[Any]:
        """One round trip for many calls of `target`: per call, (value, mutated) or a LearnerError.

        The time limit covers the whole batch.
        """
        payload = {"target": target, "calls": [[list(a), k] for a, k in calls]}
        replies = self.request("map", payload, about=target)["value"]
        return [self._outcome(reply) for reply in replies]

    def scenario(
        self, module: str, name: str, *args: Any, about: str, timeout: float | None = None
    ) -> Any:
        """Run the trusted function `module.name(learner_module, *args)` in the worker.

        `about` names the learner's function or class the scenario exercises:
        the one held responsible if it runs out of time.
        """
        payload = {"module": module, "name": name, "args": list(args)}
        return self.request("scenario", payload, timeout, about=about)["value"]

    def describe(self, names: list[str]) -> dict[str, Any]:
        return self.request("describe", {"names": names})["value"]

    def request(
        self,
        op: str,
        payload: dict[str, Any],
        timeout: float | None = None,
        about: str | None = None,
    ) -> dict[str, Any]:
        """One request; learner code `about` a name that once ran out of time is not run again.

        One endless loop thus costs one time-out per grade, not one per check
        and per diagnosis probe.
        """
        if about in self.hanging:
            raise self._skipped(about)
        limit = self.timeout_s if timeout is None else timeout
        self._within_budget(limit)
        self._ensure_loaded()
        try:
            reply = self._exchange(op, payload, limit)
        except OutOfTime as spent:
            raise OutOfTime(spent.budget_s, about) from None
        except LearnerError as exc:
            if exc.kind != "timeout" or about is None:
                raise
            self.hanging[about] = limit
            raise LearnerError("timeout", f"{about} did not finish within {limit:g} s") from None
        if "error" in reply:
            raise self._error(reply["error"])
        return reply

    def _skipped(self, name: str) -> LearnerError:
        return LearnerError(
            "skipped",
            f"not run again: {name} did not finish within {self.hanging[name]:g} s earlier in this grade",
        )

    # -- plumbing -----------------------------------------------------------

    def _ensure_loaded(self) -> None:
        if self.load_error is not None:
            raise self.load_error
        if self._loaded and self._process is not None:
            return
        self.start()
        if self._process.pid < 0:  # the fork server went away before it forked this worker
            self.close()
            self.start_method = "spawn"
            self.start()
        assert self._workdir is not None
        # The file as it was at the first load of this grade: a worker booted early
        # (watch mode) grades the latest save, and a restarted one the same bytes.
        if self._source is None:
            self._source = self.path.read_bytes()
        Path(self._workdir, self.path.name).write_bytes(self._source)
        load = {"path": str(Path(self._workdir, self.path.name)), "hung": sorted(self.hanging)}
        try:
            reply = self._exchange("load", load, self.timeout_s)
        except LearnerError as exc:
            self.load_error = LearnerError(
                "unloadable", f"importing your file failed: {exc.message}"
            )
            raise self.load_error from None
        if "error" in reply:
            error = reply["error"]
            self.load_error = LearnerError(
                "unloadable",
                f"importing your file raised {error['type']}",
                error.get("where", ""),
                error["message"],
            )
            raise self.load_error
        self._loaded = True

    def _exchange(self, op: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self._process is not None and self._process.stdin is not None
        blobs: list[bytes] = []
        data = encode(payload, blobs)
        if not self._loaded and op == "load":
            self._await_ready(*self._within_budget(STARTUP_TIMEOUT_S))
        limit, cut = self._within_budget(timeout)
        try:
            self._process.stdin.write(pack({"op": op, "data": data}, blobs))
            self._process.stdin.flush()
        except OSError:
            raise self._crashed() from None
        header, reply_blobs = self._receive(limit, cut)
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

    def _within_budget(self, timeout: float) -> tuple[float, bool]:
        """`timeout` cut to what is left of the budget; and whether it was cut."""
        left = self.time_left()
        if left is None or left >= timeout:
            return timeout, False
        if left <= 0:
            assert self.budget_s is not None
            self.close()
            raise OutOfTime(self.budget_s)
        return left, True

    def _await_ready(self, timeout: float, cut: bool) -> None:
        header, _ = self._receive(timeout, cut)
        if not header.get("ready"):
            self.close()
            raise LearnerError("crash", "the worker did not start")
        self.sandbox = str(header.get("sandbox", ""))
        self.confined_reads = header.get("confined_reads") is True
        self.isolated_network = header.get("isolated_network") is True

    def _receive(self, timeout: float, cut: bool) -> tuple[dict[str, Any], list[bytes]]:
        """The next message, waiting at most `timeout` s (`cut`: that is the budget's end)."""
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        deadline = time.monotonic() + timeout
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
                if cut:
                    assert self.budget_s is not None
                    raise OutOfTime(self.budget_s)
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
        try:
            code = process.wait(timeout=CRASH_WAIT_S) if process is not None else None
        except subprocess.TimeoutExpired:  # it closed its channel, and runs on: no waiting for it
            self.close()
            return LearnerError("crash", "the process running your code closed its channel")
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

    def _error(self, error: dict[str, str]) -> LearnerError:
        """The LearnerError a reply's error stands for."""
        where = error.get("where", "")
        if error["type"] == "Missing":
            return LearnerError("missing", error["message"], where)
        if error["type"] == STAND_IN and error["message"] in self.hanging:
            skipped = self._skipped(error["message"])
            return LearnerError("skipped", skipped.message, where)
        return LearnerError("exception", error["type"], where, error["message"])

    def _outcome(self, reply: dict[str, Any]) -> Any:
        if "error" in reply:
            return self._error(reply["error"])
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
