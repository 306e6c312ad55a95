"""Oracle tests for reference/regularization.py and solutions/regularization.py.

Oracles: torch.nn.BatchNorm1d in float64, the mask drawn from an identically
seeded generator, dropout statistics on a 500x500 input, hand-computed L2
values and scripted early-stopping sequences.
"""

import inspect
import warnings
from types import ModuleType

import numpy as np
import pytest

import reference.regularization as ref
import solutions.regularization

sol = solutions.regularization


@pytest.fixture(params=["reference", "solution"])
def reg(request: pytest.FixtureRequest) -> ModuleType:
    return ref if request.param == "reference" else sol


REQUIRED = inspect.Parameter.empty
SIGNATURES = {
    "dropout": [("x", REQUIRED), ("p", REQUIRED), ("training", REQUIRED), ("rng", REQUIRED)],
    "l2_penalty": [("params", REQUIRED), ("lam", REQUIRED)],
    "l2_penalty_grad": [("params", REQUIRED), ("lam", REQUIRED)],
    "batchnorm_forward": [
        ("x", REQUIRED),
        ("gamma", REQUIRED),
        ("beta", REQUIRED),
        ("running_mean", REQUIRED),
        ("running_var", REQUIRED),
        ("training", REQUIRED),
        ("momentum", 0.1),
        ("eps", 1e-5),
    ],
    "EarlyStopping": [("patience", 5), ("min_delta", 0.0)],
}


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature_matches_curriculum(reg: ModuleType, name: str) -> None:
    params = inspect.signature(getattr(reg, name)).parameters.values()
    assert [(p.name, p.default) for p in params] == SIGNATURES[name]


# --- dropout -----------------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("shape", [(1, 1), (4, 7), (2, 3, 5)])
def test_dropout_mask_and_output(reg: ModuleType, p: float, shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(1).normal(size=shape)
    x0 = x.copy()
    out, mask = reg.dropout(x, p, True, np.random.default_rng(42))
    expected_mask = np.random.default_rng(42).random(shape) >= p
    np.testing.assert_array_equal(mask, expected_mask)
    assert mask.dtype == bool
    np.testing.assert_allclose(out, np.where(expected_mask, x / (1 - p), 0.0), rtol=1e-15)
    np.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_statistics(reg: ModuleType, p: float) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(500, 500)) + 10.0
    out, _ = reg.dropout(x, p, True, rng)
    assert np.mean(out == 0.0) == pytest.approx(p, abs=0.01)
    assert out.mean() == pytest.approx(x.mean(), rel=0.02)


def test_dropout_p0_is_identity(reg: ModuleType) -> None:
    x = np.random.default_rng(0).normal(size=(6, 5))
    out, mask = reg.dropout(x, 0.0, True, np.random.default_rng(0))
    np.testing.assert_array_equal(out, x)
    assert mask.all()


def test_dropout_p1_gives_zeros_without_division_by_zero(reg: ModuleType) -> None:
    x = np.random.default_rng(0).normal(size=(6, 5))
    rng = np.random.default_rng(3)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        out, mask = reg.dropout(x, 1.0, True, rng)
    np.testing.assert_array_equal(out, np.zeros_like(x))
    assert not mask.any()
    assert mask.shape == x.shape
    # the mask was drawn all the same: the generator advanced by one x-sized draw
    oracle = np.random.default_rng(3)
    oracle.random(x.shape)
    assert rng.random() == oracle.random()


def test_dropout_eval_is_identity_and_leaves_rng_alone(reg: ModuleType) -> None:
    x = np.random.default_rng(0).normal(size=(4, 3))
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    out, mask = reg.dropout(x, 0.5, False, rng)
    np.testing.assert_array_equal(out, x)
    assert mask.shape == x.shape and mask.dtype == bool and mask.all()
    assert rng.bit_generator.state == state


# --- L2 penalty ----------------------------------------------------------------


def _l2_params() -> dict[str, np.ndarray]:
    return {
        "W1": np.array([[1.0, 2.0], [3.0, -4.0]]),
        "b1": np.array([10.0, -10.0]),
        "W2": np.array([[0.5, -1.5]]),
        "b2": np.array([7.0]),
    }


