"""Learner code has no network: the worker lives in a network namespace of its own.

A server started here on 127.0.0.1 (TCP, and a UDP socket) stands for the
host's loopback, where the grader and anything else of the machine's
listen. The worker PROCESS cannot reach it: a worker allowed to import
`socket` (so the import guard is out of the way) fails to connect and to
send, and the servers see nothing. A graded file that reaches for the
network through numpy (`np.genfromtxt` of a URL opens it with urllib, which
the import guard cannot refuse, since numpy imports it) sends nothing and
still gets its normal grade. Where the kernel refuses the namespace, the
report says the graded code had network.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from grader.runner import UNISOLATED_NETWORK, Options, grade
from grader.worker import Worker, confine

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "activations.py").read_text("utf-8")

REACH_OUT = """
import socket


def tcp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(2.0)
    try:
        s.connect(("127.0.0.1", int(port)))
        s.sendall(b"hidden inputs")
        return "connected"
    except OSError as error:
        return type(error).__name__
    finally:
        s.close()


def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.sendto(b"hidden inputs", ("127.0.0.1", int(port)))
        return "sent"
    except OSError as error:
        return type(error).__name__
    finally:
        s.close()


def devices(z):
    with open("/proc/self/net/dev") as table:
        return [line.split(":")[0].strip() for line in table.readlines()[2:]]
"""


@contextlib.contextmanager
def listening() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A TCP server and a UDP socket on the host's loopback, each on a free port."""
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen(8)
        udp.bind(("127.0.0.1", 0))
        yield tcp, udp
    finally:
        tcp.close()
        udp.close()


def seen(server: socket.socket) -> bool:
    """Whether anything arrived (a connection waiting, or a datagram)."""
    ready, _, _ = select.select([server], [], [], 0.3)
    return bool(ready)


def test_the_worker_process_cannot_reach_the_hosts_loopback(tmp_path: Path) -> None:
    (tmp_path / "net.py").write_text(REACH_OUT, "utf-8")
    with listening() as (tcp, udp), Worker(tmp_path / "net.py", "learner_net", ("socket",)) as w:
        assert w.call("devices", np.zeros(1)) == ["lo"], "only a loopback of its own"
        assert w.isolated_network
        assert w.call("tcp", tcp.getsockname()[1]) in ("OSError", "ConnectionRefusedError")
        assert w.call("udp", udp.getsockname()[1]) == "OSError"  # network is unreachable
        assert not seen(tcp) and not seen(udp), "the host's servers received nothing"
        assert not w.refused


def test_the_servers_are_reachable_from_outside_the_worker() -> None:
    """The control: from the grader's own process the same servers do see the attempts."""
    with listening() as (tcp, udp):
        with socket.create_connection(tcp.getsockname(), timeout=2):
            assert seen(tcp)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            out.sendto(b"x", udp.getsockname())
            assert seen(udp)


def leaking(port: int) -> str:
    """The solution whose relu first tries to send its input over HTTP, through numpy."""
    leak = f"""
SENT = []


def relu(z):
    if len(SENT) < 3:
        SENT.append(1)
        try:
            np.genfromtxt("http://127.0.0.1:{port}/" + ",".join(map(str, np.ravel(z)[:4])))
        except Exception:
            pass
    return np.maximum(z, 0.0)
"""
    return SOLUTION + "\n" + leak


def test_a_grade_that_tries_to_send_its_inputs_sends_nothing(tmp_path: Path) -> None:
    with listening() as (tcp, _):
        learner = tmp_path / "activations.py"
        learner.write_text(leaking(tcp.getsockname()[1]), "utf-8")
        result = grade("activations", learner, Options())
        assert not seen(tcp), "the server saw a connection from the graded code"
    assert result.score == result.max_score > 0 and result.zeroed_by is None
    assert result.errors == []


def test_a_worker_with_network_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the kernel refuses the namespace, the report says so (simulated: the worker says it)."""
    (tmp_path / "activations.py").write_text(SOLUTION, "utf-8")
    await_ready = Worker._await_ready

    def refused(self: Worker, *args: object) -> None:
        await_ready(self, *args)
        self.isolated_network = False

    monkeypatch.setattr(Worker, "_await_ready", refused)
    result = grade("activations", tmp_path / "activations.py", Options())
    assert UNISOLATED_NETWORK in result.errors and result.score == result.max_score


def test_an_unprivileged_worker_isolates_itself_through_a_user_namespace() -> None:
    """Not root: a user namespace of its own holds the network namespace; its capabilities
    there are dropped afterwards, like root's."""
    with listening() as (tcp, _):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through the pipe
            report = b"?"
            try:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                refused = confine.isolate_network()
                dropped = confine.drop_capabilities()
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                    try:
                        s.connect(tcp.getsockname())
                        reached = "reached"
                    except OSError:
                        reached = "unreachable"
                report = f"{refused or 'isolated'}|{dropped}|{reached}|{os.getuid()}".encode()
            finally:
                os.write(write, report)
                os._exit(0)
        os.close(write)
        report = os.read(read, 1000).decode()
        os.close(read)
        os.waitpid(pid, 0)
        if not report.startswith("isolated"):
            pytest.skip(f"this kernel refuses unprivileged user namespaces: {report}")
        assert report == "isolated|True|unreachable|65534"
        assert not seen(tcp)
