"""Specific verdicts of the `cnn` checks: geometries, fixed cases, devices, digits, GPU.

Most tests run the checks in-process on the reference, the solution and
variants of it; a few grade files for real, through the worker. Tests marked
`gpu` run the checks on CUDA and are skipped without it.
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
from hypothesis import find

torch = pytest.importorskip("torch")

import reference.cnn as reference_cnn  # noqa: E402
from grader.engine import Context, ModuleSubject, agrees  # noqa: E402
from grader.engine.mutants import bears  # noqa: E402
from grader.exercises.cnn import checks  # noqa: E402
from grader.exercises.cnn import scenarios as run  # noqa: E402
from grader.exercises.cnn.scenarios import (  # noqa: E402
    FixedDevices,
    count_models,
    digits_accuracy,
    left_behind,
    runs_anywhere,
    simple_cnn,
)
from grader.runner import Options, grade  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "cnn.py").read_text("utf-8")
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def variant(override: str) -> types.ModuleType:
    """The solution with some definitions replaced, as a module in this process."""
    module = types.ModuleType("variant_cnn")
    source = SOLUTION + "\n\n" + textwrap.dedent(override)
    exec(compile(source, "<variant cnn>", "exec"), module.__dict__)
    return module


def run_check(check_id: str, learner: types.ModuleType, device: str = "cpu"):
    check = next(c for c in checks.EXERCISE.checks if c.id == check_id)
    ctx = Context(
        exercise="cnn",
        learner=ModuleSubject(learner),
        reference=ModuleSubject(reference_cnn),
        secret="test-secret",
        device=device,
        max_examples=10,
    )
    return check.run(ctx)


def failed(result) -> dict[str, str]:
    return {c.id: c.message for c in result.checks if not c.passed}


# -- the inputs ------------------------------------------------------------------------------------


def _geometry(drawn) -> dict[str, int]:
    x, w, _, _, kwargs = drawn
    (h, width), (kh, kw) = x.shape[2:], w.shape[2:]
    stride, padding = kwargs.get("stride", 1), kwargs.get("padding", 0)
    return {"h": h, "w": width, "kh": kh, "kw": kw, "s": stride, "p": padding}


def _uneven(g: dict[str, int]) -> bool:
    """The stride does not divide the room the kernel has: the last window does not fit."""
    return g["s"] > 1 and (g["h"] + 2 * g["p"] - g["kh"]) % g["s"] != 0


def test_conv_examples_reach_the_geometries_that_expose_mistakes() -> None:
    strategy = checks.conv_layer.strategy.map(_geometry)
    assert find(strategy, lambda g: g["h"] != g["w"])
    assert find(strategy, lambda g: g["kh"] != g["kw"])
    assert find(strategy, _uneven)
    assert find(strategy, lambda g: g["p"] > 0 and g["s"] > 1)


def test_every_drawn_call_is_valid() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        x, w, b, dout, kwargs = checks.conv_layer.draw(rng)
        assert reference_cnn.conv2d_forward(x, w, b, **kwargs).shape == dout.shape
        assert reference_cnn.conv2d_backward(dout, x, w, b, **kwargs)[0].shape == x.shape
        x, dout, kwargs = checks.pool_layer.draw(rng)
        assert len(np.unique(x)) == x.size  # no ties in a max
        assert reference_cnn.maxpool2d_forward(x, **kwargs).shape == dout.shape
        assert reference_cnn.maxpool2d_backward(dout, x, **kwargs).shape == x.shape


def test_each_family_probe_tells_every_member_from_the_reference() -> None:
    assert len(checks.EXERCISE.mutants) >= 18
    for mutant in checks.EXERCISE.mutants:
        mistaken = mutant.probe(ModuleSubject(mutant.module()))
        expected = mutant.probe(ModuleSubject(reference_cnn))
        assert not agrees(expected, mistaken, mutant.rtol, mutant.atol), mutant.id


def test_a_bias_gradient_summed_over_too_few_axes_is_named_by_the_family_signature() -> None:
    """No member sums over (0, 2) only; the axis-sum signature still names the mistake."""
    learner = types.ModuleType("db_axes")
    wrong = SOLUTION.replace("db = dout.sum(axis=(0, 2, 3))", "db = dout.sum(axis=(0, 2))")
    exec(compile(wrong, "<db axes>", "exec"), learner.__dict__)
    family = [m for m in checks.EXERCISE.mutants if m.misconception == "conv-db-not-summed"]
    probe = family[0].probe
    expected, received = probe(ModuleSubject(reference_cnn)), probe(ModuleSubject(learner))
    assert family[0].signature == "axis-sum" and bears("axis-sum", expected, received)
    assert not any(agrees(probe(ModuleSubject(m.module())), received) for m in family)
    assert not bears("axis-sum", expected, expected)
    unfinished = types.ModuleType("db_none")  # db left as None: no relation, and no crash
    exec(
        compile(SOLUTION.replace("db = dout.sum(axis=(0, 2, 3))", "db = None"), "<db>", "exec"),
        unfinished.__dict__,
    )
    assert not bears("axis-sum", expected, probe(ModuleSubject(unfinished)))


def test_pooling_gradients_in_the_fixed_cases_are_all_identifiable() -> None:
    x = checks.POOL_X
    assert len(np.unique(x)) == x.size
    for dout, kwargs in ((checks.RAMP, {"size": 3, "stride": 1}), (checks.RAMP6, {})):
        assert len(np.unique(dout)) == dout.size
        dx = reference_cnn.maxpool2d_backward(dout, x, **kwargs)
        assert np.isclose(dx.sum(), dout.sum())  # every share lands somewhere, once


# -- SimpleCNN and count_parameters -------------------------------------------------------------

ANOTHER_SIMPLE_CNN = """
import torch.nn.functional as F


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding="same")
        self.conv2 = nn.Conv2d(32, 64, (3, 3), stride=1, padding=1)
        self.fc1 = nn.Linear(4096, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), kernel_size=2, stride=2)
        x = x.view(x.size(0), -1)
        return self.fc2(F.relu(self.fc1(x)))