def test_l2_penalty_by_hand(reg: ModuleType) -> None:
    params = _l2_params()
    # 1 + 4 + 9 + 16 + 0.25 + 2.25 = 32.5; biases are not penalised
    assert reg.l2_penalty(params, 0.01) == pytest.approx(0.325, rel=1e-12)
    assert reg.l2_penalty(params, 0.0) == 0.0
    assert reg.l2_penalty({"b": np.ones(3)}, 1.0) == 0.0


def test_l2_penalty_grad_by_hand(reg: ModuleType) -> None:
    params = _l2_params()
    before = {k: v.copy() for k, v in params.items()}
    grads = reg.l2_penalty_grad(params, 0.5)
    assert set(grads) == set(params)
    np.testing.assert_allclose(grads["W1"], [[1.0, 2.0], [3.0, -4.0]], rtol=1e-15)
    np.testing.assert_allclose(grads["W2"], [[0.5, -1.5]], rtol=1e-15)
    np.testing.assert_array_equal(grads["b1"], np.zeros(2))
    np.testing.assert_array_equal(grads["b2"], np.zeros(1))
    for k, g in grads.items():
        assert g.shape == params[k].shape
        assert not np.shares_memory(g, params[k])
        np.testing.assert_array_equal(params[k], before[k])


def test_l2_penalty_grad_matches_finite_differences(reg: ModuleType) -> None:
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=3)}
    lam, h = 0.3, 1e-6
    grads = reg.l2_penalty_grad(params, lam)
    for k, p in params.items():
        for i in np.ndindex(p.shape):
            plus = {**params, k: p.copy()}
            minus = {**params, k: p.copy()}
            plus[k][i] += h
            minus[k][i] -= h
            numeric = (reg.l2_penalty(plus, lam) - reg.l2_penalty(minus, lam)) / (2 * h)
            assert grads[k][i] == pytest.approx(numeric, abs=1e-8)


# --- batch norm ----------------------------------------------------------------


