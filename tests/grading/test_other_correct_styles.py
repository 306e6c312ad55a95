"""Correct programs written differently from the solution score full marks.

A check may depend only on what the curriculum contract states. Each exercise
here gets one learner file, graded for real through the worker, that makes
the choices the contract leaves open, all at once: numpy scalars for floats,
lists, namedtuples and dict subclasses for tuples and dicts, returning an
unchanged input itself instead of a copy, bool arrays for 0/1 derivatives,
methods inherited from a base class, another order of the per-batch steps,
`torch.inference_mode` for `no_grad`, a whole-model deep copy for the best
weights. (cnn's other forms are in test_model_structure.py.)
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader.runner import Options, grade

ROOT = Path(__file__).resolve().parents[2]

STYLES = {
    "neuron": """
from collections import namedtuple

Update = namedtuple("Update", "w b")


def weighted_sum(x, w, b):
    return w @ x + b  # a numpy float64


def neuron_output(x, w, b, activation):
    return activation(weighted_sum(x, w, b))


def dense_forward(X, W, b):
    return np.einsum("nd,hd->nh", X, W) + b


def perceptron_predict(X, w, b):
    return np.where(X @ w + b > 0, 1, 0)


def perceptron_update(w, b, x, y, lr):
    error = y - perceptron_predict(x.reshape(1, -1), w, b)[0]
    return Update(w + lr * error * x, np.float64(b + lr * error))
""",
    "activations": """
def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def relu(z):
    return np.where(z > 0, z, 0.0)


def relu_grad(z):
    return z > 0  # a bool array: 1 where z > 0, 0 elsewhere


def softmax(z, axis=-1):
    moved = np.moveaxis(z, axis, -1)
    e = np.exp(moved - moved.max(axis=-1, keepdims=True))
    return np.moveaxis(e / e.sum(axis=-1, keepdims=True), -1, axis)
""",
    "losses": """
def mse(y_pred, y_true):
    return np.mean(np.square(y_pred - y_true))  # a numpy float64


def binary_cross_entropy(p, y):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))


def cross_entropy(logits, labels):
    log_z = np.logaddexp.reduce(logits, axis=1)
    return np.mean(log_z - logits[np.arange(len(labels)), labels])
""",
    "backprop": """
from collections import OrderedDict


class Grads(dict):
    pass


def init_params(d, H, O, rng):
    params = OrderedDict()
    params["W1"] = rng.normal(0.0, (2.0 / d) ** 0.5, size=(H, d))
    params["b1"] = np.zeros(H)
    params["W2"] = rng.normal(0.0, (2.0 / H) ** 0.5, size=(O, H))
    params["b2"] = np.zeros(O)
    return params


_forward, _backward = forward, backward


def forward(X, params):
    probs, cache = _forward(X, params)
    return [probs, tuple(cache[k] for k in ("X", "z1", "a1", "z2", "probs"))]


def backward(params, cache, labels):
    names = ("X", "z1", "a1", "z2", "probs")
    return Grads(_backward(params, dict(zip(names, cache)), labels))


def loss_and_grads(params, X, labels):
    probs, cache = forward(X, params)
    loss = np.float64(cross_entropy(cache[3], labels))  # a numpy float64
    return [loss, backward(params, cache, labels)]


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x, dtype=float)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad
""",
    "gradient_descent": """
