"""Broken and hostile submissions are graded cleanly: exit 1, valid JSON, no grader traceback.

Every case runs the real command line (`neurograde grade ... --format json`)
on the `activations` exercise, with a short time limit where it matters.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grader.worker import confine

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "activations.py").read_text("utf-8")
FIND_OS = """
def _os():
    for cls in ().__class__.__base__.__subclasses__():
        if cls.__name__ == "_wrap_close":
            return cls.__init__.__globals__
"""


def grade_source(
    tmp_path: Path, source: str, *extra: str, timeout: float = 2.0, env: dict | None = None
) -> tuple[int, dict, str]:
    """Grade `source` as activations.py; (exit status, JSON result, stderr)."""
    workspace = tmp_path / "ws"
    workspace.mkdir(exist_ok=True)
    (workspace / "activations.py").write_text(source, "utf-8")
    command = [
        sys.executable,
        "-m",
        "grader",
        "grade",
        "activations",
        "--workspace",
        str(workspace),
    ]
    done = subprocess.run(
        [*command, "--format", "json", "--timeout", str(timeout), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


def with_function(body: str) -> str:
    """The solution with `sigmoid` replaced by `body` (a full def)."""
    return SOLUTION + "\n\n" + textwrap.dedent(body)


def check(result: dict, check_id: str) -> dict:
    return next(c for c in result["checks"] if c["id"] == check_id)


def test_solution_passes_and_is_valid_json(tmp_path: Path) -> None:
    code, result, _ = grade_source(tmp_path, SOLUTION)
    assert code == 0
    assert result["schema"] == "neurograde.result/1"
    assert result["score"] == result["max_score"] > 0


def test_syntax_error(tmp_path: Path) -> None:
    code, result, _ = grade_source(tmp_path, SOLUTION + "\ndef broken(:\n")
    assert code == 1 and result["score"] == 0
    assert "does not parse" in check(result, "syntax")["message"]


def test_missing_function_fails_only_its_checks(tmp_path: Path) -> None:
    source = SOLUTION.replace("def softmax(", "def soft_max(")
    code, result, _ = grade_source(tmp_path, source)
    assert code == 1
    assert "softmax is missing" in check(result, "signatures")["message"]
    assert not check(result, "softmax-matches-reference")["passed"]
    assert check(result, "sigmoid-matches-reference")["passed"]
    assert 0 < result["score"] < result["max_score"]


def test_wrong_signature(tmp_path: Path) -> None:
    source = SOLUTION.replace(
        "def leaky_relu(z: np.ndarray, alpha: float = 0.01)", "def leaky_relu(z, slope=0.01)"
    )
    code, result, _ = grade_source(tmp_path, source)
    assert code == 1
    assert (
        "leaky_relu must take the parameters (z, alpha=0.01)"
        in check(result, "signatures")["message"]
    )
    assert not check(result, "leaky_relu-hidden")["passed"]


def test_hang_at_import(tmp_path: Path) -> None:
    started = time.monotonic()
    code, result, _ = grade_source(tmp_path, SOLUTION + "\nwhile True:\n    pass\n", timeout=1)
    assert code == 1 and result["score"] == 0
    assert "did not finish" in check(result, "imports-cleanly")["message"]
    assert time.monotonic() - started < 30


def test_hang_inside_a_function_costs_one_timeout(tmp_path: Path) -> None:
    started = time.monotonic()
    code, result, _ = grade_source(
        tmp_path, with_function("def tanh(z):\n    while True:\n        pass\n"), timeout=1
    )
    assert code == 1
    assert "did not finish" in check(result, "tanh-matches-reference")["message"]
    assert check(result, "sigmoid-matches-reference")["passed"]
    assert check(result, "softmax-hidden")["passed"]
    assert time.monotonic() - started < 30


def test_segfault(tmp_path: Path) -> None:
    crash = """
    def relu(z):
        return np.lib.stride_tricks.as_strided(np.zeros(1), shape=(10**6,), strides=(10**9,)).sum()
    """
    code, result, _ = grade_source(tmp_path, with_function(crash))
    assert code == 1
    assert "segmentation fault" in check(result, "relu-matches-reference")["message"]
    assert check(result, "relu_grad-matches-reference")["passed"], (
        "the worker must restart after a crash"
    )


@pytest.mark.parametrize(
    "body",
    [
        "def sigmoid(z):\n    raise SystemExit(0)\n",
        "def sigmoid(z):\n    exit(0)\n",
        FIND_OS + "\ndef sigmoid(z):\n    _os()['_exit'](0)\n",
    ],
    ids=["SystemExit", "exit", "os._exit"],
)
def test_exit_calls(tmp_path: Path, body: str) -> None:
    code, result, _ = grade_source(tmp_path, with_function(body))
    assert code == 1
    assert not check(result, "sigmoid-matches-reference")["passed"]
    assert check(result, "tanh-matches-reference")["passed"]


def test_sys_exit_at_import_is_a_refused_import(tmp_path: Path) -> None:
    code, result, _ = grade_source(tmp_path, "import sys\nsys.exit(0)\n" + SOLUTION)
    assert code == 1 and result["score"] == 0
    assert "'sys' is not allowed" in check(result, "allowed-imports")["message"]


def test_fifty_megabytes_of_prints(tmp_path: Path) -> None:
    noisy = SOLUTION.replace(
        '    """Logistic sigmoid', '    print("x" * 50_000_000)\n    """Logistic sigmoid', 1
    )
    noisy = "print('y' * 50_000_000)\n" + noisy
    code, result, _ = grade_source(tmp_path, noisy)
    assert result["score"] == result["max_score"]
    assert code == 0, "prints are captured and truncated, not held against the learner"


def test_eight_gigabyte_allocation(tmp_path: Path) -> None:
    code, result, _ = grade_source(
        tmp_path,
        with_function("def sigmoid(z):\n    return np.ones(10**9) [: z.size].reshape(z.shape)\n"),
    )
    assert code == 1
    assert "MemoryError" in check(result, "sigmoid-matches-reference")["message"]
    assert check(result, "tanh-matches-reference")["passed"]


def test_stray_child_process_is_killed(tmp_path: Path) -> None:
    mark = f"stray-child-{tmp_path.name}"  # a file only the child holds open, in the worker's folder
    body = FIND_OS + textwrap.dedent(
        f"""
        FORKED = []

        def sigmoid(z):
            os = _os()
            if not FORKED:
                read_end, _ = os['pipe']()
                FORKED.append(os['fork']())
                if FORKED[0] == 0:
                    os['open']({mark!r}, os['O_RDONLY'] | os['O_CREAT'])
                    os['read'](read_end, 1)  # blocks forever: a child left sleeping
            return 1 / (1 + np.exp(-z))
        """
    )
    _, result, _ = grade_source(tmp_path, with_function(body))
    assert check(result, "sigmoid-matches-reference")["passed"], "the fork itself failed"
    time.sleep(0.2)
    assert _holders(mark) == [], "the worker's child outlived the grade"


def _holders(mark: str) -> list[int]:
    """Live processes with a file open whose path contains `mark`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state = (entry / "stat").read_text().split(") ")[-1].split()[0]
            links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        if any(mark in link for link in links) and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def test_a_nondeterministic_function_is_graded_not_crashed(tmp_path: Path) -> None:
    body = "CALLS = []\n\ndef sigmoid(z):\n    CALLS.append(1)\n    return 1 / (1 + np.exp(-z)) + (len(CALLS) == 1)\n"
    code, result, _ = grade_source(tmp_path, with_function(body))
    assert code == 1
    assert "not deterministic" in check(result, "sigmoid-matches-reference")["message"]


