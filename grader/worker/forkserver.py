"""A fork server: workers start in milliseconds from a process that has numpy (and torch) imported.

Starting a worker the plain way costs an interpreter and numpy's import
(torch's for torch exercises) every time. The fork server pays that once per
grading process: it is started (by `shared`) with the worker's scrubbed
environment, imports the worker's modules and the `preload` libraries, and
then only forks. It never runs learner code: it reads a request (the new
worker's folder, environment and configuration, with the ends of its pipes
passed as file descriptors), forks, reaps its children and writes each one's
exit status to the pipe the grader gave for it.

The fork becomes a worker exactly as a spawned one would: a session of its
own, its pipes as fds 0 and 1, nothing else open, its own folder and
environment, fresh random seeds; then `server.main` applies every
confinement after the fork (resource limits, the network namespace, dropped
capabilities, Landlock, the import guard), as it does in a spawned worker.

A fork server lives as long as the process that started it: it exits when
that process closes its end of the control socket (at exit, or when it dies).
Use `shared(preload_for(allowed))` to get (and start) the server of this
process; `shutdown()` stops them all. A batch of grades in one process, such
as an autograde job's grading process, shares one server per preload set;
calling `shared` when the process starts (a pool's initializer) warms it
while other work goes on.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from typing import Any, BinaryIO

from grader.worker import confine
from grader.worker.client import isolated_python, scrubbed_environment

_MESSAGE = 1 << 20


class ForkServer:
    """The grader's handle on one fork server."""

    def __init__(self, preload: tuple[str, ...]) -> None:
        self.preload = preload
        self.owner = os.getpid()
        self._lock = threading.Lock()
        self._tickets = 0
        self._replies: dict[int, int] = {}
        self._folder = tempfile.mkdtemp(prefix="neurograde-forkserver-")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        setup = {"control": theirs.fileno(), "preload": list(preload)}
        self._process = subprocess.Popen(
            isolated_python("grader.worker.forkserver", "serve", setup),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self._folder,
            env=scrubbed_environment(self._folder),
            pass_fds=(theirs.fileno(),),
            start_new_session=True,
        )
        theirs.close()
        self._socket = ours
        self._socket.settimeout(60.0)

    def spawn(self, workdir: str, env: dict[str, str], config: dict[str, Any]) -> ForkedWorker:
        """Ask for a worker in `workdir`; returns at once (the fork server may still be booting)."""
        to_worker, from_grader = os.pipe()[::-1]
        from_worker, to_grader = os.pipe()
        status_read, status_write = os.pipe()
        try:
            with self._lock:
                self._tickets += 1
                ticket = self._tickets
                request = {"ticket": ticket, "workdir": workdir, "env": env, "config": config}
                sent = [from_grader, to_grader, status_write]
                socket.send_fds(self._socket, [json.dumps(request).encode()], sent)
        except OSError:
            for fd in (to_worker, from_worker, status_read):
                os.close(fd)
            raise
        finally:
            for fd in (from_grader, to_grader, status_write):
                os.close(fd)
        return ForkedWorker(self, ticket, to_worker, from_worker, status_read)

    def pid_of(self, ticket: int) -> int:
        """The pid of the worker asked for with `ticket` (-1: the fork server could not fork)."""
        with self._lock:
            while ticket not in self._replies:
                try:
                    data = self._socket.recv(_MESSAGE)
                except OSError:
                    data = b""
                if not data:
                    return -1
                reply = json.loads(data)
                self._replies[reply["ticket"]] = reply["pid"]
            return self._replies.pop(ticket)

    def alive(self) -> bool:
        return self._process.poll() is None

    def close(self) -> None:
        """Stop the fork server at once: it holds nothing to save (its workers are the
        grader's to stop), and an interpreter's clean exit with torch loaded is slow."""
        self._socket.close()
        with contextlib.suppress(ProcessLookupError):
            self._process.kill()
        self._process.wait()
        shutil.rmtree(self._folder, ignore_errors=True)