def count_parameters(model):
    total = 0
    for p in model.parameters():
        if p.requires_grad:
            total += p.numel()
    return total
"""


def test_another_correct_simple_cnn_passes() -> None:
    learner = variant(ANOTHER_SIMPLE_CNN)
    for check_id in (
        "SimpleCNN-layers",
        "SimpleCNN-forward",
        "SimpleCNN-hidden",
        "SimpleCNN-runs-on-any-device",
        "count_parameters-models",
        "count_parameters-hidden",
    ):
        verdict = run_check(check_id, learner)
        assert verdict.passed, (check_id, verdict.message)


def test_a_missing_padding_is_named_in_the_layers_check() -> None:
    learner = variant(ANOTHER_SIMPLE_CNN.replace('padding="same"', "padding=0"))
    verdict = run_check("SimpleCNN-layers", learner)
    assert not verdict.passed
    assert "self.conv1 should be Conv2d(3, 32" in verdict.message
    assert "padding=(0, 0)" in verdict.message


def test_counts_of_the_fixed_models() -> None:
    counts = count_models(reference_cnn, [spec for _, spec in run.COUNTED])
    assert counts[0] == 545_098 == reference_cnn.count_parameters(reference_cnn.SimpleCNN())
    assert counts[1] == 8 * 9 + 8 + 16 + 72 * 10 + 10  # batch norm's buffers do not count
    assert counts[2] == 72 * 10  # frozen conv and batch norm, linear without bias
    assert counts[4] == 0


def test_counting_frozen_parameters_fails() -> None:
    learner = variant(
        "def count_parameters(model):\n    return sum(p.numel() for p in model.parameters())\n"
    )
    verdict = run_check("count_parameters-models", learner)
    assert not verdict.passed
    assert "frozen" in verdict.message


# -- devices ----------------------------------------------------------------------------------------

REGISTERED_AND_ON_DEVICE = """
class DigitsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("center", torch.full((1, 1, 8, 8), 0.3))
        self.scale = 2.0
        self.layers = nn.ModuleList([nn.Conv2d(1, 16, 3, padding=1), nn.Linear(16 * 4 * 4, 10)])

    def forward(self, x):
        x = (x - self.center) * self.scale
        x = torch.max_pool2d(torch.relu(self.layers[0](x)), 2)
        bias = torch.zeros(10, device=x.device) + torch.tensor(0.0)
        return self.layers[1](x.flatten(1)) + bias


