"""A fork-served worker is confined exactly as a spawned one; the fork server runs no learner code.

A probe, graded as a learner file (allowed `os`, `sys`, `time`, `resource`, `tempfile`
and `random`, so it can look at its own process), reports what confines it:
resource limits, capabilities, no-new-privileges, its session, its open
file descriptors, its environment, its folder, its network devices, what it
may read and write, what the import guard refuses, whether the reference is
loaded, its random seeds. Each fact is checked for itself, and the two start
methods must report the same facts. Closing a worker kills what it started.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from grader.worker import LearnerError, Worker, forkserver
from grader.worker.client import START_METHODS, scrubbed_environment

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "activations.py"

PROBE = """
import os
import random
import resource
import tempfile
import sys


def _status(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return line.split()[1]


def _refused(action):
    try:
        action()
        return False
    except (PermissionError, ImportError):
        return True


def _import_subprocess():
    import subprocess


def facts(outside, z):
    here = os.getcwd()
    limits = {
        name: list(resource.getrlimit(getattr(resource, "RLIMIT_" + name)))
        for name in ("DATA", "CORE", "FSIZE", "CPU")
    }
    with open("/proc/self/net/dev") as table:
        devices = [line.split(":")[0].strip() for line in table.readlines()[2:]]
    return {
        "limits": limits,
        "nproc_limited": resource.getrlimit(resource.RLIMIT_NPROC)[0] != resource.RLIM_INFINITY,
        "capabilities": [_status(f) for f in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")],
        "no_new_privs": _status("NoNewPrivs"),
        "session_leader": os.getsid(0) == os.getpid() == os.getpgid(0),
        "open_fds": len(os.listdir("/proc/self/fd")),
        "environment": {k: v.replace(here, "HERE") for k, v in os.environ.items()},
        "folder": sorted(os.listdir(here)),
        "tempdir": tempfile.gettempdir() == here,
        "devices": devices,
        "reads_outside": _refused(lambda: open(outside).read()),
        "writes_outside": _refused(lambda: open(outside + ".new", "w").write("x")),
        "writes_inside": not _refused(lambda: open("mine.txt", "w").write("x")),
        "imports_subprocess": _refused(_import_subprocess)
        and _refused(lambda: __import__("subprocess", {"__name__": "numpy"})),
        "reference_loaded": any(m.split(".")[0] in ("reference", "solutions") for m in sys.modules),
    }


def seeds(z):
    import numpy as np
    return [random.random(), float(np.random.random())]


def start_child(z):
    pid = os.fork()
    if pid == 0:
        import time
        time.sleep(300)
        os._exit(0)
    return pid
"""

ALLOWED = ("numpy", "os", "resource", "tempfile", "random", "sys", "time")


def probe_worker(tmp_path: Path, method: str) -> Worker:
    (tmp_path / "probe.py").write_text(PROBE, "utf-8")
    return Worker(tmp_path / "probe.py", "learner_probe", ALLOWED, start_method=method)


@pytest.fixture(params=START_METHODS)
def method(request: pytest.FixtureRequest) -> str:
    return request.param


def facts(tmp_path: Path, method: str) -> dict:
    outside = tmp_path / "outside.txt"
    outside.write_text("a neighbour's file", "utf-8")
    with probe_worker(tmp_path, method) as worker:
        return worker.call("facts", str(outside), np.zeros(1))


def test_the_worker_is_confined(tmp_path: Path, method: str) -> None:
    seen = facts(tmp_path, method)
    memory = 2048 * 1024 * 1024
    assert seen["limits"]["DATA"] == [memory, memory]
    assert seen["limits"]["CORE"] == [0, 0]
    assert seen["limits"]["FSIZE"] == [16 << 20, 16 << 20]
    assert seen["limits"]["CPU"] == [600, 605]
    assert seen["nproc_limited"]
    if os.geteuid() == 0:
        assert seen["capabilities"] == ["0000000000000000"] * 5
    assert seen["no_new_privs"] == "1" and seen["session_leader"]
    assert seen["open_fds"] <= 7, "the channel, /dev/null and little else"
    assert seen["environment"] == {
        k: v.replace(str(tmp_path), "HERE") for k, v in scrubbed_environment("HERE").items()
    }
    assert set(seen["folder"]) <= {"probe.py", "__pycache__"} and seen["tempdir"]
    assert seen["devices"] == ["lo"]
    assert seen["reads_outside"] and seen["writes_outside"] and seen["writes_inside"]
    assert seen["imports_subprocess"] and not seen["reference_loaded"]


def test_both_start_methods_confine_alike(tmp_path: Path) -> None:
    spawned = facts(tmp_path / "s", "spawn") if (tmp_path / "s").mkdir() is None else {}
    forked = facts(tmp_path / "f", "forkserver") if (tmp_path / "f").mkdir() is None else {}
    assert forked == spawned


def test_every_fork_has_fresh_random_seeds(tmp_path: Path) -> None:
    draws = []
    for _ in range(2):
        with probe_worker(tmp_path, "forkserver") as worker:
            draws.append(worker.call("seeds", np.zeros(1)))
    assert draws[0][0] != draws[1][0] and draws[0][1] != draws[1][1]


def test_closing_a_worker_kills_what_it_started(tmp_path: Path, method: str) -> None:
    with probe_worker(tmp_path, method) as worker:
        child = worker.call("start_child", np.zeros(1))
        assert _alive(child)
    assert _dies(child)


def _alive(pid: int) -> bool:
    """Running: neither gone nor a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _dies(*pids: int) -> bool:
    """Whether all of `pids` stop running within a few seconds (a kill takes a moment to land)."""
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_the_fork_server_holds_no_secret_and_goes_with_its_grader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started from a grader that holds NEUROGRADE_SECRET, its environment is the scrubbed one;
    it exits when the grader dies (killed, no clean-up), and so do its idle workers."""
    monkeypatch.setenv("NEUROGRADE_SECRET", "do-not-leak")
    script = f"""
import sys, json, numpy as np
sys.path.insert(0, {str(ROOT)!r})
from grader.worker import LearnerError, Worker, forkserver
w = Worker(__import__("pathlib").Path({str(SOLUTION)!r}), "learner_activations", ("numpy",))
w.call("relu", np.zeros(2))
print(json.dumps([forkserver.shared(("numpy",))._process.pid, w._process.pid]), flush=True)
sys.stdin.read()
"""
    grader = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert grader.stdout is not None
    server, worker = json.loads(grader.stdout.readline())
    environ = Path(f"/proc/{server}/environ").read_bytes()
    assert b"do-not-leak" not in environ and b"NEUROGRADE_SECRET" not in environ
    assert _alive(server) and _alive(worker)
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    assert _dies(server, worker)


def test_a_crashed_fork_served_worker_is_reported_and_replaced(tmp_path: Path) -> None:
    source = SOLUTION.read_text("utf-8") + "\n\ndef die(z):\n    import os\n    os.abort()\n"
    (tmp_path / "activations.py").write_text(source, "utf-8")
    with Worker(
        tmp_path / "activations.py",
        "learner_activations",
        ("numpy", "os"),
        start_method="forkserver",
    ) as worker:
        with pytest.raises(Exception, match="SIGABRT"):
            worker.call("die", np.zeros(1))
        assert list(worker.call("relu", np.array([-1.0, 1.0]))) == [0.0, 1.0]


def test_shutdown_stops_the_fork_servers() -> None:
    server = forkserver.shared(("numpy",))
    assert server.alive()
    forkserver.shutdown()
    assert not server.alive()


@pytest.mark.slow
@pytest.mark.parametrize("method", START_METHODS)
def test_the_sandbox_suites_pass_with_either_start_method(method: str) -> None:
    """Every sandbox and robustness test, with workers started one way (the default suite
    runs them fork-served)."""
    suites = sorted(str(p) for p in (ROOT / "tests" / "grading").glob("test_sandbox_*.py"))
    env = dict(os.environ, NEUROGRADE_WORKER_START=method)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", *suites, "tests/grading/test_robustness.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-3000:]


CLOSES_ITS_CHANNEL = """
import os


def close_and_loop(z):
    for fd in range(3, 64):
        try:
            os.close(fd)
        except OSError:
            pass
    while True:
        pass
"""


def test_a_worker_that_closes_its_channel_and_runs_on_is_stopped(
    tmp_path: Path, method: str
) -> None:
    """Its reply never comes and it never exits: the grader neither waits for it nor
    leaves it running."""
    (tmp_path / "closer.py").write_text(CLOSES_ITS_CHANNEL, "utf-8")
    worker = Worker(tmp_path / "closer.py", "learner_closer", ("os",), start_method=method)
    with worker:
        worker.describe(["close_and_loop"])
        pid = worker._process.pid
        with pytest.raises(LearnerError, match="closed its channel"):
            worker.call("close_and_loop", np.zeros(1))
        assert _dies(pid)


def test_a_killed_fork_server_costs_no_grade(tmp_path: Path) -> None:
    """Whether the next worker finds it dead or dying, that worker starts and is confined."""
    for _ in range(3):
        server = forkserver.shared(("numpy",))
        os.kill(server._process.pid, signal.SIGKILL)
        with Worker(SOLUTION, "learner_activations", ("numpy",)) as worker:
            assert list(worker.call("relu", np.array([-1.0, 1.0]))) == [0.0, 1.0]
            assert worker.isolated_network and worker.sandbox
