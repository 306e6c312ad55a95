"""Oracle tests for exercise 8, ``training_loop``: reference and solution.

Each property targets one classic mistake: wrong dtypes, scaling fitted on the
test split, the mean of batch means, missing ``zero_grad``, evaluation in train
mode or with gradient tracking, early stopping that forgets the best weights.
"""

import copy
from types import ModuleType

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

import reference.training_loop as reference_loop  # noqa: E402
import solutions.training_loop  # noqa: E402
from reference.data import wine_split  # noqa: E402

IMPLS = {"reference": reference_loop, "solution": solutions.training_loop}

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def wine() -> tuple[np.ndarray, ...]:
    """Standardised Wine split (reference scaler): ``X_train, X_test, y_train, y_test``."""
    X_train, X_test, y_train, y_test = wine_split(seed=0)
    X_train, X_test = reference_loop.standardize(X_train, X_test)
    return X_train, X_test, y_train, y_test


def loader(
    impl: ModuleType, X: np.ndarray, y: np.ndarray, batch_size: int, seed: int | None = None
) -> DataLoader:
    """A loader over ``impl.WineDataset``; shuffled with a seeded generator when ``seed`` is given."""
    dataset = impl.WineDataset(X, y)
    if seed is None:
        return DataLoader(dataset, batch_size=batch_size)
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator)


def mlp(seed: int, dropout: float = 0.0, batchnorm: bool = False) -> nn.Module:
    torch.manual_seed(seed)
    layers: list[nn.Module] = [nn.Linear(13, 16)]
    if batchnorm:
        layers.append(nn.BatchNorm1d(16))
    layers += [nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 3)]
    return nn.Sequential(*layers)


def test_wine_split_is_stratified_and_deterministic() -> None:
    X_train, X_test, y_train, y_test = wine_split(seed=0)
    assert X_train.shape == (133, 13) and X_test.shape == (45, 13)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    assert np.bincount(y_test).tolist() == [15, 18, 12]  # class shares of the 59/71/48 total
    np.testing.assert_array_equal(wine_split(seed=0)[0], X_train)
    assert not np.array_equal(wine_split(seed=1)[0], X_train)


def test_wine_dataset_items(impl: ModuleType) -> None:
    X = np.random.default_rng(0).standard_normal((5, 13))
    y = np.array([0, 2, 1, 1, 0])
    dataset = impl.WineDataset(X, y)
    assert len(dataset) == 5
    for i in range(5):
        xi, yi = dataset[i]
        assert xi.dtype == torch.float32 and xi.shape == (13,)
        assert yi.dtype == torch.int64 and yi.shape == ()
        np.testing.assert_allclose(xi.numpy(), X[i].astype(np.float32))
        assert yi.item() == y[i]
    xb, yb = next(iter(DataLoader(dataset, batch_size=4)))
    assert xb.shape == (4, 13) and yb.shape == (4,)