def build_digits_model():
    return DigitsNet()
"""

CREATES_ON_THE_CPU = """
class DigitsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))

    def forward(self, x):
        return self.net(x) + torch.zeros(x.shape[0], 10)


def build_digits_model():
    return DigitsNet()
"""

LAYERS_IN_A_LIST = """
class DigitsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [nn.Flatten(), nn.Linear(64, 10)]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def build_digits_model():
    return DigitsNet()
"""


def test_registered_buffers_and_tensors_on_the_input_device_pass() -> None:
    learner = variant(REGISTERED_AND_ON_DEVICE)
    seen = runs_anywhere(learner, "build_digits_model", "cpu")
    assert seen["left_behind"] == [] and seen["fixed_device"] == []
    assert run_check("build_digits_model-runs-on-any-device", learner).passed


def test_tensors_created_on_the_cpu_in_forward_are_seen_on_a_cpu_only_machine() -> None:
    verdict = run_check("build_digits_model-runs-on-any-device", variant(CREATES_ON_THE_CPU))
    assert not verdict.passed
    assert "torch.zeros(...) without device=" in verdict.message
    mutant = next(m for m in checks.EXERCISE.mutants if m.misconception == "device-ignored")
    assert mutant.probe(ModuleSubject(variant(CREATES_ON_THE_CPU))) is True
    assert mutant.probe(ModuleSubject(reference_cnn)) is False


def test_layers_kept_in_a_plain_list_are_left_behind() -> None:
    model = variant(LAYERS_IN_A_LIST).build_digits_model()
    assert left_behind(model) == ["layers"]
    assert left_behind(reference_cnn.SimpleCNN()) == []


def test_the_watch_lets_zero_dimensional_and_device_aware_tensors_through() -> None:
    x = torch.ones(2, 3)
    with FixedDevices() as watch:
        torch.zeros(3, device=x.device)
        torch.tensor(2.0)
        x.new_zeros(4)
        torch.zeros_like(x)
        torch.as_tensor(x)
    assert watch.found == []
    with FixedDevices() as watch:
        torch.ones(3)
        x.cpu()
    assert watch.found == ["torch.ones(...) without device=", "x.cpu()"]


# -- the digits --------------------------------------------------------------------------------------


def test_digits_are_scikit_learns_and_the_split_is_stratified() -> None:
    from sklearn.datasets import load_digits

    images, labels = run.digits()
    bunch = load_digits()
    assert np.array_equal(labels, bunch.target)
    assert np.allclose(images.reshape(len(labels), 64), bunch.data / 16.0)
    train, test = run.stratified_split(labels, 0)
    assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == len(labels)
    share = np.bincount(labels[test], minlength=10) / np.bincount(labels, minlength=10)
    assert np.all(np.abs(share - 0.25) < 0.02)
    again, _ = run.stratified_split(labels, 0)
    assert np.array_equal(train, again)


@pytest.mark.slow
def test_the_reference_digits_model_clears_the_bar_for_several_seeds() -> None:
    images, labels = run.digits()
    for seed in (1, 2):
        train, test = run.stratified_split(labels, seed)
        args = (images[train], labels[train], images[test], labels[test], seed, 20, "cpu")
        assert digits_accuracy(reference_cnn, *args)["accuracy"] >= 0.95


def test_a_model_that_cannot_learn_fails_the_accuracy_check() -> None:
    """A linear model on a tenth of the epochs: far below 0.95, with its loss curve."""
    learner = variant(
        "def build_digits_model():\n    return nn.Sequential(nn.Flatten(), nn.Linear(64, 10))\n"
    )
    args = run.digits_args("cpu")
    args[5] = 2
    trained = digits_accuracy(learner, *args)
    assert trained["accuracy"] < 0.95 and len(trained["losses"]) == 2


def test_a_wrong_output_shape_is_explained() -> None:
    learner = variant(
        "def build_digits_model():\n    return nn.Sequential(nn.Flatten(), nn.Linear(64, 5))\n"
    )
    with pytest.raises(ValueError, match=r"must return logits of shape \(64, 10\)"):
        digits_accuracy(learner, *run.digits_args("cpu"))


# -- through the worker ---------------------------------------------------------------------------

VECTORISED = """
from numpy.lib.stride_tricks import sliding_window_view


