"""The worker: the only process that runs a learner's code.

It is started by `grader.worker.client.Worker` with a scrubbed environment in
its own temporary folder, applies its resource limits, leaves the network
(see `confine`), installs the import guard, then answers requests read from its stdin: load the learner's file,
describe signatures, call a function, run a scenario. Replies go back on the
original stdout as plain data (see `protocol`). The learner's prints are
captured per request and truncated; the real file descriptors 0-2 point at
/dev/null so nothing the learner writes can corrupt the channel.

The learner's file is a copy in the worker's own folder; its lines are read
once, when it is loaded, so the lines that feedback quotes are the file as
submitted, whatever the code later writes there.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import resource
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from grader.worker import confine
from grader.worker.client import PROJECT_ROOT, STAND_IN
from grader.worker.guard import ImportGuard
from grader.worker.protocol import Reader, decode, encode, pack

OUTPUT_LIMIT = 4000
LEARNER_FILE = [""]
LEARNER_LINES: list[str] = []


class Capture:
    """A stand-in for sys.stdout/stderr that keeps the first few KB of text."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0

    def write(self, text: Any) -> int:
        text = str(text)
        room = OUTPUT_LIMIT - self.size
        if room > 0:
            self.parts.append(text[:room])
        self.size += min(len(text), max(room, 0))
        self.dropped += max(len(text) - max(room, 0), 0)
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False

    def take(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n... ({self.dropped} more characters not shown)"
        self.parts, self.size, self.dropped = [], 0, 0
        return text


def apply_limits(limits: dict[str, int]) -> None:
    """Memory (unless None), CPU time, file size, processes; no core files."""
    if limits["memory_mb"] is not None:
        memory = limits["memory_mb"] * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    fsize = limits["file_mb"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    cpu = limits["cpu_s"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    nproc = _user_processes() + limits["extra_processes"]
    hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    if hard == resource.RLIM_INFINITY or nproc < hard:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


def _user_processes() -> int:
    """How many tasks (processes and threads) this user runs now."""
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                continue
    return count


class Server:
    """Holds the learner's module and answers one request at a time."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.guard = ImportGuard(config["module_name"], config["allowed"])
        self.module: Any = None
        self.stdout = Capture()
        self.device = config.get("device", "cpu")

    def handle(self, header: dict[str, Any], blobs: list[bytes]) -> dict[str, Any]:
        op = header.get("op")
        data = decode(header.get("data"), blobs, resolve_named=True)
        if op == "load":
            return self.load(Path(data["path"]), data.get("hung", []))
        if op == "describe":
            return {"value": {name: self.describe(name) for name in data["names"]}}
        if op == "call":
            return self.call(data["target"], data["args"], data["kwargs"])
        if op == "map":
            return {"value": [self.call(data["target"], a, k) for a, k in data["calls"]]}
        if op == "scenario":
            with self.guard.trusted():
                scenario_module = importlib.import_module(data["module"])
            function = getattr(scenario_module, data["name"])
            return self.run_learner(function, [self.module, *data["args"]], {})
        return {"error": {"type": "ProtocolError", "message": f"unknown op {op!r}", "where": ""}}

    def load(self, path: Path, hung: list[str]) -> dict[str, Any]:
        """Import the learner's file; each name in `hung` (it ran out of time earlier in
        this grade) is then bound to a stand-in that fails at once, wherever it is called from."""
        LEARNER_FILE[0] = str(path)
        LEARNER_LINES[:] = path.read_text("utf-8", errors="replace").splitlines()
        spec = importlib.util.spec_from_file_location(self.guard.learner_module, path)
        if spec is None or spec.loader is None:
            return {"error": {"type": "ImportError", "message": f"cannot load {path}", "where": ""}}
        module = importlib.util.module_from_spec(spec)
        sys.modules[self.guard.learner_module] = module
        outcome = self.run_learner(spec.loader.exec_module, [module], {})
        if "error" not in outcome:
            for name in hung:
                if name in module.__dict__:
                    module.__dict__[name] = _stand_in(name)
            self.module = module
        return outcome

    def describe(self, name: str) -> dict[str, Any]:
        """What `name` is in the learner's module, with its parameters."""
        obj = self.module.__dict__.get(name) if self.module is not None else None
        if obj is None:
            return {"kind": "missing"}
        kind = "class" if inspect.isclass(obj) else "function" if callable(obj) else "other"
        if kind == "other":
            return {"kind": kind, "type": type(obj).__name__}
        try:
            signature = inspect.signature(obj)
        except (TypeError, ValueError):
            return {"kind": kind, "params": None}
        params = []
        for p in signature.parameters.values():
            has_default = p.default is not inspect.Parameter.empty
            params.append(
                {
                    "name": p.name,
                    "kind": p.kind.name,
                    "has_default": has_default,
                    "default": p.default if has_default else None,
                }
            )
        # inherited methods count: an nn.Sequential's forward, a shared base class's step
        found = [vars(klass).items() for klass in inspect.getmro(obj)] if kind == "class" else []
        methods = sorted({k for items in found for k, v in items if callable(v)})
        return {"kind": kind, "params": params, "methods": methods}

    def call(self, target: str, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
        function = getattr(self.module, target, None) if self.module is not None else None
        if function is None or not callable(function):
            return {
                "error": {"type": "Missing", "message": f"no function named {target}", "where": ""}
            }
        before = _snapshot(args, kwargs)
        outcome = self.run_learner(function, args, kwargs)
        outcome["mutated"] = [label for label, array, copy in before if not _same(array, copy)]
        return outcome

    def run_learner(self, function: Any, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Run learner code; turn any exception (even SystemExit) into plain data."""
        try:
            value = function(*args, **kwargs)
            return {"value": value}
        except BaseException as exc:
            return {"error": describe_exception(exc)}


class RanOutOfTimeEarlier(BaseException):
    """Raised by the stand-in for a learner function that ran out of time earlier."""


assert RanOutOfTimeEarlier.__name__ == STAND_IN


def _stand_in(name: str) -> Any:
    def ran_out_of_time_earlier(*args: Any, **kwargs: Any) -> Any:
        raise RanOutOfTimeEarlier(name)

    return ran_out_of_time_earlier


def describe_exception(exc: BaseException) -> dict[str, str]:
    """Type, message and the learner-file line where it happened (as the file was loaded)."""
    try:
        message = str(exc)[:500]
    except BaseException:
        message = "(the exception's message could not be shown)"
    where = ""
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == LEARNER_FILE[0]:
            line = LEARNER_LINES[lineno - 1].strip() if 0 < lineno <= len(LEARNER_LINES) else ""
            where = f"line {lineno}, in {frame.f_code.co_name}: {line}"[:300]
    kind = type(exc).__name__
    if isinstance(exc, SystemExit):
        message = "the code called exit(); a graded function must return a value"
    return {"type": kind, "message": message, "where": where}


def _snapshot(args: list[Any], kwargs: dict[str, Any]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Copies of every array among the arguments, nested ones (e.g. params["W1"]) included."""
    found: list[tuple[str, np.ndarray, np.ndarray]] = []

    def visit(label: str, value: Any) -> None:
        if type(value) is np.ndarray:
            found.append((label, value, value.copy()))
        elif type(value) in (list, tuple):
            for i, item in enumerate(value):
                visit(f"{label}[{i}]", item)
        elif type(value) is dict:
            for key, item in value.items():
                visit(f"{label}[{key!r}]", item)

    for i, arg in enumerate(args):
        visit(f"argument {i + 1}", arg)
    for key, arg in kwargs.items():
        visit(key, arg)
    return found


def _same(array: np.ndarray, copy: np.ndarray) -> bool:
    return array.shape == copy.shape and bool(np.array_equal(array, copy, equal_nan=True))


def main(config: dict[str, Any] | None = None) -> None:
    """Serve requests; `config` as given on the command line (spawned) or by the fork server."""
    config = json.loads(sys.argv[1]) if config is None else config
    channel_in = os.fdopen(os.dup(0), "rb", buffering=0)
    channel_out = os.fdopen(os.dup(1), "wb", buffering=0)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    server = Server(config)
    sys.stdout = sys.__stdout__ = server.stdout  # type: ignore[misc]
    sys.stderr = sys.__stderr__ = server.stdout  # type: ignore[misc]
    apply_limits(config["limits"])
    no_network = confine.isolate_network()
    confine.drop_capabilities()
    readable = confine.readable_paths(PROJECT_ROOT, config["allowed"])
    sandbox, confined_reads = confine.restrict([os.getcwd(), "/dev"], readable)
    server.guard.install()
    reader = Reader()
    ready = {
        "ready": True,
        "sandbox": sandbox,
        "confined_reads": confined_reads,
        "isolated_network": not no_network,
        "network": no_network,
    }
    channel_out.write(pack(ready, []))
    while True:
        request = reader.take()
        if request is None:
            chunk = channel_in.read(1 << 16)
            if not chunk:
                return
            reader.feed(chunk)
            continue
        header, blobs = request
        reply = server.handle(header, blobs)
        reply["stdout"] = server.stdout.take()
        reply["refused"] = list(server.guard.refused)
        out_blobs: list[bytes] = []
        try:
            encoded = encode(reply, out_blobs)
        except BaseException as exc:
            out_blobs = []
            encoded = encode(
                {"error": describe_exception(exc), "refused": reply["refused"]}, out_blobs
            )
        channel_out.write(pack({"reply": encoded}, out_blobs))


if __name__ == "__main__":
    main()