@pytest.mark.parametrize(
    "attack",
    [
        "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n",
        "class Liar:\n    def __eq__(self, other):\n        return True\n    __hash__ = None\n"
        "def sigmoid(z):\n    return Liar()\n",
        "class Liar:\n    def __array__(self, dtype=None, copy=None):\n        return np.zeros(3)\n"
        "    __class__ = property(lambda self: np.ndarray)\n"
        "def sigmoid(z):\n    return Liar()\n",
    ],
    ids=["monkeypatch-numpy", "lying-eq", "lying-array"],
)
def test_attacks_never_raise_the_score(tmp_path: Path, attack: str) -> None:
    wrong = SOLUTION.replace("e / (1.0 + e))", "e / (2.0 + e))", 1)
    assert wrong != SOLUTION
    _, honest, _ = grade_source(tmp_path, wrong)
    code, attacked, _ = grade_source(tmp_path, wrong + "\n" + attack)
    assert code == 1
    assert attacked["score"] <= honest["score"] < honest["max_score"]
    assert not check(attacked, "sigmoid-matches-reference")["passed"]


def test_importing_the_reference_zeroes_the_exercise(tmp_path: Path) -> None:
    sneaky = (
        "def sigmoid(z):\n    from reference.activations import sigmoid as s\n    return s(z)\n"
    )
    code, result, _ = grade_source(tmp_path, with_function(sneaky))
    assert code == 1 and result["score"] == 0
    dynamic = "def sigmoid(z):\n    m = __import__('reference.activations')\n    return m.activations.sigmoid(z)\n"
    code, result, _ = grade_source(tmp_path, with_function(dynamic))
    assert code == 1 and result["score"] == 0


