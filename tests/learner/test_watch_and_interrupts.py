"""`watch` through a real pseudo-terminal, `--only`, and Ctrl-C exiting 130 everywhere."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pexpect

from grader import catalog

NEURON_MAX = f"{sum(c.points for c in catalog.load('neuron').checks):g}"  # neuron's full marks

CLEAR = "\x1b[2J"


def test_watch_grades_every_save_and_moves_on_after_full_marks(
    spawn, workspace: Path, solution
) -> None:
    child = spawn("watch", cwd=workspace)  # the workspace is found; neuron is the first to do
    child.expect_exact(CLEAR)
    child.expect_exact("not written yet: weighted_sum")
    child.expect_exact("watching neuron.py — save it to grade again")
    wrong = solution("neuron").replace("return (z > 0).astype", "return (z >= 0).astype")
    assert wrong != solution("neuron")
    (workspace / "neuron.py").write_text(wrong, "utf-8")
    child.expect_exact(CLEAR)
    child.expect_exact("failing: perceptron_predict")
    child.expect_exact("next: fix perceptron_predict first")
    child.expect_exact("save it to grade again")
    (workspace / "neuron.py").write_text(solution("neuron"), "utf-8")
    child.expect_exact(CLEAR)
    child.expect_exact(f"{NEURON_MAX} / {NEURON_MAX}")
    child.expect_exact("full marks! moving on: now watching activations.py")
    (workspace / "activations.py").write_text(solution("activations"), "utf-8")
    child.expect_exact(CLEAR)
    child.expect_exact("activations — ")
    child.expect_exact("28 / 28")
    child.expect_exact("now watching losses.py")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    progress = json.loads((workspace / ".neurograde" / "progress.json").read_text("utf-8"))
    assert progress["neuron"]["attempts"] == 3 and progress["neuron"]["best_score"] == float(NEURON_MAX)
    assert progress["activations"]["best_score"] == 28


def test_only_grades_one_function(neurograde, spawn, workspace: Path, solution) -> None:
    (workspace / "neuron.py").write_text(solution("neuron"), "utf-8")
    done = neurograde(
        "grade", "neuron", "--only", "dense_forward", "--format", "json", cwd=workspace
    )
    result = json.loads(done.stdout)
    scored = [c["id"] for c in result["checks"] if c["max_points"]]
    assert scored and all(c.startswith("dense_forward-") for c in scored)
    assert result["score"] == result["max_score"] == len(scored)
    typo = neurograde("grade", "neuron", "--only", "dense_foward", cwd=workspace)
    assert typo.returncode == 2 and "did you mean 'dense_forward'?" in typo.stderr
    child = spawn("watch", "neuron", "--only", "weighted-sum", cwd=workspace)
    child.expect_exact(f"{len([c for c in scored])} / {len(scored)}")
    child.expect_exact("next: grade all of it — neurograde grade neuron")
    child.expect_exact("watching neuron.py")  # not moving on: only a part was graded
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def test_ctrl_c_during_a_grade_exits_130_and_stops_the_worker(spawn, workspace: Path) -> None:
    stub = (workspace / "neuron.py").read_text("utf-8")
    (workspace / "neuron.py").write_text(
        stub.replace('raise NotImplementedError("weighted_sum: write your code here")',
                     "while True:\n        pass", 1),
        "utf-8",
    )  # fmt: skip
    child = spawn("grade", "neuron", "--timeout", "300", cwd=workspace)
    deadline = time.monotonic() + 120
    # Interrupt once the learner's endless loop spins in the worker (half a second of its CPU
    # time), so the grader is surely waiting on it, whatever the machine's load.
    while not any(_cpu_ticks(pid) > 50 for pid in _children(child.pid)):
        assert time.monotonic() < deadline, "the learner's code never ran"
        time.sleep(0.1)
    workers = _children(child.pid)
    child.sendintr()
    child.expect_exact("Interrupted.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    left = {pid: _state(pid) for pid in workers}
    assert all(state in ("", "Z") for state in left.values()), left  # gone, or dead and unreaped
