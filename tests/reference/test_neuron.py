"""reference.neuron against torch float64, and solutions/neuron.py against the reference."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import numpy as np
import pytest

import solutions.neuron
from reference import activations, neuron

torch = pytest.importorskip("torch")
F = torch.nn.functional

RTOL = 1e-10
ATOL = 1e-12


@pytest.fixture(scope="module")
def solution() -> ModuleType:
    return solutions.neuron


def t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a)).to(torch.float64)


def separable_data(rng: np.random.Generator, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Points labelled by the line 2 x0 - x1 + 0.5 = 0, none within 0.2 of it."""
    w_true, b_true = np.array([2.0, -1.0]), 0.5
    X = rng.uniform(-3.0, 3.0, size=(4 * n, 2))
    margin = (X @ w_true + b_true) / np.linalg.norm(w_true)
    X = X[np.abs(margin) > 0.2][:n]
    y = (X @ w_true + b_true > 0).astype(np.int64)
    return X, y


def train_perceptron(
    module: ModuleType, X: np.ndarray, y: np.ndarray, lr: float, max_epochs: int = 500
) -> tuple[np.ndarray, float, int]:
    """Rosenblatt's algorithm: sweep until an epoch makes no mistake; returns (w, b, epochs)."""
    w, b = np.zeros(X.shape[1]), 0.0
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for x_i, y_i in zip(X, y, strict=True):
            mistakes += int(module.perceptron_predict(x_i[None, :], w, b)[0] != y_i)
            w, b = module.perceptron_update(w, b, x_i, int(y_i), lr)
        if mistakes == 0:
            return w, b, epoch
    return w, b, max_epochs + 1


# --- weighted_sum and neuron_output -------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 5, 17])
def test_weighted_sum_matches_torch_dot(n: int) -> None:
    rng = np.random.default_rng(n)
    x, w, b = rng.normal(size=n), rng.normal(size=n), float(rng.normal())
    x_before, w_before = x.copy(), w.copy()

    z = neuron.weighted_sum(x, w, b)

    expected = (torch.dot(t(w), t(x)) + b).item()
    assert np.isfinite(z)
    np.testing.assert_allclose(z, expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(w, w_before)


def test_weighted_sum_includes_bias() -> None:
    x, w = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    assert neuron.weighted_sum(x, w, 0.0) == 1.0
    assert neuron.weighted_sum(x, w, 2.5) == 3.5


@pytest.mark.parametrize(
    ("np_act", "torch_act"),
    [
        (activations.sigmoid, torch.sigmoid),
        (np.tanh, torch.tanh),
        (activations.relu, torch.relu),
    ],
)
@pytest.mark.parametrize("n", [1, 4])
def test_neuron_output_matches_torch(
    np_act: Callable[[np.ndarray], np.ndarray],
    torch_act: Callable[[torch.Tensor], torch.Tensor],
    n: int,
) -> None:
    rng = np.random.default_rng(10 + n)
    for _ in range(5):
        x, w, b = rng.normal(size=n), rng.normal(size=n), float(rng.normal())
        a = neuron.neuron_output(x, w, b, np_act)
        expected = torch_act(torch.dot(t(w), t(x)) + b).item()
        np.testing.assert_allclose(a, expected, rtol=RTOL, atol=ATOL)


# --- dense_forward ------------------------------------------------------------------------


@pytest.mark.parametrize(("N", "d", "H"), [(1, 1, 1), (1, 3, 5), (4, 3, 3), (7, 5, 2), (3, 2, 6)])
def test_dense_forward_matches_torch_linear(N: int, d: int, H: int) -> None:
    rng = np.random.default_rng(100 * N + 10 * d + H)
    X, W, b = rng.normal(size=(N, d)), rng.normal(size=(H, d)), rng.normal(size=H)
    before = [X.copy(), W.copy(), b.copy()]

    Z = neuron.dense_forward(X, W, b)

    assert Z.shape == (N, H)
    assert Z.dtype == np.float64
    np.testing.assert_allclose(Z, F.linear(t(X), t(W), t(b)).numpy(), rtol=RTOL, atol=ATOL)
    for arr, old in zip([X, W, b], before, strict=True):
        np.testing.assert_array_equal(arr, old)


def test_dense_forward_non_contiguous_inputs() -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(4, 6)).T  # (6, 4) transposed view
    W = rng.normal(size=(4, 3)).T  # (3, 4) transposed view
    b = rng.normal(size=3)
    expected = F.linear(t(X), t(W), t(b)).numpy()
    np.testing.assert_allclose(neuron.dense_forward(X, W, b), expected, rtol=RTOL, atol=ATOL)


# --- perceptron ---------------------------------------------------------------------------