SANDBOX_NOTE = "the static check zeroes this file anyway; the sandbox must hold regardless"


def test_the_secret_never_reaches_the_worker(tmp_path: Path) -> None:
    leak = FIND_OS + textwrap.dedent(
        """
        def sigmoid(z):
            assert 'NEUROGRADE_SECRET' not in _os()['environ']
            return 1 / (1 + np.exp(-z))
        """
    )
    env = {**os.environ, "NEUROGRADE_SECRET": "course-secret"}
    _, result, _ = grade_source(tmp_path, with_function(leak), env=env)
    assert not check(result, "no-escape-hatches")["passed"], SANDBOX_NOTE
    assert check(result, "sigmoid-matches-reference")["passed"], "the secret reached the worker"


def test_grades_are_reproducible(tmp_path: Path) -> None:
    wrong = SOLUTION.replace("z > 0).astype", "z >= 0).astype")
    first = grade_source(tmp_path, wrong)[1]
    second = grade_source(tmp_path, wrong)[1]
    for result in (first, second):
        result.pop("duration_s")
    assert first == second
    assert "relu-grad-at-zero" in first["misconceptions"]


landlock = pytest.mark.skipif(
    confine.landlock_abi() < 6, reason="needs Landlock ABI 6 (writes and signals)"
)


@landlock
def test_the_worker_cannot_write_outside_its_folder_or_signal_the_grader(tmp_path: Path) -> None:
    target = tmp_path / "pwned.txt"
    body = FIND_OS + textwrap.dedent(
        f"""
        def sigmoid(z):
            os = _os()
            try:
                open({str(target)!r}, "w").write("tampered")
            except OSError:
                pass
            try:
                os["kill"](os["getppid"](), 15)
            except OSError:
                pass
            return 1 / (1 + np.exp(-z))
        """
    )
    _, result, _ = grade_source(tmp_path, with_function(body))
    assert not check(result, "no-escape-hatches")["passed"], SANDBOX_NOTE
    assert check(result, "sigmoid-matches-reference")["passed"], "the grader was signalled"
    assert not target.exists()


def test_the_grader_hides_its_environment_from_the_worker(tmp_path: Path) -> None:
    body = FIND_OS + textwrap.dedent(
        """
        def sigmoid(z):
            os = _os()
            try:
                with open(f"/proc/{os['getppid']()}/environ", "rb") as f:
                    leaked = b"course-secret" in f.read()
            except OSError:
                leaked = False
            assert not leaked, "the secret leaked"
            return 1 / (1 + np.exp(-z))
        """
    )
    env = {**os.environ, "NEUROGRADE_SECRET": "course-secret"}
    _, result, _ = grade_source(tmp_path, with_function(body), env=env)
    assert check(result, "sigmoid-matches-reference")["passed"], "the grader's environment leaked"


@pytest.mark.parametrize(
    "hatch",
    ["().__class__.__base__.__subclasses__()", "sigmoid.__globals__", "__builtins__", "f.__code__"],
)
def test_escape_hatches_zero_the_exercise(tmp_path: Path, hatch: str) -> None:
    code, result, _ = grade_source(tmp_path, SOLUTION + f"\n\ndef helper(f):\n    return {hatch}\n")
    assert code == 1 and result["score"] == 0
    assert "interpreter's internals" in check(result, "no-escape-hatches")["message"]
