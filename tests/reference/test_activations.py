"""reference.activations against torch in float64, and the solution against the reference."""

from __future__ import annotations

import numpy as np
import pytest

from reference import activations as ref
from solutions import activations as solution

torch = pytest.importorskip("torch")
F = torch.nn.functional

Z = np.concatenate([np.linspace(-30, 30, 61), [-1000.0, -300.0, -1e-8, 0.0, 1e-8, 300.0, 1000.0]])
ALPHAS = [0.01, 0.2, 1.5]


def _grad(fn, z: np.ndarray) -> np.ndarray:
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    fn(t).sum().backward()
    return t.grad.numpy()


@pytest.mark.parametrize(
    ("name", "oracle"),
    [("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("relu", torch.relu)],
)
def test_forward_and_grad_equal_torch(name: str, oracle) -> None:
    t = torch.tensor(Z, dtype=torch.float64)
    np.testing.assert_allclose(getattr(ref, name)(Z), oracle(t).numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(
        getattr(ref, f"{name}_grad")(Z), _grad(oracle, Z), rtol=1e-7, atol=1e-15
    )


@pytest.mark.parametrize("alpha", ALPHAS)
def test_leaky_relu_and_elu_equal_torch(alpha: float) -> None:
    t = torch.tensor(Z, dtype=torch.float64)
    np.testing.assert_allclose(ref.leaky_relu(Z, alpha), F.leaky_relu(t, alpha).numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        ref.leaky_relu_grad(Z, alpha), _grad(lambda x: F.leaky_relu(x, alpha), Z)
    )
    np.testing.assert_allclose(ref.elu(Z, alpha), F.elu(t, alpha).numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        ref.elu_grad(Z, alpha), _grad(lambda x: F.elu(x, alpha), Z), rtol=1e-12
    )


def test_kinks_follow_the_curriculum() -> None:
    kink = np.array([0.0])
    assert ref.relu_grad(kink)[0] == 0.0
    assert ref.leaky_relu_grad(kink, 0.2)[0] == 0.2
    assert ref.elu_grad(kink, 1.5)[0] == 1.5


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_equals_torch_and_is_stable(axis: int) -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(0, 300, size=(4, 5))
    z[0, 0] = 1000.0
    expected = torch.softmax(torch.tensor(z), dim=axis).numpy()
    np.testing.assert_allclose(ref.softmax(z, axis=axis), expected, rtol=1e-12, atol=1e-300)
    assert np.isfinite(ref.softmax(np.array([[1e4, -1e4], [-1e4, -1e4]]))).all()


def test_solution_agrees_with_reference() -> None:
    rng = np.random.default_rng(1)
    z = rng.normal(0, 50, size=(3, 4, 2))
    for name in ("sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad"):
        np.testing.assert_allclose(getattr(solution, name)(z), getattr(ref, name)(z), rtol=1e-12)
    for name in ("leaky_relu", "leaky_relu_grad", "elu", "elu_grad"):
        np.testing.assert_allclose(
            getattr(solution, name)(z, 0.3), getattr(ref, name)(z, 0.3), rtol=1e-12
        )
    np.testing.assert_allclose(solution.softmax(z, axis=1), ref.softmax(z, axis=1), rtol=1e-12)