def _bn_case(n: int, d: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    x = 3.0 * rng.normal(size=(n, d)) + 5.0
    gamma, beta = rng.normal(size=d), rng.normal(size=d)
    running_mean = rng.normal(size=d) * 10.0 - 20.0  # far from the batch mean (~5)
    running_var = rng.uniform(20.0, 60.0, size=d)  # far from the batch variance (~9)
    return x, gamma, beta, running_mean, running_var


def _torch_batchnorm(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    training: bool,
    momentum: float,
    eps: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    torch = pytest.importorskip("torch")
    bn = torch.nn.BatchNorm1d(x.shape[1], eps=eps, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
        bn.running_mean.copy_(torch.from_numpy(running_mean))
        bn.running_var.copy_(torch.from_numpy(running_var))
        bn.train(training)
        out = bn(torch.from_numpy(x))
    return out.numpy(), bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize(
    ("n", "d", "momentum", "eps"), [(8, 4, 0.1, 1e-5), (2, 3, 0.1, 1e-5), (5, 6, 0.3, 1e-2)]
)
def test_batchnorm_matches_torch(
    reg: ModuleType, training: bool, n: int, d: int, momentum: float, eps: float
) -> None:
    x, gamma, beta, rm, rv = _bn_case(n, d, seed=n * 10 + d)
    inputs = [a.copy() for a in (x, gamma, beta, rm, rv)]
    out, new_mean, new_var = reg.batchnorm_forward(x, gamma, beta, rm, rv, training, momentum, eps)
    t_out, t_mean, t_var = _torch_batchnorm(x, gamma, beta, rm, rv, training, momentum, eps)
    np.testing.assert_allclose(out, t_out, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(new_mean, t_mean, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(new_var, t_var, rtol=1e-7, atol=1e-12)
    for before, after in zip(inputs, (x, gamma, beta, rm, rv), strict=True):
        np.testing.assert_array_equal(after, before)


def test_batchnorm_defaults_match_torch(reg: ModuleType) -> None:
    x, gamma, beta, rm, rv = _bn_case(6, 3, seed=1)
    got = reg.batchnorm_forward(x, gamma, beta, rm, rv, True)
    want = _torch_batchnorm(x, gamma, beta, rm, rv, True, momentum=0.1, eps=1e-5)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-12)


def test_batchnorm_eval_rows_are_independent(reg: ModuleType) -> None:
    x, gamma, beta, rm, rv = _bn_case(5, 4, seed=3)
    full, _, _ = reg.batchnorm_forward(x, gamma, beta, rm, rv, False)
    for i in range(len(x)):
        row, _, _ = reg.batchnorm_forward(x[i : i + 1], gamma, beta, rm, rv, False)
        np.testing.assert_allclose(row[0], full[i], rtol=1e-14)


def test_batchnorm_returns_new_running_arrays(reg: ModuleType) -> None:
    x, gamma, beta, rm, rv = _bn_case(4, 2, seed=4)
    for training in (True, False):
        _, new_mean, new_var = reg.batchnorm_forward(x, gamma, beta, rm, rv, training)
        assert not np.shares_memory(new_mean, rm)
        assert not np.shares_memory(new_var, rv)


# --- early stopping ------------------------------------------------------------

INF = float("inf")


@pytest.mark.parametrize(
    ("patience", "min_delta", "losses", "expected", "best_epoch", "best_loss"),
    [
        # two calls without improvement are not yet three
        (3, 0.0, [1.0, 0.9, 0.95, 0.96, 0.97], [False, False, False, False, True], 1, 0.9),
        # an equal loss is not an improvement
        (2, 0.0, [1.0, 1.0, 1.0], [False, False, True], 0, 1.0),
        # an improvement resets the count
        (2, 0.0, [5.0, 6.0, 4.0, 4.5, 4.2], [False, False, False, False, True], 2, 4.0),
        # min_delta: 0.95 is not better than 1.0 - 0.1; 0.85 is
        (2, 0.1, [1.0, 0.95, 0.85, 0.8, 0.78], [False, False, False, False, True], 2, 0.85),
        # keeps answering True while nothing improves, False again after an improvement
        (1, 0.0, [1.0, 2.0, 3.0, 0.5], [False, True, True, False], 3, 0.5),
        # the first call always sets the best, even an infinite loss
        (1, 0.0, [INF, INF], [False, True], 0, INF),
        # the fifth call without improvement stops, not the fourth or the sixth
        (5, 0.0, [1.0] + [2.0] * 6, [False] * 5 + [True, True], 0, 1.0),
    ],
)
def test_early_stopping_scripted(
    reg: ModuleType,
    patience: int,
    min_delta: float,
    losses: list[float],
    expected: list[bool],
    best_epoch: int,
    best_loss: float,
) -> None:
    stopper = reg.EarlyStopping(patience=patience, min_delta=min_delta)
    assert [bool(stopper.step(loss)) for loss in losses] == expected
    assert stopper.best_epoch == best_epoch
    assert stopper.best_loss == best_loss


def test_early_stopping_defaults_and_first_call(reg: ModuleType) -> None:
    stopper = reg.EarlyStopping()
    assert stopper.step(0.5) is False
    assert (stopper.best_loss, stopper.best_epoch) == (0.5, 0)
    assert [stopper.step(0.5) for _ in range(5)] == [False] * 4 + [True]


# --- agreement -------------------------------------------------------------------


def test_solution_agrees_with_reference() -> None:
    x = np.random.default_rng(0).normal(size=(30, 20))
    for training in (True, False):
        for got, want in zip(
            sol.dropout(x, 0.3, training, np.random.default_rng(1)),
            ref.dropout(x, 0.3, training, np.random.default_rng(1)),
            strict=True,
        ):
            np.testing.assert_array_equal(got, want)
        args = (*_bn_case(7, 5, seed=2), training, 0.2, 1e-3)
        for got, want in zip(
            sol.batchnorm_forward(*args), ref.batchnorm_forward(*args), strict=True
        ):
            np.testing.assert_allclose(got, want, rtol=1e-12)
    params = _l2_params()
    assert sol.l2_penalty(params, 0.2) == pytest.approx(ref.l2_penalty(params, 0.2), rel=1e-14)
    sol_grads, ref_grads = sol.l2_penalty_grad(params, 0.2), ref.l2_penalty_grad(params, 0.2)
    for k in ref_grads:
        np.testing.assert_array_equal(sol_grads[k], ref_grads[k])
    ours, theirs = sol.EarlyStopping(3, 0.05), ref.EarlyStopping(3, 0.05)
    for loss in [3.0, 2.0, 1.99, 1.9, 1.96, 2.5, 1.0, 1.2, 1.1, 1.3]:
        assert ours.step(loss) == theirs.step(loss)
        assert (ours.best_loss, ours.best_epoch) == (theirs.best_loss, theirs.best_epoch)