def updates_per_epoch(n_samples, batch_size):
    return 1 if batch_size is None else -(-n_samples // batch_size)


def minibatches(n_samples, batch_size, rng=None):
    order = np.arange(n_samples) if rng is None else rng.permutation(n_samples)
    return np.array_split(order, range(batch_size, n_samples, batch_size))


def linreg_grad(w, b, X, y):
    r = X @ w + b - y
    return 2 * X.T @ r / len(y), np.float64(2 * r.mean())


def fit_linear_regression(X, y, lr, epochs, batch_size=None, rng=None):
    w, b = np.zeros(X.shape[1]), 0.0
    history = np.zeros(epochs)
    for e in range(epochs):
        for batch in minibatches(len(y), batch_size or len(y), rng):
            dw, db = linreg_grad(w, b, X[batch], y[batch])
            w, b = w - lr * dw, b - lr * db
        history[e] = np.mean((X @ w + b - y) ** 2)
    return w, b, history


def normal_equation(X, y):
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    return theta[:-1], theta[-1]
""",
    "optimizers": """
class Optimizer:
    \"\"\"The shared loop: one state dict per key, each subclass says how to update.\"\"\"

    def __init__(self, lr):
        self.lr = lr
        self.state = {}

    def step(self, params, grads):
        for key in params:
            self.update(params[key], grads[key], self.state.setdefault(key, {}))


class SGD(Optimizer):
    def __init__(self, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(lr)
        self.momentum, self.weight_decay = momentum, weight_decay

    def update(self, p, g, state):
        g = g + self.weight_decay * p
        if self.momentum:
            state["v"] = g.copy() if "v" not in state else self.momentum * state["v"] + g
            g = state["v"]
        p -= self.lr * g


class RMSProp(Optimizer):
    def __init__(self, lr=0.01, alpha=0.99, eps=1e-8):
        super().__init__(lr)
        self.alpha, self.eps = alpha, eps

    def update(self, p, g, state):
        state["s"] = self.alpha * state.get("s", 0.0) + (1 - self.alpha) * g * g
        p -= self.lr * g / (np.sqrt(state["s"]) + self.eps)


class Adagrad(Optimizer):
    def __init__(self, lr=0.01, eps=1e-10):
        super().__init__(lr)
        self.eps = eps

    def update(self, p, g, state):
        state["G"] = state.get("G", 0.0) + g * g
        p -= self.lr * g / (np.sqrt(state["G"]) + self.eps)


class Adam(Optimizer):
    def __init__(self, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(lr)
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay

    def update(self, p, g, state):
        b1, b2 = self.betas
        g = g + self.weight_decay * p
        t = state["t"] = state.get("t", 0) + 1
        state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
        state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g * g
        p -= self.lr * (state["m"] / (1 - b1**t)) / (np.sqrt(state["v"] / (1 - b2**t)) + self.eps)


def step_lr(initial_lr, epoch, step_size, gamma=0.1):
    return initial_lr * np.power(gamma, epoch // step_size)  # a numpy float64
""",
    "regularization": """
from collections import OrderedDict


def dropout(x, p, training, rng):
    if not training:
        return x, np.full(x.shape, True)  # x itself: unchanged
    mask = rng.random(x.shape) >= p
    return (x * mask / (1 - p) if p < 1 else np.zeros_like(x)), mask


def l2_penalty(params, lam):
    return lam * np.sum([np.sum(v * v) for k, v in params.items() if k.startswith("W")])


def l2_penalty_grad(params, lam):
    return OrderedDict(
        (k, 2 * lam * v if k.startswith("W") else np.zeros_like(v)) for k, v in params.items()
    )


_batchnorm_forward = batchnorm_forward


def batchnorm_forward(
    x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5
):
    if not training:  # the running statistics themselves, unchanged
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return out, running_mean, running_var
    return _batchnorm_forward(x, gamma, beta, running_mean, running_var, True, momentum, eps)


class EarlyStopping:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.best_epoch, self.calls, self.waited = np.inf, None, 0, 0

    def step(self, val_loss):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.waited = np.float64(val_loss), self.calls, 0
        else:
            self.waited += 1
        self.calls += 1
        return np.bool_(self.waited >= self.patience)
""",
    "training_loop": """
class WineDataset(Dataset):
    def __init__(self, X, y):
        self.X, self.y = np.asarray(X), np.asarray(y)

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, i):
        return torch.from_numpy(self.X[i]).float(), torch.tensor(self.y[i]).long()


def standardize(X_train, X_test):
    mu, sigma = X_train.mean(axis=0), X_train.std(axis=0)
    return [(X - mu) / sigma for X in (X_train, X_test)]  # a list for the pair


def train_one_epoch(model, loader, optimizer, criterion, device):
    model.train()
    total, correct, seen = torch.zeros(()), 0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        logits = model(xb)
        loss = criterion(logits, yb)
        optimizer.zero_grad()  # after the forward pass: the same step
        loss.backward()
        optimizer.step()
        total += loss.detach().cpu() * len(yb)
        correct += int((logits.argmax(1) == yb).sum())
        seen += len(yb)
    return total / seen, np.float64(correct / seen)


def evaluate(model, loader, criterion, device):
    model.eval()
    total, correct, seen = 0.0, 0, 0
    with torch.inference_mode():
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            logits = model(xb)
            total += criterion(logits, yb).item() * len(yb)
            correct += (logits.argmax(1) == yb).sum().item()
            seen += len(yb)
    return total / seen, correct / seen


def fit(model, train_loader, val_loader, optimizer, criterion, epochs, device, patience=None):
    history = {key: [] for key in ("train_loss", "train_acc", "val_loss", "val_acc")}
    best, best_model, waited = None, None, 0
    for _ in range(epochs):
        results = train_one_epoch(model, train_loader, optimizer, criterion, device)
        results += evaluate(model, val_loader, criterion, device)
        for key, value in zip(history, results):
            history[key].append(float(value))
        if patience is None:
            continue
        if best is None or history["val_loss"][-1] < best:
            best, best_model, waited = history["val_loss"][-1], copy.deepcopy(model), 0
        else:
            waited += 1
            if waited == patience:
                break
    if best_model is not None:
        model.load_state_dict(best_model.state_dict())
    return history
""",
}


@pytest.mark.parametrize("name", sorted(STYLES))
def test_another_correct_style_scores_full_marks(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.py"
    solution = (ROOT / "solutions" / f"{name}.py").read_text("utf-8")
    path.write_text(f"{solution}\n\n{textwrap.dedent(STYLES[name])}", "utf-8")
    result = grade(name, path, Options())
    assert {c.id: c.message for c in result.checks if not c.passed} == {}
    assert result.score == result.max_score > 0
    assert result.misconceptions == []
