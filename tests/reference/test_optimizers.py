"""Oracle tests for reference/optimizers.py and solutions/optimizers.py against torch.optim.

Both sides see the same gradients: a fixed function of the current parameter
values (a quadratic whose curvature spans 1e-3 .. 10, so that the position of
``eps`` and Adam's bias correction both show), computed in numpy and handed to
torch as ``.grad``. Whole trajectories are compared in float64.
"""

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import reference.optimizers as ref
import solutions.optimizers

torch = pytest.importorskip("torch")


sol = solutions.optimizers


@pytest.fixture(params=["reference", "solution"])
def optim(request: pytest.FixtureRequest) -> ModuleType:
    return ref if request.param == "reference" else sol


_rng = np.random.default_rng(2024)
CURVATURE = {
    "W": np.logspace(-3, 1, 12).reshape(3, 4),
    "b": np.array([2.0, 1e-2, 0.5, 5e-3, 1e-3]),
}
TARGET = {"W": _rng.normal(size=(3, 4)), "b": _rng.normal(size=5)}
START = {"W": _rng.normal(size=(3, 4)), "b": _rng.normal(size=5)}
STEPS = 40


def quadratic_grads(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Gradient of ``sum(c/2 (p - t)^2) + sum(p^3) / 30`` for each key: a fixed function of p."""
    return {k: CURVATURE[k] * (p - TARGET[k]) + 0.1 * p**2 for k, p in params.items()}


def run_ours(
    optimizer: Any, steps: int = STEPS, skip_b: Callable[[int], bool] = lambda t: False
) -> list[dict[str, np.ndarray]]:
    """Trajectory read through the caller's own arrays, checking in-place updates."""
    params = {k: v.copy() for k, v in START.items()}
    arrays = dict(params)
    trajectory = []
    for t in range(steps):
        current = {k: v for k, v in params.items() if not (k == "b" and skip_b(t))}
        grads = quadratic_grads(current)
        grads_before = {k: g.copy() for k, g in grads.items()}
        optimizer.step(current, grads)
        for k in params:
            assert params[k] is arrays[k], "step must update the arrays in place"
        for k, g in grads.items():
            np.testing.assert_array_equal(g, grads_before[k], err_msg="step modified grads")
        trajectory.append({k: v.copy() for k, v in arrays.items()})
    return trajectory


def run_torch(
    make: Callable[[list[Any]], Any],
    steps: int = STEPS,
    skip_b: Callable[[int], bool] = lambda t: False,
) -> list[dict[str, np.ndarray]]:
    tensors = {
        k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in START.items()
    }
    optimizer = make(list(tensors.values()))
    trajectory = []
    for t in range(steps):
        grads = quadratic_grads({k: v.detach().numpy().copy() for k, v in tensors.items()})
        for k, tensor in tensors.items():
            tensor.grad = None if (k == "b" and skip_b(t)) else torch.from_numpy(grads[k])
        optimizer.step()
        trajectory.append({k: v.detach().numpy().copy() for k, v in tensors.items()})
    return trajectory


def assert_same_trajectory(
    ours: list[dict[str, np.ndarray]], theirs: list[dict[str, np.ndarray]]
) -> None:
    assert len(ours) == len(theirs)
    for t, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        for k in b:
            np.testing.assert_allclose(
                a[k], b[k], rtol=1e-7, atol=1e-12, err_msg=f"param {k!r} after step {t + 1}"
            )


# (ours, torch's) constructors; the bare calls check that the defaults agree too.
CASES: dict[str, tuple[Callable[[ModuleType], Any], Callable[[list[Any]], Any]]] = {
    "sgd": (lambda m: m.SGD(0.05), lambda p: torch.optim.SGD(p, lr=0.05)),
    "sgd-momentum": (
        lambda m: m.SGD(0.05, momentum=0.9),
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    ),
    "sgd-weight-decay": (
        lambda m: m.SGD(0.05, weight_decay=0.1),
        lambda p: torch.optim.SGD(p, lr=0.05, weight_decay=0.1),
    ),
    "sgd-momentum-weight-decay": (
        lambda m: m.SGD(0.03, momentum=0.8, weight_decay=0.05),
        lambda p: torch.optim.SGD(p, lr=0.03, momentum=0.8, weight_decay=0.05),
    ),
    "rmsprop-defaults": (lambda m: m.RMSProp(), lambda p: torch.optim.RMSprop(p)),
    "rmsprop-large-eps": (
        lambda m: m.RMSProp(lr=0.02, alpha=0.9, eps=1e-3),
        lambda p: torch.optim.RMSprop(p, lr=0.02, alpha=0.9, eps=1e-3),
    ),
    "adagrad-defaults": (lambda m: m.Adagrad(), lambda p: torch.optim.Adagrad(p)),
    "adagrad-large-eps": (
        lambda m: m.Adagrad(lr=0.1, eps=1e-3),
        lambda p: torch.optim.Adagrad(p, lr=0.1, eps=1e-3),
    ),
    "adam-defaults": (lambda m: m.Adam(), lambda p: torch.optim.Adam(p)),
    "adam-unusual": (
        lambda m: m.Adam(lr=0.01, betas=(0.8, 0.95), eps=1e-3, weight_decay=0.1),
        lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.95), eps=1e-3, weight_decay=0.1),
    ),
    "adam-betas": (
        lambda m: m.Adam(lr=0.05, betas=(0.5, 0.9)),
        lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.5, 0.9)),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_trajectory_matches_torch(optim: ModuleType, case: str) -> None:
    ours, theirs = CASES[case]
    assert_same_trajectory(run_ours(ours(optim)), run_torch(theirs))


