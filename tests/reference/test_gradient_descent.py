"""Oracle tests for reference/gradient_descent.py and solutions/gradient_descent.py.

Every behavioural test runs on both the reference and the learner solution;
the oracles are numpy.linalg.lstsq and torch autograd (alone and in a training loop).
"""

import inspect
import itertools
from types import ModuleType

import numpy as np
import pytest

import reference.gradient_descent as ref
import solutions.gradient_descent

sol = solutions.gradient_descent


@pytest.fixture(params=["reference", "solution"])
def gd(request: pytest.FixtureRequest) -> ModuleType:
    return ref if request.param == "reference" else sol


def _regression_data(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) - 1.5 + 0.3 * rng.normal(size=n)
    return X, y


REQUIRED = inspect.Parameter.empty
SIGNATURES = {
    "updates_per_epoch": [("n_samples", REQUIRED), ("batch_size", REQUIRED)],
    "minibatches": [("n_samples", REQUIRED), ("batch_size", REQUIRED), ("rng", None)],
    "linreg_grad": [("w", REQUIRED), ("b", REQUIRED), ("X", REQUIRED), ("y", REQUIRED)],
    "fit_linear_regression": [
        ("X", REQUIRED),
        ("y", REQUIRED),
        ("lr", REQUIRED),
        ("epochs", REQUIRED),
        ("batch_size", None),
        ("rng", None),
    ],
    "normal_equation": [("X", REQUIRED), ("y", REQUIRED)],
}


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature_matches_curriculum(gd: ModuleType, name: str) -> None:
    params = inspect.signature(getattr(gd, name)).parameters.values()
    assert [(p.name, p.default) for p in params] == SIGNATURES[name]


@pytest.mark.parametrize(
    ("n", "batch_size"),
    [(10, None), (10, 10), (10, 3), (10, 1), (10, 4), (9, 3), (1, 5), (10, 20), (101, 32)],
)
def test_updates_per_epoch(gd: ModuleType, n: int, batch_size: int | None) -> None:
    expected = 1 if batch_size is None else len(range(0, n, batch_size))
    got = gd.updates_per_epoch(n, batch_size)
    assert got == expected
    assert isinstance(got, int)


def test_minibatches_without_rng_are_consecutive_slices(gd: ModuleType) -> None:
    batches = gd.minibatches(7, 3)
    assert [b.tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in gd.minibatches(4, 4)] == [[0, 1, 2, 3]]
    assert [b.tolist() for b in gd.minibatches(3, 1)] == [[0], [1], [2]]


@pytest.mark.parametrize(("n", "batch_size"), [(10, 3), (12, 4), (5, 1), (7, 7), (6, 50)])
def test_minibatches_partition_a_permutation(gd: ModuleType, n: int, batch_size: int) -> None:
    batches = gd.minibatches(n, batch_size, np.random.default_rng(3))
    perm = np.random.default_rng(3).permutation(n)
    expected = [perm[i : i + batch_size] for i in range(0, n, batch_size)]
    assert len(batches) == len(expected) == gd.updates_per_epoch(n, batch_size)
    for got, want in zip(batches, expected, strict=True):
        np.testing.assert_array_equal(got, want)
    # every index exactly once; all batches full except possibly the last
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))
    assert all(len(b) == batch_size for b in batches[:-1])
    assert len(batches[-1]) == n - batch_size * (len(batches) - 1)


def test_minibatches_reshuffle_every_epoch_with_a_shared_rng(gd: ModuleType) -> None:
    rng = np.random.default_rng(11)
    epoch1 = np.concatenate(gd.minibatches(20, 6, rng))
    epoch2 = np.concatenate(gd.minibatches(20, 6, rng))
    oracle = np.random.default_rng(11)
    np.testing.assert_array_equal(epoch1, oracle.permutation(20))
    np.testing.assert_array_equal(epoch2, oracle.permutation(20))
    assert not np.array_equal(epoch1, epoch2)