def test_standardize_uses_training_statistics_only(impl: ModuleType) -> None:
    X_train, _, _, _ = wine_split(seed=0)
    X_test = X_train[:20] + 100.0  # a shifted test split
    X_train0, X_test0 = X_train.copy(), X_test.copy()
    train_s, test_s = impl.standardize(X_train, X_test)

    np.testing.assert_allclose(train_s.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(train_s.std(axis=0), 1.0, rtol=1e-12)  # population std
    mu, sigma = X_train.mean(axis=0), X_train.std(axis=0)
    np.testing.assert_allclose(test_s, (X_test - mu) / sigma, rtol=1e-12)
    assert np.all(test_s.mean(axis=0) > 0.2)  # leak-free: the shift survives scaling
    np.testing.assert_array_equal(X_train, X_train0)
    np.testing.assert_array_equal(X_test, X_test0)

    train_s2, _ = impl.standardize(X_train, X_test * 3.0)
    np.testing.assert_array_equal(train_s2, train_s)  # test values do not reach the train split


def test_train_one_epoch_weights_batches_by_size(impl: ModuleType, wine: tuple) -> None:
    X_train, _, y_train, _ = wine
    X, y = X_train[:10], y_train[:10]  # batches of 4, 4 and a short one of 2
    model = mlp(seed=0)
    manual = copy.deepcopy(model)
    criterion = nn.CrossEntropyLoss()

    opt_manual = torch.optim.SGD(manual.parameters(), lr=0.5)
    losses, sizes, correct = [], [], 0
    for xb, yb in DataLoader(reference_loop.WineDataset(X, y), batch_size=4):
        opt_manual.zero_grad()
        logits = manual(xb)
        loss = criterion(logits, yb)
        loss.backward()
        opt_manual.step()
        losses.append(loss.item())
        sizes.append(len(yb))
        correct += (logits.argmax(1) == yb).sum().item()
    expected = float(np.dot(losses, sizes) / sum(sizes))
    assert abs(expected - np.mean(losses)) > 1e-3  # the case tells the two averages apart

    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    loss, accuracy = impl.train_one_epoch(model, loader(impl, X, y, 4), optimizer, criterion, "cpu")
    assert isinstance(loss, float) and isinstance(accuracy, float)
    assert loss == pytest.approx(expected, rel=1e-6)
    assert accuracy == pytest.approx(correct / 10)
    assert model.training
    for p, q in zip(model.parameters(), manual.parameters(), strict=True):
        torch.testing.assert_close(p, q)  # same steps: gradients zeroed between batches


def test_train_one_epoch_accepts_a_torch_device(impl: ModuleType, wine: tuple) -> None:
    X_train, _, y_train, _ = wine
    model = mlp(seed=1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss, accuracy = impl.train_one_epoch(
        model,
        loader(impl, X_train, y_train, 32),
        optimizer,
        nn.CrossEntropyLoss(),
        torch.device("cpu"),
    )
    assert loss > 0 and 0.0 <= accuracy <= 1.0


def test_evaluate_is_side_effect_free(impl: ModuleType, wine: tuple) -> None:
    X_train, X_test, y_train, y_test = wine
    model = mlp(seed=2, dropout=0.5, batchnorm=True)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    reference_loop.train_one_epoch(
        model, loader(impl, X_train, y_train, 16), optimizer, criterion, "cpu"
    )
    # leave non-zero gradients and running statistics behind
    criterion(
        model(torch.tensor(X_train[:8], dtype=torch.float32)), torch.tensor(y_train[:8])
    ).backward()
    state = copy.deepcopy(model.state_dict())
    grads = [p.grad.clone() for p in model.parameters()]
    requires_grad = []
    model.register_forward_hook(lambda _m, _i, out: requires_grad.append(out.requires_grad))

    test_loader = loader(impl, X_test, y_test, 10)  # 45 samples: a short last batch
    first = impl.evaluate(model, test_loader, criterion, "cpu")
    second = impl.evaluate(model, test_loader, criterion, "cpu")
    assert first == second  # dropout off
    assert not any(requires_grad)  # no gradient tracking

    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, state[key], rtol=0, atol=0)  # incl. batch-norm stats
    for p, g in zip(model.parameters(), grads, strict=True):
        torch.testing.assert_close(p.grad, g, rtol=0, atol=0)

    model.eval()
    with torch.no_grad():
        logits = model(torch.tensor(X_test, dtype=torch.float32))
        target = torch.tensor(y_test)
        assert first[0] == pytest.approx(criterion(logits, target).item(), rel=1e-5)
        assert first[1] == pytest.approx((logits.argmax(1) == target).float().mean().item())


def test_fit_history_without_patience(impl: ModuleType, wine: tuple) -> None:
    X_train, X_test, y_train, y_test = wine
    model = mlp(seed=3)
    criterion = nn.CrossEntropyLoss()
    val_loader = loader(impl, X_test, y_test, 64)
    history = impl.fit(
        model,
        loader(impl, X_train, y_train, 32, seed=0),
        val_loader,
        torch.optim.Adam(model.parameters(), lr=1e-2),
        criterion,
        epochs=4,
        device="cpu",
    )
    assert set(history) == {"train_loss", "train_acc", "val_loss", "val_acc"}
    for values in history.values():
        assert len(values) == 4
        assert all(type(v) is float for v in values)
    assert history["train_loss"][-1] < history["train_loss"][0]
    # no patience: the last weights stay
    assert impl.evaluate(model, val_loader, criterion, "cpu")[0] == pytest.approx(
        history["val_loss"][-1]
    )


@pytest.mark.parametrize("patience", [2, 3])
def test_fit_early_stopping_restores_best_weights(
    impl: ModuleType, wine: tuple, patience: int
) -> None:
    X_train, _, y_train, _ = wine
    # validating on the training inputs with rotated labels: val loss rises as training fits
    val_loader = loader(impl, X_train, (y_train + 1) % 3, 64)
    model = mlp(seed=4)
    criterion = nn.CrossEntropyLoss()
    epochs = 30
    history = impl.fit(
        model,
        loader(impl, X_train, y_train, 32, seed=0),
        val_loader,
        torch.optim.Adam(model.parameters(), lr=1e-2),
        criterion,
        epochs=epochs,
        device="cpu",
        patience=patience,
    )
    val = history["val_loss"]
    best = int(np.argmin(val))
    assert len(val) < epochs  # it did stop early
    assert len(val) == best + patience + 1  # exactly `patience` epochs after the best
    assert all(len(v) == len(val) for v in history.values())
    assert impl.evaluate(model, val_loader, criterion, "cpu")[0] == pytest.approx(val[best])


def test_fit_restores_best_weights_without_stopping(impl: ModuleType, wine: tuple) -> None:
    X_train, _, y_train, _ = wine
    val_loader = loader(impl, X_train, (y_train + 1) % 3, 64)
    model = mlp(seed=5)
    criterion = nn.CrossEntropyLoss()
    history = impl.fit(
        model,
        loader(impl, X_train, y_train, 32, seed=0),
        val_loader,
        torch.optim.Adam(model.parameters(), lr=1e-2),
        criterion,
        epochs=5,
        device="cpu",
        patience=100,
    )
    val = history["val_loss"]
    assert len(val) == 5 and min(val) < val[-1]
    assert impl.evaluate(model, val_loader, criterion, "cpu")[0] == pytest.approx(min(val))


def test_solution_agrees_with_reference_on_a_seeded_run(wine: tuple) -> None:
    X_train, X_test, y_train, y_test = wine
    results = {}
    for name, impl in IMPLS.items():
        model = mlp(seed=6, dropout=0.2, batchnorm=True)
        torch.manual_seed(7)  # dropout masks
        history = impl.fit(
            model,
            loader(impl, X_train, y_train, 32, seed=1),
            loader(impl, X_test, y_test, 32),
            torch.optim.Adam(model.parameters(), lr=1e-2),
            nn.CrossEntropyLoss(),
            epochs=6,
            device="cpu",
            patience=2,
        )
        results[name] = (history, model.state_dict())
    (h_ref, s_ref), (h_sol, s_sol) = results["reference"], results["solution"]
    assert h_sol.keys() == h_ref.keys()
    for key in h_ref:
        np.testing.assert_allclose(h_sol[key], h_ref[key], rtol=1e-6)
    for key in s_ref:
        torch.testing.assert_close(s_sol[key], s_ref[key])


@pytest.mark.gpu
def test_training_loop_on_cuda(impl: ModuleType, wine: tuple) -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    X_train, X_test, y_train, y_test = wine
    model = mlp(seed=8, batchnorm=True).to("cuda")
    history = impl.fit(
        model,
        loader(impl, X_train, y_train, 32, seed=0),
        loader(impl, X_test, y_test, 32),
        torch.optim.Adam(model.parameters(), lr=1e-2),
        nn.CrossEntropyLoss(),
        epochs=5,
        device="cuda",
        patience=2,
    )
    assert history["val_acc"][-1] > 0.8
    assert all(type(v) is float for values in history.values() for v in values)
