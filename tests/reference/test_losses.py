"""reference.losses against torch float64 autograd; solutions/losses.py against the reference."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

import solutions.losses
from reference import losses

torch = pytest.importorskip("torch")
F = torch.nn.functional

RTOL = 1e-10
ATOL = 1e-12

SHAPES = [(1,), (5,), (1, 3), (4, 3), (2, 3, 4)]
CE_SIZES = [(1, 1), (1, 2), (1, 5), (4, 3), (16, 10)]
EXTREME_LOGITS = [
    (np.array([[1000.0, 0.0, -1000.0]]), np.array([0])),
    (np.array([[1000.0, 0.0, -1000.0]]), np.array([2])),
    (np.array([[-1000.0, -1000.0], [1000.0, 1000.0]]), np.array([0, 1])),
    (np.array([[1000.0, -1000.0], [-1000.0, 999.0], [3.0, -1000.0]]), np.array([1, 1, 0])),
]


@pytest.fixture(scope="module")
def solution() -> ModuleType:
    return solutions.losses


def t(a: np.ndarray, grad: bool = False) -> torch.Tensor:
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def torch_ce(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy and its gradient w.r.t. the logits, by torch autograd."""
    z = t(logits, grad=True)
    loss = F.cross_entropy(z, torch.from_numpy(labels).long())
    loss.backward()
    return loss.item(), z.grad.numpy()


def ce_case(N: int, K: int, scale: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return scale * rng.normal(size=(N, K)), rng.integers(0, K, size=N)


# --- mean squared error -------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_mse_and_grad_match_torch(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(len(shape) * 10 + shape[0])
    y_pred, y_true = rng.normal(size=shape), rng.normal(size=shape)
    before = (y_pred.copy(), y_true.copy())

    yp = t(y_pred, grad=True)
    expected = F.mse_loss(yp, t(y_true))
    expected.backward()

    loss = losses.mse(y_pred, y_true)
    grad = losses.mse_grad(y_pred, y_true)
    np.testing.assert_allclose(loss, expected.item(), rtol=RTOL, atol=ATOL)
    assert grad.shape == shape
    np.testing.assert_allclose(grad, yp.grad.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(y_pred, before[0])
    np.testing.assert_array_equal(y_true, before[1])


# --- binary cross-entropy -----------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("soft_targets", [False, True])
def test_bce_matches_torch(shape: tuple[int, ...], soft_targets: bool) -> None:
    rng = np.random.default_rng(len(shape) * 10 + shape[0] + 100 * soft_targets)
    p = rng.uniform(0.01, 0.99, size=shape)
    y = rng.uniform(size=shape) if soft_targets else rng.integers(0, 2, size=shape) * 1.0

    expected = F.binary_cross_entropy(t(p), t(y)).item()
    np.testing.assert_allclose(losses.binary_cross_entropy(p, y), expected, rtol=RTOL, atol=ATOL)


def test_bce_finite_at_probabilities_zero_and_one() -> None:
    p = np.array([0.0, 1.0, 0.0, 1.0])
    p_before = p.copy()

    right = losses.binary_cross_entropy(p[:2], np.array([0.0, 1.0]))
    wrong = losses.binary_cross_entropy(p[2:], np.array([1.0, 0.0]))
    mixed = losses.binary_cross_entropy(p, np.array([0.0, 1.0, 1.0, 0.0]))

    assert np.isfinite([right, wrong, mixed]).all()
    assert 0.0 <= right < 1e-9
    # Each confident mistake costs -log(eps): large but finite.
    assert wrong == pytest.approx(-np.log(losses.EPS), rel=1e-3)
    assert mixed == pytest.approx((right + wrong) / 2, rel=1e-12)
    assert losses.EPS <= 1e-7
    np.testing.assert_array_equal(p, p_before)


# --- cross-entropy ------------------------------------------------------------------------


@pytest.mark.parametrize(("N", "K"), CE_SIZES)
@pytest.mark.parametrize("scale", [1.0, 10.0, 1e3])
def test_cross_entropy_and_grad_match_torch(N: int, K: int, scale: float) -> None:
    logits, labels = ce_case(N, K, scale, seed=N * K + int(scale))
    before = (logits.copy(), labels.copy())
    expected_loss, expected_grad = torch_ce(logits, labels)

    loss = losses.cross_entropy(logits, labels)
    grad = losses.cross_entropy_grad(logits, labels)

    assert np.isfinite(loss)
    assert np.isfinite(grad).all()
    assert grad.shape == (N, K)
    np.testing.assert_allclose(loss, expected_loss, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(grad, expected_grad, rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(logits, before[0])
    np.testing.assert_array_equal(labels, before[1])


@pytest.mark.parametrize(("logits", "labels"), EXTREME_LOGITS)
def test_cross_entropy_stable_for_logits_of_magnitude_1e3(
    logits: np.ndarray, labels: np.ndarray
) -> None:
    expected_loss, expected_grad = torch_ce(logits, labels)

    loss = losses.cross_entropy(logits, labels)
    grad = losses.cross_entropy_grad(logits, labels)

    assert np.isfinite(loss)
    assert np.isfinite(grad).all()
    np.testing.assert_allclose(loss, expected_loss, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(grad, expected_grad, rtol=RTOL, atol=ATOL)


def test_cross_entropy_confident_mistake_costs_the_logit_gap() -> None:
    # softmax([1000, 0, -1000])[2] = e^-2000 underflows, yet -log of it is ~2000.
    loss = losses.cross_entropy(np.array([[1000.0, 0.0, -1000.0]]), np.array([2]))
    assert loss == pytest.approx(2000.0, rel=1e-12)


# --- solutions/losses.py agrees with the reference ----------------------------------------


def test_solution_matches_reference(solution: ModuleType) -> None:
    rng = np.random.default_rng(123)
    for shape in SHAPES:
        a, b = rng.normal(size=shape), rng.normal(size=shape)
        assert solution.mse(a, b) == losses.mse(a, b)
        np.testing.assert_array_equal(solution.mse_grad(a, b), losses.mse_grad(a, b))
        p, y = rng.uniform(size=shape), rng.integers(0, 2, size=shape) * 1.0
        assert solution.binary_cross_entropy(p, y) == losses.binary_cross_entropy(p, y)
    p, y = np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0])
    assert solution.binary_cross_entropy(p, y) == losses.binary_cross_entropy(p, y)

    cases = [ce_case(N, K, scale, seed=N + K) for N, K in CE_SIZES for scale in (1.0, 1e3)]
    for logits, labels in cases + EXTREME_LOGITS:
        assert solution.cross_entropy(logits, labels) == losses.cross_entropy(logits, labels)
        np.testing.assert_array_equal(
            solution.cross_entropy_grad(logits, labels),
            losses.cross_entropy_grad(logits, labels),
        )