@pytest.mark.parametrize(("n", "d"), [(1, 1), (5, 3), (40, 7)])
def test_linreg_grad_matches_autograd(gd: ModuleType, n: int, d: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(n * 100 + d)
    X, y = rng.normal(size=(n, d)), rng.normal(size=n)
    w, b = rng.normal(size=d), 0.7
    X0, y0, w0 = X.copy(), y.copy(), w.copy()

    dw, db = gd.linreg_grad(w, b, X, y)

    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    loss = ((torch.from_numpy(X) @ wt + bt - torch.from_numpy(y)) ** 2).mean()
    loss.backward()
    assert dw.shape == (d,)
    np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(float(db), bt.grad.item(), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(w, w0)


@pytest.mark.parametrize(("n", "d"), [(3, 1), (30, 4), (200, 10)])
def test_normal_equation_matches_lstsq(gd: ModuleType, n: int, d: int) -> None:
    X, y = _regression_data(n, d, seed=n + d)
    w, b = gd.normal_equation(X, y)
    theta, *_ = np.linalg.lstsq(np.hstack([X, np.ones((n, 1))]), y, rcond=None)
    assert np.shape(w) == (d,)
    np.testing.assert_allclose(w, theta[:d], rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(float(b), theta[d], rtol=1e-9, atol=1e-11)


def test_full_batch_gd_converges_to_the_normal_equation(gd: ModuleType) -> None:
    X, y = _regression_data(64, 3, seed=0)
    X0, y0 = X.copy(), y.copy()
    w, b, history = gd.fit_linear_regression(X, y, lr=0.1, epochs=400)
    w_star, b_star = ref.normal_equation(X, y)
    np.testing.assert_allclose(w, w_star, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(b, b_star, rtol=1e-7, atol=1e-10)
    # history: one Python float per epoch, decreasing to the least-squares MSE
    assert len(history) == 400
    assert all(isinstance(h, float) for h in history)
    assert all(later <= earlier * (1 + 1e-12) for earlier, later in itertools.pairwise(history))
    min_mse = float(np.mean((X @ w_star + b_star - y) ** 2))
    assert history[-1] == pytest.approx(min_mse, rel=1e-9)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize(
    ("batch_size", "seed"), [(None, None), (5, None), (5, 7), (1, 3), (23, 1), (8, 2)]
)
def test_fit_matches_a_torch_autograd_loop(
    gd: ModuleType, batch_size: int | None, seed: int | None
) -> None:
    """Same batches, one autograd gradient step per batch, full-data MSE after each epoch."""
    torch = pytest.importorskip("torch")
    n, d, lr, epochs = 23, 3, 0.05, 4
    X, y = _regression_data(n, d, seed=5)
    rng = None if seed is None else np.random.default_rng(seed)
    w, b, history = gd.fit_linear_regression(X, y, lr, epochs, batch_size, rng)

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    wt = torch.zeros(d, dtype=torch.float64, requires_grad=True)
    bt = torch.zeros((), dtype=torch.float64, requires_grad=True)
    oracle_rng = None if seed is None else np.random.default_rng(seed)
    size = batch_size or n
    expected_history = []
    for _ in range(epochs):
        order = np.arange(n) if oracle_rng is None else oracle_rng.permutation(n)
        for start in range(0, n, size):
            idx = torch.from_numpy(order[start : start + size])
            dw, db = torch.autograd.grad(((Xt[idx] @ wt + bt - yt[idx]) ** 2).mean(), [wt, bt])
            with torch.no_grad():
                wt -= lr * dw
                bt -= lr * db
        with torch.no_grad():
            expected_history.append(((Xt @ wt + bt - yt) ** 2).mean().item())

    np.testing.assert_allclose(w, wt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b, bt.item(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(history, expected_history, rtol=1e-10)


def test_solution_agrees_with_reference() -> None:
    X, y = _regression_data(17, 4, seed=9)
    w, b = np.linspace(-1.0, 1.0, 4), -0.2
    for got, want in zip(sol.linreg_grad(w, b, X, y), ref.linreg_grad(w, b, X, y), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    for got, want in zip(sol.normal_equation(X, y), ref.normal_equation(X, y), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10)
    fit_sol = sol.fit_linear_regression(X, y, 0.03, 5, 4, np.random.default_rng(0))
    fit_ref = ref.fit_linear_regression(X, y, 0.03, 5, 4, np.random.default_rng(0))
    for got, want in zip(fit_sol, fit_ref, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