def conv2d_forward(x, w, b, stride=1, padding=0):
    kh, kw = w.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    fields = sliding_window_view(x_pad, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("nchwpq,fcpq->nfhw", fields, w) + b[None, :, None, None]


def maxpool2d_forward(x, size=2, stride=2):
    return sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride].max(
        axis=(4, 5)
    )
"""


def test_a_vectorised_numpy_style_gets_full_marks(tmp_path: Path) -> None:
    path = tmp_path / "cnn.py"
    path.write_text(SOLUTION + "\n\n" + VECTORISED, "utf-8")
    result = grade("cnn", path, Options())
    assert failed(result) == {}
    assert result.score == result.max_score


def test_the_cli_grades_the_solution_within_budget(tmp_path: Path) -> None:
    (tmp_path / "cnn.py").write_text(SOLUTION, "utf-8")
    command = [sys.executable, "-m", "grader", "grade", "cnn", "--workspace", str(tmp_path)]
    done = subprocess.run(
        [*command, "--format", "json", "--device", "cpu"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["score"] == result["max_score"] > 0
    assert result["duration_s"] < 30


# -- on a GPU ---------------------------------------------------------------------------------------


@pytest.mark.gpu
@needs_cuda
def test_solution_graded_on_cuda_scores_full_marks_like_on_cpu() -> None:
    path = ROOT / "solutions" / "cnn.py"
    on_cuda = grade("cnn", path, Options(device="cuda"))
    assert on_cuda.device == "cuda"
    assert failed(on_cuda) == {}
    on_cpu = grade("cnn", path, Options(device="cpu"))
    assert [(c.id, c.passed) for c in on_cuda.checks] == [(c.id, c.passed) for c in on_cpu.checks]
    assert on_cuda.score == on_cpu.score == on_cuda.max_score


@pytest.mark.gpu
@needs_cuda
def test_cpu_and_cuda_runs_agree() -> None:
    learner = variant("")
    for seed, batch in ((0, 2), (1, 3)):
        cpu = simple_cnn(learner, seed, batch, "cpu")
        cuda = simple_cnn(learner, seed, batch, "cuda")
        assert cuda["layers"] == cpu["layers"]
        assert np.allclose(cuda["output"], cpu["output"], rtol=1e-4, atol=1e-5)
    for which in ("SimpleCNN", "build_digits_model"):
        assert runs_anywhere(learner, which, "cuda")["output_device"] == "cuda"
    accuracy = digits_accuracy(learner, *run.digits_args("cuda"))["accuracy"]
    assert accuracy >= 0.95


@pytest.mark.gpu
@needs_cuda
def test_a_model_left_on_the_cpu_fails_the_same_check_on_cuda(tmp_path: Path) -> None:
    """The device check fails on both machines, and nothing else fails on either."""
    mutant = next(m for m in checks.EXERCISE.mutants if m.misconception == "device-ignored")
    path = tmp_path / "cnn.py"
    path.write_text(mutant.text(), "utf-8")
    on_cuda = grade("cnn", path, Options(device="cuda"))
    on_cpu = grade("cnn", path, Options(device="cpu"))
    assert set(failed(on_cuda)) == set(failed(on_cpu)) == {"build_digits_model-runs-on-any-device"}