class ForkedWorker:
    """A fork-served worker, handled like a `subprocess.Popen` (pid, stdin, stdout, wait)."""

    def __init__(
        self, server: ForkServer, ticket: int, to_worker: int, from_worker: int, status: int
    ) -> None:
        self._server = server
        self._ticket = ticket
        self._pid: int | None = None
        self._status = status
        self.returncode: int | None = None
        self.stdin: BinaryIO = os.fdopen(to_worker, "wb")
        self.stdout: BinaryIO = os.fdopen(from_worker, "rb")

    @property
    def pid(self) -> int:
        if self._pid is None:
            self._pid = self._server.pid_of(self._ticket)
        return self._pid

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit status, as `Popen.returncode` gives it (None if the fork server is gone)."""
        if self._status >= 0:
            ready, _, _ = select.select([self._status], [], [], timeout)
            if not ready:
                raise subprocess.TimeoutExpired("worker", timeout or 0.0)
            data = os.read(self._status, 64)
            os.close(self._status)
            self._status = -1
            self.returncode = int(data) if data else None
        return self.returncode


def preload_for(allowed: Sequence[str]) -> tuple[str, ...]:
    """What the fork server of workers allowed to import `allowed` has imported."""
    return ("numpy", "torch") if "torch" in allowed else ("numpy",)


_SERVERS: dict[tuple[str, ...], ForkServer] = {}
_LOCK = threading.Lock()


def shared(preload: tuple[str, ...]) -> ForkServer:
    """This process's fork server with `preload` imported, started on first use."""
    with _LOCK:
        server = _SERVERS.get(preload)
        if server is not None and (server.owner != os.getpid() or not server.alive()):
            server = None  # inherited from the process this one was forked from, or gone
        if server is None:
            server = _SERVERS[preload] = ForkServer(preload)
        return server


@atexit.register
def shutdown() -> None:
    """Stop this process's fork servers."""
    with _LOCK:
        servers = [s for s in _SERVERS.values() if s.owner == os.getpid()]
        _SERVERS.clear()
    for server in servers:
        server.close()


# -- the fork server's side ------------------------------------------------------


def serve() -> None:
    """The fork server's loop: fork a worker per request, report each one's exit status."""
    setup = json.loads(sys.argv[1])
    import importlib

    from grader.worker import server as worker_server

    confine.hide_this_process()  # no worker may attach to it and change what later forks run
    for name in setup["preload"]:
        importlib.import_module(name)
    control = socket.socket(fileno=setup["control"])
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    statuses: dict[int, int] = {}
    while True:
        ready, _, _ = select.select([control, wake_read], [], [])
        if wake_read in ready:
            os.read(wake_read, 4096)
            _reap(statuses)
        if control not in ready:
            continue
        data, fds, _, _ = socket.recv_fds(control, _MESSAGE, 3)
        if not data:
            os._exit(0)  # the grader is gone: so is the need for us
        request = json.loads(data)
        try:
            pid = os.fork()
        except OSError:
            pid = -1
        if pid == 0:
            _become_worker(worker_server.main, request, fds)
        os.close(fds[0])
        os.close(fds[1])
        if pid > 0:
            statuses[pid] = fds[2]
        else:
            os.close(fds[2])
        control.send(json.dumps({"ticket": request["ticket"], "pid": pid}).encode())


def _reap(statuses: dict[int, int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd = statuses.pop(pid, None)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.write(fd, str(os.waitstatus_to_exitcode(status)).encode())
            os.close(fd)


def _become_worker(main: Any, request: dict[str, Any], fds: list[int]) -> None:
    """In the fork: become a worker as a spawned one starts; never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        confine.hide_this_process(False)  # as a spawned worker is
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(fds[0], 0)
        os.dup2(fds[1], 1)
        os.dup2(null, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # the control socket, others' status pipes
        os.chdir(request["workdir"])
        os.environ.clear()
        os.environ.update(request["env"])
        _fresh_randomness()
        main(request["config"])
        code = 0
    finally:
        os._exit(code)


def _fresh_randomness() -> None:
    """Seeds and caches that a spawned worker would have fresh."""
    import random

    import numpy as np

    random.seed()
    np.random.seed()
    tempfile.tempdir = None
