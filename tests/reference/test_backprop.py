"""reference.backprop against torch float64 autograd; solutions/backprop.py against reference."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import numpy as np
import pytest

import solutions.backprop
from reference import backprop

torch = pytest.importorskip("torch")
F = torch.nn.functional

RTOL = 1e-10
ATOL = 1e-12
KEYS = ("W1", "b1", "W2", "b2")

# (N, d, H, K), K classes: batch of 1, non-square weights, and one all-square case.
SIZES = [(1, 3, 5, 2), (2, 4, 7, 3), (5, 3, 3, 3), (8, 6, 4, 5), (16, 10, 20, 10)]

Params = dict[str, np.ndarray]


@pytest.fixture(scope="module")
def solution() -> ModuleType:
    return solutions.backprop


def make_case(
    N: int, d: int, H: int, K: int, seed: int, logit_scale: float = 1.0
) -> tuple[Params, np.ndarray, np.ndarray]:
    """Non-zero, non-uniform parameters (biases included), inputs and labels."""
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.normal(size=(H, d)),
        "b1": 0.5 * rng.normal(size=H),
        "W2": logit_scale * rng.normal(size=(K, H)),
        "b2": 0.5 * rng.normal(size=K),
    }
    X = rng.normal(size=(N, d))
    labels = rng.integers(0, K, size=N)
    return params, X, labels


def torch_network(
    params: Params, X: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, float, Params]:
    """probs, mean CE loss and its parameter gradients, by torch autograd."""
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    z1 = F.linear(torch.from_numpy(X), tp["W1"], tp["b1"])
    z2 = F.linear(torch.relu(z1), tp["W2"], tp["b2"])
    loss = F.cross_entropy(z2, torch.from_numpy(labels).long())
    loss.backward()
    probs = torch.softmax(z2, dim=1).detach().numpy()
    return probs, loss.item(), {k: v.grad.numpy() for k, v in tp.items()}


def normwise_rel_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a) + np.abs(b))), 1e-300))


def copy_params(params: Params) -> Params:
    return {k: v.copy() for k, v in params.items()}


def assert_params_equal(actual: Params, expected: Params) -> None:
    assert actual.keys() == expected.keys()
    for key in expected:
        np.testing.assert_array_equal(actual[key], expected[key], err_msg=key)


# --- init_params --------------------------------------------------------------------------


@pytest.mark.parametrize(("d", "H", "K"), [(1, 1, 1), (4, 7, 3), (10, 5, 10)])
def test_init_params_shapes_zero_biases_and_draw_order(d: int, H: int, K: int) -> None:
    params = backprop.init_params(d, H, K, np.random.default_rng(5))

    expected_shapes = {"W1": (H, d), "b1": (H,), "W2": (K, H), "b2": (K,)}
    assert {k: v.shape for k, v in params.items()} == expected_shapes
    assert all(v.dtype == np.float64 for v in params.values())
    np.testing.assert_array_equal(params["b1"], np.zeros(H))
    np.testing.assert_array_equal(params["b2"], np.zeros(K))

    rng = np.random.default_rng(5)
    W1 = rng.normal(0.0, np.sqrt(2 / d), size=(H, d))
    W2 = rng.normal(0.0, np.sqrt(2 / H), size=(K, H))
    np.testing.assert_array_equal(params["W1"], W1)
    np.testing.assert_array_equal(params["W2"], W2)


def test_init_params_consumes_exactly_two_draws() -> None:
    rng = np.random.default_rng(9)
    backprop.init_params(3, 4, 2, rng)
    by_hand = np.random.default_rng(9)
    by_hand.normal(size=(4, 3))
    by_hand.normal(size=(2, 4))
    assert rng.random() == by_hand.random()


def test_init_params_he_scale() -> None:
    params = backprop.init_params(200, 300, 50, np.random.default_rng(0))
    assert np.std(params["W1"]) == pytest.approx(np.sqrt(2 / 200), rel=0.02)
    assert np.std(params["W2"]) == pytest.approx(np.sqrt(2 / 300), rel=0.03)


# --- forward, backward, loss_and_grads vs torch -------------------------------------------


@pytest.mark.parametrize(("N", "d", "H", "K"), SIZES)
def test_forward_matches_torch(N: int, d: int, H: int, K: int) -> None:
    params, X, labels = make_case(N, d, H, K, seed=N + d + H + K)
    expected_probs, _, _ = torch_network(params, X, labels)

    probs, cache = backprop.forward(X, params)

    assert probs.shape == (N, K)
    np.testing.assert_allclose(probs, expected_probs, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(probs.sum(axis=1), np.ones(N), rtol=0, atol=1e-12)
    assert {"X", "z1", "a1", "probs"} <= cache.keys()


@pytest.mark.parametrize(("N", "d", "H", "K"), SIZES)
def test_backward_matches_torch_autograd(N: int, d: int, H: int, K: int) -> None:
    params, X, labels = make_case(N, d, H, K, seed=N + d + H + K)
    before = copy_params(params), X.copy(), labels.copy()
    _, _, expected = torch_network(params, X, labels)

    _, cache = backprop.forward(X, params)
    grads = backprop.backward(params, cache, labels)

    assert grads.keys() == params.keys()
    for key in KEYS:
        assert grads[key].shape == params[key].shape, key
        np.testing.assert_allclose(grads[key], expected[key], rtol=RTOL, atol=ATOL, err_msg=key)
    assert_params_equal(params, before[0])
    np.testing.assert_array_equal(X, before[1])
    np.testing.assert_array_equal(labels, before[2])


@pytest.mark.parametrize(("N", "d", "H", "K"), SIZES)
def test_loss_and_grads_consistent_with_torch_and_backward(
    N: int,
    d: int,
    H: int,
    K: int,
) -> None:
    params, X, labels = make_case(N, d, H, K, seed=7 * N + d)
    _, expected_loss, _ = torch_network(params, X, labels)

    loss, grads = backprop.loss_and_grads(params, X, labels)

    np.testing.assert_allclose(loss, expected_loss, rtol=RTOL, atol=ATOL)
    _, cache = backprop.forward(X, params)
    assert_params_equal(grads, backprop.backward(params, cache, labels))


@pytest.mark.parametrize(("N", "d", "H", "K"), [(1, 3, 5, 2), (6, 4, 7, 3)])
def test_large_logits_stay_finite_and_match_torch(N: int, d: int, H: int, K: int) -> None:
    params, X, labels = make_case(N, d, H, K, seed=11, logit_scale=400.0)
    expected_probs, expected_loss, expected_grads = torch_network(params, X, labels)

    loss, grads = backprop.loss_and_grads(params, X, labels)
    probs, cache = backprop.forward(X, params)

    assert np.abs(cache["z2"]).max() > 500
    assert np.isfinite(loss)
    assert np.isfinite(probs).all()
    np.testing.assert_allclose(probs, expected_probs, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(loss, expected_loss, rtol=RTOL, atol=ATOL)
    for key in KEYS:
        assert np.isfinite(grads[key]).all(), key
        np.testing.assert_allclose(grads[key], expected_grads[key], rtol=RTOL, atol=1e-9)


# --- numerical_gradient -------------------------------------------------------------------


@pytest.mark.parametrize(("N", "d", "H", "K"), SIZES[:4])
def test_numerical_gradient_agrees_with_backward(N: int, d: int, H: int, K: int) -> None:
    params, X, labels = make_case(N, d, H, K, seed=3 * N + H)
    _, grads = backprop.loss_and_grads(params, X, labels)
    before = copy_params(params)

    for key in KEYS:
        x = params[key]
        numeric = backprop.numerical_gradient(
            lambda _: backprop.loss_and_grads(params, X, labels)[0], x
        )
        assert params[key] is x
        assert numeric.shape == x.shape
        assert normwise_rel_error(numeric, grads[key]) < 1e-7, key
    assert_params_equal(params, before)


def cubic_case() -> tuple[Callable[[np.ndarray], float], np.ndarray, np.ndarray]:
    """f(x) = sum(x^3 + 2 x), its gradient 3 x^2 + 2, and x where x + h - 2h + h != x."""
    x = np.random.default_rng(1).normal(size=(3, 4))
    h = 1e-5
    assert (((x + h) - 2 * h) + h != x).any(), "restoring by arithmetic must be detectable"
    return lambda v: float(np.sum(v**3 + 2.0 * v)), x, 3.0 * x**2 + 2.0


def test_numerical_gradient_central_differences_and_exact_restore() -> None:
    f, x, expected = cubic_case()
    x_before = x.copy()

    numeric = backprop.numerical_gradient(f, x)

    assert numeric.dtype == np.float64
    assert normwise_rel_error(numeric, expected) < 1e-8
    np.testing.assert_array_equal(x, x_before)


def test_numerical_gradient_is_central_not_one_sided() -> None:
    # For x^2 central differences are exact up to rounding; one-sided ones are off by h.
    x = np.array([0.5, -2.0, 3.0])
    numeric = backprop.numerical_gradient(lambda v: float(np.sum(v**2)), x, h=1e-3)
    np.testing.assert_allclose(numeric, 2.0 * x, rtol=1e-9)


def test_numerical_gradient_on_non_contiguous_view() -> None:
    f, x, expected = cubic_case()
    base = x.T.copy()
    view = base.T  # a transposed view with x's values
    numeric = backprop.numerical_gradient(f, view)
    assert normwise_rel_error(numeric, expected) < 1e-8
    np.testing.assert_array_equal(base, x.T)


# --- solutions/backprop.py agrees with the reference --------------------------------------


def test_solution_matches_reference(solution: ModuleType) -> None:
    for d, H, K in [(1, 1, 1), (4, 7, 3)]:
        assert_params_equal(
            solution.init_params(d, H, K, np.random.default_rng(2)),
            backprop.init_params(d, H, K, np.random.default_rng(2)),
        )
    for i, (N, d, H, K) in enumerate(SIZES):
        params, X, labels = make_case(N, d, H, K, seed=i, logit_scale=400.0 if i == 1 else 1.0)
        probs_sol, cache_sol = solution.forward(X, params)
        probs_ref, cache_ref = backprop.forward(X, params)
        np.testing.assert_array_equal(probs_sol, probs_ref)
        assert_params_equal(
            solution.backward(params, cache_sol, labels),
            backprop.backward(params, cache_ref, labels),
        )
        loss_sol, grads_sol = solution.loss_and_grads(params, X, labels)
        loss_ref, grads_ref = backprop.loss_and_grads(params, X, labels)
        assert loss_sol == loss_ref
        assert_params_equal(grads_sol, grads_ref)

    f, x, _ = cubic_case()
    x_before = x.copy()
    np.testing.assert_array_equal(
        solution.numerical_gradient(f, x), backprop.numerical_gradient(f, x)
    )
    np.testing.assert_array_equal(
        solution.numerical_gradient(f, x, h=1e-4), backprop.numerical_gradient(f, x, h=1e-4)
    )
    np.testing.assert_array_equal(x, x_before)