@pytest.mark.parametrize(("N", "d"), [(1, 2), (9, 3), (20, 1)])
def test_perceptron_predict_matches_torch_step(N: int, d: int) -> None:
    rng = np.random.default_rng(N + d)
    X, w, b = rng.normal(size=(N, d)), rng.normal(size=d), float(rng.normal())

    y_hat = neuron.perceptron_predict(X, w, b)

    expected = F.linear(t(X), t(w[None, :]), torch.tensor([b], dtype=torch.float64)) > 0
    assert y_hat.shape == (N,)
    assert y_hat.dtype == np.int64
    np.testing.assert_array_equal(y_hat, expected.long().squeeze(1).numpy())


def test_perceptron_predict_boundary_is_class_zero() -> None:
    X = np.array([[1.0, 1.0], [2.0, 1.0], [1.0, 2.0], [0.0, 0.0]])
    w = np.array([1.0, -1.0])
    np.testing.assert_array_equal(neuron.perceptron_predict(X, w, 0.0), [0, 1, 0, 0])


@pytest.mark.parametrize(("x", "y"), [([2.0, 1.0], 1), ([1.0, 2.0], 0), ([-1.0, 3.0], 0)])
def test_perceptron_update_leaves_params_when_right(x: list[float], y: int) -> None:
    w, b = np.array([1.0, -1.0]), 0.25
    x_arr = np.array(x)
    assert neuron.perceptron_predict(x_arr[None, :], w, b)[0] == y

    w_new, b_new = neuron.perceptron_update(w, b, x_arr, y, lr=0.7)

    np.testing.assert_array_equal(w_new, [1.0, -1.0])
    assert b_new == 0.25
    np.testing.assert_array_equal(w, [1.0, -1.0])


@pytest.mark.parametrize(("y", "sign"), [(1, 1.0), (0, -1.0)])
def test_perceptron_update_moves_towards_label_when_wrong(y: int, sign: float) -> None:
    w, b, lr = np.array([0.5, -2.0]), -0.5, 0.3
    x = np.array([1.5, 0.25]) if y == 1 else np.array([1.5, -0.25])
    assert neuron.perceptron_predict(x[None, :], w, b)[0] == 1 - y
    w_before, x_before = w.copy(), x.copy()

    w_new, b_new = neuron.perceptron_update(w, b, x, y, lr)

    np.testing.assert_allclose(w_new, w_before + sign * lr * x_before, rtol=0, atol=1e-15)
    assert b_new == pytest.approx(b + sign * lr, abs=1e-15)
    np.testing.assert_array_equal(w, w_before)
    np.testing.assert_array_equal(x, x_before)


def test_perceptron_learns_logical_and() -> None:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 0, 0, 1])
    w, b, epochs = train_perceptron(neuron, X, y, lr=1.0)
    assert epochs <= 20
    np.testing.assert_array_equal(neuron.perceptron_predict(X, w, b), y)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_perceptron_converges_on_separable_data(seed: int) -> None:
    X, y = separable_data(np.random.default_rng(seed))
    assert 0 < y.sum() < len(y)
    w, b, epochs = train_perceptron(neuron, X, y, lr=0.5)
    assert epochs <= 500, "Rosenblatt's algorithm must converge on separable data"
    np.testing.assert_array_equal(neuron.perceptron_predict(X, w, b), y)


# --- solutions/neuron.py agrees with the reference ----------------------------------------


def test_solution_matches_reference(solution: ModuleType) -> None:
    rng = np.random.default_rng(42)
    for n in [1, 3, 8]:
        x, w, b = rng.normal(size=n), rng.normal(size=n), float(rng.normal())
        assert solution.weighted_sum(x, w, b) == neuron.weighted_sum(x, w, b)
        for act in (activations.sigmoid, np.tanh, activations.relu):
            assert solution.neuron_output(x, w, b, act) == neuron.neuron_output(x, w, b, act)
    for N, d, H in [(1, 2, 3), (5, 4, 2)]:
        X, W, b_vec = rng.normal(size=(N, d)), rng.normal(size=(H, d)), rng.normal(size=H)
        np.testing.assert_array_equal(
            solution.dense_forward(X, W, b_vec), neuron.dense_forward(X, W, b_vec)
        )
        y_sol = solution.perceptron_predict(X, W[0], b_vec[0])
        assert y_sol.dtype == np.int64
        np.testing.assert_array_equal(y_sol, neuron.perceptron_predict(X, W[0], b_vec[0]))


def test_solution_perceptron_training_matches_reference(solution: ModuleType) -> None:
    X, y = separable_data(np.random.default_rng(3))
    w_sol, b_sol, epochs_sol = train_perceptron(solution, X, y, lr=0.5)
    w_ref, b_ref, epochs_ref = train_perceptron(neuron, X, y, lr=0.5)
    assert epochs_sol == epochs_ref
    np.testing.assert_array_equal(w_sol, w_ref)
    assert b_sol == b_ref