@pytest.mark.parametrize("case", ["sgd-momentum-weight-decay", "rmsprop-large-eps", "adam-unusual"])
def test_state_and_step_count_are_per_key(optim: ModuleType, case: str) -> None:
    """Key "b" gets no gradient at steps 5..14 (torch skips params whose .grad is None)."""
    ours, theirs = CASES[case]

    def skip_b(t: int) -> bool:
        return 5 <= t < 15

    assert_same_trajectory(
        run_ours(ours(optim), steps=30, skip_b=skip_b), run_torch(theirs, steps=30, skip_b=skip_b)
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.SGD(0.1, momentum=0.9),
        lambda m: m.RMSProp(),
        lambda m: m.Adagrad(),
        lambda m: m.Adam(lr=0.05),
    ],
)
def test_two_keys_of_the_same_shape_do_not_share_state(
    optim: ModuleType, make: Callable[[ModuleType], Any]
) -> None:
    rng = np.random.default_rng(0)
    a0, b0 = rng.normal(size=4), rng.normal(size=4)
    both = {"a": a0.copy(), "b": b0.copy()}
    alone_a, alone_b = {"a": a0.copy()}, {"b": b0.copy()}
    opt_both, opt_a, opt_b = make(optim), make(optim), make(optim)
    for t in range(10):
        ga, gb = np.sin(t + np.arange(4.0)), 100.0 * np.cos(t - np.arange(4.0))
        opt_both.step(both, {"a": ga, "b": gb})
        opt_a.step(alone_a, {"a": ga})
        opt_b.step(alone_b, {"b": gb})
    np.testing.assert_allclose(both["a"], alone_a["a"], rtol=1e-14)
    np.testing.assert_allclose(both["b"], alone_b["b"], rtol=1e-14)


def test_adam_first_step_moves_every_coordinate_by_lr(optim: ModuleType) -> None:
    params = {"W": np.zeros((3, 4))}
    grads = {"W": CURVATURE["W"] * np.where(np.arange(12).reshape(3, 4) % 2, 1.0, -1.0)}
    optim.Adam(lr=0.01).step(params, grads)
    np.testing.assert_allclose(params["W"], -0.01 * np.sign(grads["W"]), rtol=1e-4)


EXPECTED_INIT = {
    "SGD": [("lr", inspect.Parameter.empty), ("momentum", 0.0), ("weight_decay", 0.0)],
    "RMSProp": [("lr", 0.01), ("alpha", 0.99), ("eps", 1e-8)],
    "Adagrad": [("lr", 0.01), ("eps", 1e-10)],
    "Adam": [("lr", 0.001), ("betas", (0.9, 0.999)), ("eps", 1e-8), ("weight_decay", 0.0)],
}


@pytest.mark.parametrize("name", sorted(EXPECTED_INIT))
def test_constructor_signature_matches_curriculum(optim: ModuleType, name: str) -> None:
    params = inspect.signature(getattr(optim, name)).parameters.values()
    assert [(p.name, p.default) for p in params] == EXPECTED_INIT[name]
    assert list(inspect.signature(getattr(optim, name).step).parameters) == [
        "self",
        "params",
        "grads",
    ]


@pytest.mark.parametrize(("initial_lr", "step_size", "gamma"), [(0.1, 3, 0.1), (0.5, 1, 0.7)])
def test_step_lr_matches_torch_steplr(
    optim: ModuleType, initial_lr: float, step_size: int, gamma: float
) -> None:
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=initial_lr)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma)
    for epoch in range(12):
        expected = opt.param_groups[0]["lr"]
        assert optim.step_lr(initial_lr, epoch, step_size, gamma) == pytest.approx(
            expected, rel=1e-12
        )
        opt.step()
        scheduler.step()


def test_step_lr_values(optim: ModuleType) -> None:
    assert optim.step_lr(0.1, 0, 10) == pytest.approx(0.1)
    assert optim.step_lr(0.1, 9, 10) == pytest.approx(0.1)
    assert optim.step_lr(0.1, 10, 10) == pytest.approx(0.01)
    assert optim.step_lr(0.1, 25, 10) == pytest.approx(0.001)
    assert optim.step_lr(1.0, 4, 2, gamma=0.5) == pytest.approx(0.25)


def test_solution_agrees_with_reference() -> None:
    for case, (ours, _) in CASES.items():
        for a, b in zip(run_ours(ours(sol), steps=10), run_ours(ours(ref), steps=10), strict=True):
            for k in a:
                np.testing.assert_allclose(a[k], b[k], rtol=1e-12, err_msg=case)
