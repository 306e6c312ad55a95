"""Specific verdicts of the `training_loop` checks: device observation, other correct styles, GPU.

The scenarios are exercised in-process on the reference, the solution and
variants of it (fast); a few variants are graded for real, through the worker.
Tests marked `gpu` run the checks on CUDA and are skipped without it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import reference.training_loop as reference_loop  # noqa: E402
from grader.engine import Context, ModuleSubject, agrees  # noqa: E402
from grader.exercises.training_loop import checks  # noqa: E402
from grader.exercises.training_loop.scenarios import (  # noqa: E402
    evaluate_runs,
    fit_run,
    optimizer_for,
    train_epochs,
    wine,
)
from grader.runner import Options, grade  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "training_loop.py").read_text("utf-8")
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def from_source(source: str) -> types.ModuleType:
    module = types.ModuleType("variant_training_loop")
    exec(compile(source, "<variant training_loop>", "exec"), module.__dict__)
    return module


def variant(override: str) -> types.ModuleType:
    """The solution with some definitions replaced, as a module in this process."""
    return from_source(SOLUTION + "\n\n" + textwrap.dedent(override))


def the_mutant(misconception: str, replaces: str):
    """The first member of the family `misconception` that patches `replaces`."""
    return next(
        m
        for m in checks.EXERCISE.mutants
        if m.misconception == misconception and m.replaces == replaces
    )


def probe(misconception: str):
    return checks.EXERCISE.probes[misconception]


def context(learner: types.ModuleType, device: str = "cpu") -> Context:
    return Context(
        exercise="training_loop",
        learner=ModuleSubject(learner),
        reference=ModuleSubject(reference_loop),
        secret="test-secret",
        device=device,
        max_examples=5,
    )


def run_check(check_id: str, learner: types.ModuleType, device: str = "cpu"):
    check = next(c for c in checks.EXERCISE.checks if c.id == check_id)
    return check.run(context(learner, device))


def grade_with(tmp_path: Path, override: str, device: str = "cpu"):
    path = tmp_path / "training_loop.py"
    path.write_text(SOLUTION + "\n\n" + textwrap.dedent(override), "utf-8")
    return grade("training_loop", path, Options(device=device))


def counts(run: dict) -> dict[str, int]:
    """What a scenario observed: the counts in its report."""
    return {key: value for key, value in run.items() if isinstance(value, int)}


def failed(result) -> dict[str, str]:
    return {c.id: c.message for c in result.checks if not c.passed}


# -- the device observation --------------------------------------------------------------------

ONLY_INPUTS_MOVED = """
def train_one_epoch(model, loader, optimizer, criterion, device):
    model.train()
    total, correct, seen = 0.0, 0, 0
    for xb, yb in loader:
        xb = xb.to(device)
        optimizer.zero_grad()
        logits = model(xb)
        loss = criterion(logits, yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
        correct += (logits.argmax(1) == yb).sum().item()
        seen += len(yb)
    return total / seen, correct / seen
"""

OTHER_WAYS_TO_MOVE = """
def train_one_epoch(model, loader, optimizer, criterion, device):
    model.train()
    total, correct, seen = 0.0, 0, 0
    for batch in loader:
        xb = batch[0].float().to(device=device, non_blocking=True)
        yb = torch.as_tensor(batch[1], device=device)
        logits = model(xb)
        loss = criterion(logits, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += float(loss.detach()) * yb.size(0)
        correct += int((logits.argmax(1) == yb).sum())
        seen += yb.size(0)
    return total / len(loader.dataset), correct / seen
"""


def test_batches_moved_with_to_device_are_seen_as_moved() -> None:
    seen = train_epochs(variant(""), checks.DEVICE_RUN, "cpu")
    assert seen["input"] == seen["target"] == 3
    assert not seen.get("input_unmoved") and not seen.get("target_unmoved")


def test_other_ways_of_moving_count_too() -> None:
    assert run_check("train_one_epoch-uses-device", variant(OTHER_WAYS_TO_MOVE)).passed


def test_unmoved_batches_are_seen_on_a_cpu_only_machine() -> None:
    verdict = run_check("train_one_epoch-uses-device", variant(ONLY_INPUTS_MOVED))
    assert not verdict.passed
    assert "reached the loss without being moved" in verdict.message
    astray = probe("device-ignored")
    assert astray(ModuleSubject(variant(ONLY_INPUTS_MOVED))) == ("unmoved",)
    assert astray(ModuleSubject(the_mutant("device-ignored", "train_one_epoch").module())) == (
        "unmoved",
    )
    assert astray(ModuleSubject(reference_loop)) == ()


def test_a_device_written_in_the_code_fails_on_every_machine() -> None:
    hard_coded = variant(
        ONLY_INPUTS_MOVED.replace("xb = xb.to(device)", 'xb, yb = xb.to("cpu"), yb.to("cpu")')
    )
    verdict = run_check("train_one_epoch-uses-device", hard_coded)
    assert not verdict.passed
    assert 'a device written in the code, such as .to("cpu")' in verdict.message
    cuda_call = variant(
        ONLY_INPUTS_MOVED.replace("xb = xb.to(device)", "xb, yb = xb.cuda(), yb.cuda()")
    )
    verdict = run_check("train_one_epoch-uses-device", cuda_call)
    assert not verdict.passed, "a .cuda() call is seen (and kept off the GPU) on every machine"
    assert ".cuda()" in verdict.message
    assert run_check("train_one_epoch-matches-reference", cuda_call).passed


def test_ignoring_the_device_changes_no_number() -> None:
    """Only the device checks see it: the losses and weights are the reference's."""
    ignoring = from_source(the_mutant("device-ignored", "train_one_epoch").text())
    assert run_check("train_one_epoch-matches-reference", ignoring).passed
    assert not run_check("train_one_epoch-uses-device", ignoring).passed


# -- other correct styles pass, the classic mistakes are told apart ------------------------------

ZERO_GRAD_AT_THE_END = """
def train_one_epoch(model, loader, optimizer, criterion, device):
    model.train()
    total, correct, seen = 0.0, 0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        logits = model(xb)
        loss = criterion(logits, yb)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        total += loss.detach() * yb.shape[0]
        correct += (logits.argmax(dim=1) == yb).sum()
        seen += yb.shape[0]
    return (total / seen).item(), (correct / seen).item()


def evaluate(model, loader, criterion, device):
    model.eval()
    losses, hits = [], []
    with torch.inference_mode():
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            logits = model(xb)
            losses.append(criterion(logits, yb) * len(yb))
            hits.append(logits.argmax(1) == yb)
    n = sum(len(h) for h in hits)
    return float(sum(losses) / n), float(torch.cat(hits).float().mean())
"""


def test_another_correct_style_passes_every_loop_check() -> None:
    learner = variant(ZERO_GRAD_AT_THE_END)
    ids = [c.id for c in checks.EXERCISE.checks if set(c.uses) & {"train_one_epoch", "evaluate"}]
    verdicts = {i: run_check(i, learner) for i in ids}
    assert {i: v.message for i, v in verdicts.items() if not v.passed} == {}


def test_evaluate_is_observed_in_eval_mode_without_gradients() -> None:
    run = evaluate_runs(reference_loop, checks.UNCHANGED, "cpu")
    assert run["input"] == run["eval_mode"] == run["grad_off"] == 3
    for key, before in run["before"].items():
        assert np.array_equal(before, run["after"][key]), key


def test_a_short_last_batch_separates_the_two_averages() -> None:
    config = checks.SHORT_BATCH
    assert config["n"] % config["batch_size"] != 0
    per_sample = train_epochs(reference_loop, config, "cpu")["results"][0][0]
    mutant = the_mutant("loss-unweighted-batch-mean", "train_one_epoch").module()
    batch_means = train_epochs(mutant, config, "cpu")["results"][0][0]
    assert abs(per_sample - batch_means) > 1e-3


def test_every_probe_tells_every_mutant_from_the_reference() -> None:
    for mutant in checks.EXERCISE.mutants:
        family = probe(mutant.misconception)
        mistaken = family(ModuleSubject(mutant.module()))
        expected = family(ModuleSubject(reference_loop))
        assert not agrees(expected, mistaken, mutant.rtol, mutant.atol), mutant.id


def test_the_early_stopping_run_stops_early_and_best_is_not_last() -> None:
    run = fit_run(reference_loop, checks.EARLY_STOP, "cpu")
    val = run["history"]["val_loss"]
    assert len(val) < checks.EARLY_STOP["epochs"]
    assert int(np.argmin(val)) == len(val) - 1 - checks.EARLY_STOP["patience"]
    mutant = the_mutant("early-stopping-keeps-last-weights", "fit").module()
    last = fit_run(mutant, checks.EARLY_STOP, "cpu")["state"]
    assert any(not np.allclose(last[k], run["state"][k]) for k in last)


def test_a_fit_stopping_one_epoch_late_or_early_bears_the_shifted_signature() -> None:
    """Off by one epoch either way: the family's probe (validation losses) is the reference's
    with one epoch more or less, which its `shifted` signature recognises."""
    from grader.engine.mutants import bears

    off_by_one = probe("early-stopping-off-by-one")
    expected = off_by_one(ModuleSubject(reference_loop))
    for mutant in checks.EXERCISE.mutants:
        if mutant.misconception == "early-stopping-off-by-one":
            received = off_by_one(ModuleSubject(mutant.module()))
            assert abs(len(received) - len(expected)) == 1, mutant.id
            assert bears("shifted", expected, received), mutant.id


def test_standardize_with_a_shifted_test_split_is_told_apart() -> None:
    X = np.array([[1.0, 10.0], [3.0, 14.0], [8.0, 12.0]])
    train_s, test_s = reference_loop.standardize(X, X[:2] + 100.0)
    assert np.allclose(train_s.mean(axis=0), 0.0)
    assert np.all(test_s.mean(axis=0) > 10.0)


def test_the_plain_optimizer_is_torch_optim() -> None:
    """The scenarios' own optimizer (torch.optim costs seconds to start) steps exactly alike."""
    for name, make in {
        "sgd": lambda p: torch.optim.SGD(p, lr=0.1),
        "momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        "adam": lambda p: torch.optim.Adam(p, lr=0.1),
    }.items():
        torch.manual_seed(0)
        a, b = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
        b.load_state_dict(a.state_dict())
        ours = optimizer_for({"optimizer": name, "lr": 0.1}, b)
        theirs = make(a.parameters())
        for _ in range(4):
            x = torch.randn(5, 4)
            for model, optimizer in ((a, theirs), (b, ours)):
                optimizer.zero_grad()
                model(x).pow(2).sum().backward()
                optimizer.step()
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.equal(p, q), name


def test_wine_is_scikit_learns() -> None:
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    ours_X, ours_y = wine()
    assert np.array_equal(ours_y, y)
    assert np.allclose(ours_X, (X - X.mean(axis=0)) / X.std(axis=0))


# -- through the worker --------------------------------------------------------------------------


def test_moving_only_the_features_fails_the_device_checks_only(tmp_path: Path) -> None:
    result = grade_with(tmp_path, ONLY_INPUTS_MOVED)
    assert set(failed(result)) == {"train_one_epoch-uses-device", "fit-uses-device"}
    assert result.misconceptions == ["device-ignored"]


def test_the_cli_grades_the_solution_within_budget(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "training_loop.py").write_text(SOLUTION, "utf-8")
    command = [sys.executable, "-m", "grader", "grade", "training_loop"]
    command += ["--workspace", str(workspace), "--format", "json", "--device", "cpu"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["score"] == result["max_score"] > 0
    assert result["device"] == "cpu"
    assert result["duration_s"] < 30


def test_a_numpy_exercise_grading_never_imports_torch() -> None:
    code = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from grader.runner import Options, grade
        result = grade("activations", Path("solutions/activations.py"), Options())
        assert result.score == result.max_score, result.score
        loaded = sorted(m for m in ("torch", "sklearn") if m in sys.modules)
        print(",".join(loaded))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


# -- on a GPU --------------------------------------------------------------------------------------


@pytest.mark.gpu
@needs_cuda
def test_solution_graded_on_cuda_scores_full_marks_like_on_cpu() -> None:
    path = ROOT / "solutions" / "training_loop.py"
    on_cuda = grade("training_loop", path, Options(device="cuda"))
    assert on_cuda.device == "cuda"
    assert failed(on_cuda) == {}
    assert on_cuda.score == on_cuda.max_score
    on_cpu = grade("training_loop", path, Options(device="cpu"))
    assert [(c.id, c.passed) for c in on_cuda.checks] == [(c.id, c.passed) for c in on_cpu.checks]


@pytest.mark.gpu
@needs_cuda
def test_cpu_and_cuda_runs_agree() -> None:
    """Runs without dropout (CUDA draws its masks from another generator) agree across devices."""
    learner = variant("")
    for config in (checks.ZERO_GRAD, checks.SHORT_BATCH, {**checks.DEVICE_RUN, "batchnorm": True}):
        cpu = train_epochs(learner, config, "cpu")
        cuda = train_epochs(learner, config, "cuda")
        assert counts(cuda) == counts(cpu)  # what was observed
        assert np.allclose(np.array(cuda["results"]), np.array(cpu["results"]), rtol=1e-4)
        for key, value in cpu["state"].items():
            assert np.allclose(cuda["state"][key], value, rtol=1e-4, atol=1e-5), key
    cpu = evaluate_runs(learner, checks.UNCHANGED, "cpu")
    cuda = evaluate_runs(learner, checks.UNCHANGED, "cuda")
    assert np.allclose(np.array(cuda["results"]), np.array(cpu["results"]), rtol=1e-4)


@pytest.mark.gpu
@needs_cuda
def test_ignoring_the_device_fails_the_same_checks_on_cuda(tmp_path: Path) -> None:
    on_cuda = grade_with(tmp_path, ONLY_INPUTS_MOVED, device="cuda")
    assert set(failed(on_cuda)) == {"train_one_epoch-uses-device", "fit-uses-device"}
