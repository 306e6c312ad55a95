"""Every clause of the curriculum contract is checked by a visible check.

`CLAUSES` goes through shared/spec/curriculum.md clause by clause: the clause,
the visible check that catches it, and the one-clause mutant that breaks it (a
learner file: the exercise's solution with the definitions below appended, so
that they replace the solution's, correct in everything else). Each row is
proven: the named check is visible (a property, special-values, cases or
scenario check, never a hidden one, so the verdict does not depend on the
course's secret) and the mutant fails it both under the public seed and under
another secret; the solution passes every check (test_exercise_contract).

The rows run the checks in this process with `InProcess`, a subject that
behaves as the worker does (exceptions become the learner's failures, changed
inputs are reported), so that a hundred rows cost seconds; the slow test
grades every mutant file for real, through the worker, under both secrets.
Static and smoke rows (`allowed-imports`, `signatures`) are judged by the
functions the runner uses for them.
"""

from __future__ import annotations

import functools
import textwrap
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")

from grader import catalog, static
from grader.engine import Check, Context, ModuleSubject, Verdict, roundtrip
from grader.runner import PUBLIC_SEED, Options, grade
from grader.worker import LearnerError
from grader.worker.server import Server, _same, _snapshot, describe_exception

ROOT = Path(__file__).resolve().parents[2]
SECRETS = (PUBLIC_SEED, "another-course-secret")


@dataclass(frozen=True)
class Clause:
    """One clause of the contract, the visible check that catches it, and its mutant."""

    exercise: str
    clause: str
    check: str
    mutant: str

    def source(self) -> str:
        solution = (ROOT / "solutions" / f"{self.exercise}.py").read_text("utf-8")
        return f"{solution}\n\n# one-clause mutant: {self.clause}\n{textwrap.dedent(self.mutant)}"


CLAUSES: tuple[Clause, ...] = (
    Clause(
        "losses",
        "numpy functions never mutate their inputs",
        "mse-matches-reference",
        """
def mse(y_pred, y_true):
    y_pred -= y_true
    return float(np.mean(y_pred ** 2))
""",
    ),
    Clause(
        "neuron",
        "numpy functions work for any batch size including 1",
        "dense_forward-matches-reference",
        """
def dense_forward(X, W, b):
    return np.squeeze(X @ W.T + b)
""",
    ),
    Clause(
        "activations",
        "numpy functions return numpy arrays or Python floats",
        "relu-matches-reference",
        """
def relu(z):
    return np.maximum(0.0, z).tolist()
""",
    ),
    Clause(
        "neuron",
        "a refused import (os, sys, subprocess, ...) is a failed static check naming it",
        "allowed-imports",
        """
import os


def weighted_sum(x, w, b):
    return float(np.dot(w, x) + b) + 0 * len(os.sep)
""",
    ),
    Clause(
        "activations",
        "parameters exist with these names, in this order, with these defaults",
        "signatures",
        """
def leaky_relu(z, alpha=0.1):
    return np.where(z > 0, z, alpha * z)
""",
    ),
    Clause(
        "neuron",
        "weight matrices are (out, in): a dense layer is X @ W.T + b",
        "dense_forward-matches-reference",
        """
def dense_forward(X, W, b):
    return X @ W + b
""",
    ),
    Clause(
        "losses",
        'a "loss" is the mean over the batch',
        "cross_entropy-batch-duplication",
        """
def cross_entropy(logits, labels):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return float(-np.sum(log_probs[np.arange(logits.shape[0]), labels]))
""",
    ),
    Clause(
        "activations",
        "inputs of magnitude up to 1e3 give finite, correct results",
        "softmax-special-values",
        """
def softmax(z, axis=-1):
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)
""",
    ),
    Clause(
        "neuron",
        "weighted_sum: z = sum_i w_i x_i + b",
        "weighted_sum-matches-reference",
        """
def weighted_sum(x, w, b):
    return float(np.dot(w, x))
""",
    ),
    Clause(
        "neuron",
        "neuron_output: activation(weighted_sum(x, w, b))",
        "neuron_output-matches-reference",
        """
def neuron_output(x, w, b, activation):
    return weighted_sum(x, w, b)
""",
    ),
    Clause(
        "neuron",
        "dense_forward: Z (N,H) = X W^T + b",
        "dense_forward-matches-reference",
        """
def dense_forward(X, W, b):
    return X @ W.T
""",
    ),
    Clause(
        "neuron",
        "perceptron_predict: 1 where X w + b > 0 (strictly), else 0",
        "perceptron_predict-special-values",
        """
def perceptron_predict(X, w, b):
    return (X @ w + b >= 0).astype(np.int64)
""",
    ),
    Clause(
        "neuron",
        "perceptron_predict: an int array (N,)",
        "perceptron_predict-int-array",
        """
def perceptron_predict(X, w, b):
    return X @ w + b > 0
""",
    ),
    Clause(
        "neuron",
        "perceptron_update: w + lr (y - y_hat) x, b + lr (y - y_hat)",
        "perceptron_update-unchanged-when-right",
        """
def perceptron_update(w, b, x, y, lr):
    return w + lr * y * x, float(b + lr * y)
""",
    ),
    Clause(
        "neuron",
        "perceptron_update returns new values (its inputs are left unchanged)",
        "perceptron_update-matches-reference",
        """
def perceptron_update(w, b, x, y, lr):
    y_hat = perceptron_predict(x[np.newaxis, :], w, b)[0]
    w += lr * (y - y_hat) * x
    return w, float(b + lr * (y - y_hat))
""",
    ),
    Clause(
        "activations",
        "elementwise functions return arrays of the input's shape",
        "tanh-matches-reference",
        """
def tanh(z):
    return np.tanh(z).reshape(-1)
""",
    ),
    Clause(
        "activations",
        "sigmoid(z) = 1/(1+e^-z)",
        "sigmoid-special-values",
        """
def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1.0 + e), 1.0 / (1.0 + e))
""",
    ),
    Clause(
        "activations",
        "sigmoid_grad is s(z)(1-s(z)), evaluated at z, not at the activation's output",
        "sigmoid_grad-special-values",
        """
def sigmoid_grad(z):
    return z * (1.0 - z)
""",
    ),
    Clause(
        "activations",
        "tanh_grad(z) = 1 - tanh^2 z",
        "tanh_grad-matches-reference",
        """
def tanh_grad(z):
    return 1.0 - z ** 2
""",
    ),
    Clause(
        "activations",
        "relu(z) = max(0, z)",
        "relu-matches-reference",
        """
def relu(z):
    return np.abs(z)
""",
    ),
    Clause(
        "activations",
        "relu_grad is 0 at z = 0",
        "relu_grad-special-values",
        """
def relu_grad(z):
    return (z >= 0).astype(np.float64)
""",
    ),
    Clause(
        "activations",
        "leaky_relu: z if z > 0 else alpha z",
        "leaky_relu-matches-reference",
        """
def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, 0.01 * z)
""",
    ),
    Clause(
        "activations",
        "leaky_relu_grad: alpha at z = 0 and below",
        "leaky_relu_grad-special-values",
        """
def leaky_relu_grad(z, alpha=0.01):
    return np.where(z >= 0, 1.0, alpha)
""",
    ),
    Clause(
        "activations",
        "elu: alpha (e^z - 1) for z <= 0",
        "elu-special-values",
        """
def elu(z, alpha=1.0):
    return np.where(z > 0, z, alpha * np.exp(np.minimum(z, 0.0)))
""",
    ),
    Clause(
        "activations",
        "elu_grad: alpha e^z for z <= 0",
        "elu_grad-matches-reference",
        """
def elu_grad(z, alpha=1.0):
    return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0)))
""",
    ),
    Clause(
        "activations",
        "softmax: probabilities along axis",
        "softmax-matches-reference",
        """
def softmax(z, axis=-1):
    shifted = z - np.max(z, axis=0, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=0, keepdims=True)
""",
    ),
    Clause(
        "losses",
        "mse: mean of squared errors over all elements",
        "mse-matches-reference",
        """
def mse(y_pred, y_true):
    return float(np.mean(np.sum((y_pred - y_true) ** 2, axis=-1)))
""",
    ),
    Clause(
        "losses",
        "mse_grad: 2 (y_pred - y_true) / y_pred.size",
        "mse_grad-special-values",
        """
def mse_grad(y_pred, y_true):
    return (y_pred - y_true) / y_pred.size
""",
    ),
    Clause(
        "losses",
        "binary_cross_entropy: mean of -(y log p + (1-y) log(1-p))",
        "binary_cross_entropy-matches-reference",
        """
def binary_cross_entropy(p, y):
    p = np.clip(p, 1e-12, 1.0 - 1e-12)
    return float(np.mean(-(y * np.log(p))))
""",
    ),
    Clause(
        "losses",
        "binary_cross_entropy: p clipped by an eps <= 1e-7, so p of 0 or 1 stays finite",
        "binary_cross_entropy-saturated",
        """
def binary_cross_entropy(p, y):
    return float(np.mean(-(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))))
""",
    ),
    Clause(
        "losses",
        "binary_cross_entropy: any eps <= 1e-7 (not a larger one)",
        "binary_cross_entropy-matches-reference",
        """
def binary_cross_entropy(p, y):
    p = np.clip(p, 1e-3, 1.0 - 1e-3)
    return float(np.mean(-(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))))
""",
    ),
    Clause(
        "losses",
        "cross_entropy: computed stably (log-sum-exp)",
        "cross_entropy-special-values",
        """
def cross_entropy(logits, labels):
    probs = np.exp(logits) / np.sum(np.exp(logits), axis=1, keepdims=True)
    return float(-np.mean(np.log(probs[np.arange(len(labels)), labels])))
""",
    ),
    Clause(
        "losses",
        "cross_entropy_grad: (softmax(logits) - onehot(labels)) / N",
        "cross_entropy_grad-batch-duplication",
        """
def cross_entropy_grad(logits, labels):
    probs = softmax(logits, axis=1)
    onehot = np.zeros_like(probs)
    onehot[np.arange(logits.shape[0]), labels] = 1.0
    return probs - onehot
""",
    ),
    Clause(
        "backprop",
        "init_params: W1 then W2 drawn with rng.normal(0, sqrt(2 / fan_in))",
        "init_params-matches-reference",
        """
def init_params(d, H, O, rng):
    W2 = rng.normal(0.0, np.sqrt(2.0 / H), size=(O, H))
    W1 = rng.normal(0.0, np.sqrt(2.0 / d), size=(H, d))
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(O)}
""",
    ),
    Clause(
        "backprop",
        "init_params: He scale sqrt(2 / fan_in)",
        "init_params-matches-reference",
        """
def init_params(d, H, O, rng):
    W1 = rng.normal(0.0, np.sqrt(1.0 / d), size=(H, d))
    W2 = rng.normal(0.0, np.sqrt(1.0 / H), size=(O, H))
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(O)}
""",
    ),
    Clause(
        "backprop",
        "init_params: biases zero",
        "init_params-matches-reference",
        """
def init_params(d, H, O, rng):
    W1 = rng.normal(0.0, np.sqrt(2.0 / d), size=(H, d))
    W2 = rng.normal(0.0, np.sqrt(2.0 / H), size=(O, H))
    return {"W1": W1, "b1": np.full(H, 0.01), "W2": W2, "b2": np.zeros(O)}
""",
    ),
    Clause(
        "backprop",
        "forward: ReLU hidden layer, softmax output probs (N,O)",
        "forward-matches-reference",
        """
def forward(X, params):
    z1 = X @ params["W1"].T + params["b1"]
    a1 = np.tanh(z1)
    z2 = a1 @ params["W2"].T + params["b2"]
    probs = softmax(z2, axis=1)
    return probs, {"X": X, "z1": z1, "a1": a1, "z2": z2, "probs": probs}
""",
    ),
    Clause(
        "backprop",
        "backward: gradients of the mean CE loss (ReLU derivative at z1)",
        "backward-matches-reference",
        """
def backward(params, cache, labels):
    X, a1, probs = cache["X"], cache["a1"], cache["probs"]
    N = X.shape[0]
    onehot = np.zeros_like(probs)
    onehot[np.arange(N), labels] = 1.0
    delta2 = (probs - onehot) / N
    delta1 = (delta2 @ params["W2"]) * (a1 > 1.0)
    return {"W1": delta1.T @ X, "b1": delta1.sum(0), "W2": delta2.T @ a1, "b2": delta2.sum(0)}
""",
    ),
    Clause(
        "backprop",
        "backward: same keys and shapes as params (biases summed over the batch)",
        "backward-batch-duplication",
        """
def backward(params, cache, labels):
    X, z1, a1, probs = cache["X"], cache["z1"], cache["a1"], cache["probs"]
    N = X.shape[0]
    onehot = np.zeros_like(probs)
    onehot[np.arange(N), labels] = 1.0
    delta2 = (probs - onehot) / N
    delta1 = (delta2 @ params["W2"]) * relu_grad(z1)
    return {"W1": delta1.T @ X, "b1": delta1.mean(0), "W2": delta2.T @ a1, "b2": delta2.mean(0)}
""",
    ),
    Clause(
        "backprop",
        "loss_and_grads: the mean CE loss with its gradients",
        "loss_and_grads-batch-duplication",
        """
def loss_and_grads(params, X, labels):
    _, cache = forward(X, params)
    loss = cross_entropy(cache["z2"], labels) * X.shape[0]
    return loss, backward(params, cache, labels)
""",
    ),
    Clause(
        "backprop",
        "numerical_gradient: central differences",
        "numerical_gradient-matches-reference",
        """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    base = f(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + h
        grad[i] = (f(x) - base) / h
        x[i] = original
    return grad
""",
    ),
    Clause(
        "backprop",
        "numerical_gradient: x holds its original values afterwards",
        "numerical_gradient-restores-input",
        """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + h
        f_plus = f(x)
        x[i] = original - h
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad
""",
    ),
    Clause(
        "gradient_descent",
        "updates_per_epoch: ceil(n / batch_size)",
        "updates_per_epoch-special-values",
        """
def updates_per_epoch(n_samples, batch_size):
    return 1 if batch_size is None else n_samples // batch_size
""",
    ),
    Clause(
        "gradient_descent",
        "updates_per_epoch: batch_size=None means 1 update",
        "updates_per_epoch-special-values",
        """
def updates_per_epoch(n_samples, batch_size):
    return math.ceil(n_samples / (batch_size or 1))
""",
    ),
    Clause(
        "gradient_descent",
        "minibatches: order = rng.permutation(n) if rng is given",
        "minibatches-reshuffles-each-epoch",
        """
def minibatches(n_samples, batch_size, rng=None):
    order = rng.choice(n_samples, n_samples, replace=False) if rng is not None else np.arange(n_samples)
    return [order[s : s + batch_size] for s in range(0, n_samples, batch_size)]
""",
    ),
    Clause(
        "gradient_descent",
        "minibatches: arange(n) without rng",
        "minibatches-partition",
        """
def minibatches(n_samples, batch_size, rng=None):
    rng = rng if rng is not None else np.random.default_rng(0)
    order = rng.permutation(n_samples)
    return [order[s : s + batch_size] for s in range(0, n_samples, batch_size)]
""",
    ),
    Clause(
        "gradient_descent",
        "minibatches: the last batch may be shorter (every index exactly once)",
        "minibatches-partition",
        """
def minibatches(n_samples, batch_size, rng=None):
    order = rng.permutation(n_samples) if rng is not None else np.arange(n_samples)
    return [order[s : s + batch_size] for s in range(0, n_samples - batch_size + 1, batch_size)]
""",
    ),
    Clause(
        "gradient_descent",
        "linreg_grad: the gradient of mean((X w + b - y)^2)",
        "linreg_grad-matches-reference",
        """
def linreg_grad(w, b, X, y):
    r = X @ w + b - y
    return (X.T @ r) / X.shape[0], float(r.mean())
""",
    ),
    Clause(
        "gradient_descent",
        "fit_linear_regression: w starts at zeros (d,), b at 0.0",
        "fit-matches-reference",
        """
def fit_linear_regression(X, y, lr, epochs, batch_size=None, rng=None):
    n, d = X.shape
    w, b, history = np.full(d, 0.1), 0.0, []
    for _ in range(epochs):
        for batch in minibatches(n, batch_size or n, rng):
            dw, db = linreg_grad(w, b, X[batch], y[batch])
            w = w - lr * dw
            b = b - lr * db
        history.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, b, history
""",
    ),
    Clause(
        "gradient_descent",
        "fit_linear_regression: one GD step per batch of minibatches(n, batch_size or n, rng)",
        "fit-matches-reference",
        """
def fit_linear_regression(X, y, lr, epochs, batch_size=None, rng=None):
    n, d = X.shape
    w, b, history = np.zeros(d), 0.0, []
    for _ in range(epochs):
        dw, db = linreg_grad(w, b, X, y)
        for batch in minibatches(n, batch_size or n, rng):
            w = w - lr * dw
            b = b - lr * db
        history.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, b, history
""",
    ),
    Clause(
        "gradient_descent",
        "fit_linear_regression: each epoch draws a new permutation from rng",
        "fit-matches-reference",
        """
def fit_linear_regression(X, y, lr, epochs, batch_size=None, rng=None):
    n, d = X.shape
    w, b, history = np.zeros(d), 0.0, []
    batches = minibatches(n, batch_size or n, rng)
    for _ in range(epochs):
        for batch in batches:
            dw, db = linreg_grad(w, b, X[batch], y[batch])
            w = w - lr * dw
            b = b - lr * db
        history.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, b, history
""",
    ),
    Clause(
        "gradient_descent",
        "fit_linear_regression: history[e] is the full-data MSE after epoch e",
        "fit-loss-history",
        """
def fit_linear_regression(X, y, lr, epochs, batch_size=None, rng=None):
    n, d = X.shape
    w, b, history = np.zeros(d), 0.0, []
    for _ in range(epochs):
        for batch in minibatches(n, batch_size or n, rng):
            dw, db = linreg_grad(w, b, X[batch], y[batch])
            w = w - lr * dw
            b = b - lr * db
        history.append(float(np.mean((X[batch] @ w + b - y[batch]) ** 2)))
    return w, b, history
""",
    ),
    Clause(
        "gradient_descent",
        "normal_equation: least squares with a bias term",
        "normal_equation-matches-reference",
        """
def normal_equation(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0], 0.0
""",
    ),
    Clause(
        "optimizers",
        "step updates every array in params in place (same array objects)",
        "sgd-decreases-quadratic",
        """
class SGD(SGD):
    def step(self, params, grads):
        for key in params:
            params[key] = params[key] - self.lr * (grads[key] + self.weight_decay * params[key])
""",
    ),
    Clause(
        "optimizers",
        "optimizer state is kept per key",
        "sgd-keeps-per-key-state",
        """
class SGD(SGD):
    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p
            if self.momentum != 0.0:
                v = self.velocity.get("shared")
                if v is not None and v.shape == g.shape:
                    g = self.momentum * v + g
                self.velocity["shared"] = g
            p -= self.lr * g
""",
    ),
    Clause(
        "optimizers",
        "SGD momentum as torch.optim (velocity kept between steps)",
        "sgd-momentum-matches-torch-semantics",
        """
class SGD(SGD):
    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p
            if self.momentum != 0.0:
                g = self.momentum * np.zeros_like(p) + g
            p -= self.lr * g
""",
    ),
    Clause(
        "optimizers",
        "SGD: the first momentum buffer is the first gradient",
        "sgd-momentum-matches-torch-semantics",
        """
class SGD(SGD):
    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p
            if self.momentum != 0.0:
                v = self.velocity.get(key, (1.0 - self.momentum) * g)
                g = self.momentum * v + g if key in self.velocity else v
                self.velocity[key] = g
            p -= self.lr * g
""",
    ),
    Clause(
        "optimizers",
        "weight_decay adds wd * p to the gradient",
        "sgd-momentum-matches-torch-semantics",
        """
class SGD(SGD):
    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key]
            if self.momentum != 0.0:
                if key in self.velocity:
                    g = self.momentum * self.velocity[key] + g
                self.velocity[key] = g
            p -= self.lr * (g + self.weight_decay * p)
""",
    ),
    Clause(
        "optimizers",
        "RMSProp: eps added after the square root",
        "rmsprop-matches-torch-semantics",
        """
class RMSProp(RMSProp):
    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key]
            s = self.alpha * self.square_avg.get(key, np.zeros_like(p)) + (1.0 - self.alpha) * g**2
            self.square_avg[key] = s
            p -= self.lr * g / np.sqrt(s + self.eps)
""",
    ),
    Clause(
        "optimizers",
        "RMSProp: square average with alpha (torch.optim semantics)",
        "rmsprop-matches-torch-semantics",
        """
class RMSProp(RMSProp):
    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key]
            s = (1.0 - self.alpha) * self.square_avg.get(key, np.zeros_like(p)) + self.alpha * g**2
            self.square_avg[key] = s
            p -= self.lr * g / (np.sqrt(s) + self.eps)
""",
    ),
    Clause(
        "optimizers",
        "Adagrad: a sum of squared gradients",
        "adagrad-matches-torch-semantics",
        """
class Adagrad(Adagrad):
    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key]
            G = 0.9 * self.sum_sq.get(key, np.zeros_like(p)) + 0.1 * g**2
            self.sum_sq[key] = G
            p -= self.lr * g / (np.sqrt(G) + self.eps)
""",
    ),
    Clause(
        "optimizers",
        "Adam with bias correction",
        "adam-matches-torch-semantics",
        """
class Adam(Adam):
    def step(self, params, grads):
        beta1, beta2 = self.betas
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p
            self.m[key] = beta1 * self.m.get(key, 0.0) + (1.0 - beta1) * g
            self.v[key] = beta2 * self.v.get(key, 0.0) + (1.0 - beta2) * g**2
            p -= self.lr * self.m[key] / (np.sqrt(self.v[key]) + self.eps)
""",
    ),
    Clause(
        "optimizers",
        "Adam: weight_decay added to the gradient (not decoupled)",
        "adam-matches-torch-semantics",
        """
class Adam(Adam):
    def step(self, params, grads):
        beta1, beta2 = self.betas
        for key, p in params.items():
            g = grads[key]
            t = self.t[key] = self.t.get(key, 0) + 1
            self.m[key] = beta1 * self.m.get(key, 0.0) + (1.0 - beta1) * g
            self.v[key] = beta2 * self.v.get(key, 0.0) + (1.0 - beta2) * g**2
            m_hat = self.m[key] / (1.0 - beta1**t)
            v_hat = self.v[key] / (1.0 - beta2**t)
            p -= self.lr * (m_hat / (np.sqrt(v_hat) + self.eps) + self.weight_decay * p)
""",
    ),
    Clause(
        "optimizers",
        "step_lr: initial_lr * gamma ** (epoch // step_size)",
        "step_lr-special-values",
        """
def step_lr(initial_lr, epoch, step_size, gamma=0.1):
    return initial_lr * gamma ** ((epoch + 1) // step_size)
""",
    ),
    Clause(
        "regularization",
        "dropout: mask = rng.random(x.shape) >= p",
        "dropout-matches-reference",
        """
def dropout(x, p, training, rng):
    if not training:
        return x.copy(), np.ones(x.shape, dtype=bool)
    mask = rng.random(x.shape) < 1.0 - p
    return (np.zeros_like(x) if p == 1.0 else x * mask / (1.0 - p)), mask
""",
    ),
    Clause(
        "regularization",
        "dropout: out = x * mask / (1 - p)",
        "dropout-keeps-mean-drops-fraction-p",
        """
def dropout(x, p, training, rng):
    if not training:
        return x.copy(), np.ones(x.shape, dtype=bool)
    mask = rng.random(x.shape) >= p
    return x * mask, mask
""",
    ),
    Clause(
        "regularization",
        "dropout: p = 1 gives zeros",
        "dropout-special-values",
        """
def dropout(x, p, training, rng):
    if not training:
        return x.copy(), np.ones(x.shape, dtype=bool)
    mask = rng.random(x.shape) >= p
    with np.errstate(all="ignore"):
        return x * mask / (1.0 - p), mask
""",
    ),
    Clause(
        "regularization",
        "dropout: training=False gives x unchanged and an all-True mask",
        "dropout-special-values",
        """
def dropout(x, p, training, rng):
    mask = rng.random(x.shape) >= p
    if p == 1.0:
        return np.zeros_like(x), mask
    return x * mask / (1.0 - p), mask
""",
    ),
    Clause(
        "regularization",
        "l2_penalty: lam * sum of squares of the W* arrays (biases not penalised)",
        "l2_penalty-special-values",
        """
def l2_penalty(params, lam):
    return lam * sum(float(np.sum(v ** 2)) for v in params.values())
""",
    ),
    Clause(
        "regularization",
        "l2_penalty_grad: 2 lam W for W* keys, zeros for the others",
        "l2_penalty_grad-special-values",
        """
def l2_penalty_grad(params, lam):
    return {k: 2.0 * lam * v for k, v in params.items() if k.startswith("W")}
""",
    ),
    Clause(
        "regularization",
        "batchnorm_forward (training): batch mean and biased variance",
        "batchnorm_forward-special-values",
        """
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if not training:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        return gamma * x_hat + beta, running_mean.copy(), running_var.copy()
    n, mu, var = x.shape[0], x.mean(axis=0), x.var(axis=0, ddof=1)
    x_hat = (x - mu) / np.sqrt(var + eps)
    new_mean = (1.0 - momentum) * running_mean + momentum * mu
    return gamma * x_hat + beta, new_mean, (1.0 - momentum) * running_var + momentum * var
""",
    ),
    Clause(
        "regularization",
        "batchnorm_forward: running stats (1-m) old + m new, with the unbiased variance",
        "batchnorm_forward-special-values",
        """
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if not training:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        return gamma * x_hat + beta, running_mean.copy(), running_var.copy()
    mu, var = x.mean(axis=0), x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    new_mean = (1.0 - momentum) * running_mean + momentum * mu
    return gamma * x_hat + beta, new_mean, (1.0 - momentum) * running_var + momentum * var
""",
    ),
    Clause(
        "regularization",
        "batchnorm_forward: momentum weighs the new statistics",
        "batchnorm_forward-special-values",
        """
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if not training:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        return gamma * x_hat + beta, running_mean.copy(), running_var.copy()
    n, mu, var = x.shape[0], x.mean(axis=0), x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    new_mean = momentum * running_mean + (1.0 - momentum) * mu
    new_var = momentum * running_var + (1.0 - momentum) * var * n / (n - 1)
    return gamma * x_hat + beta, new_mean, new_var
""",
    ),
    Clause(
        "regularization",
        "batchnorm_forward (eval): normalises with the running stats",
        "batchnorm-eval-rows-independent",
        """
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    n, mu, var = x.shape[0], x.mean(axis=0), x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    if not training:
        return gamma * x_hat + beta, running_mean.copy(), running_var.copy()
    new_mean = (1.0 - momentum) * running_mean + momentum * mu
    new_var = (1.0 - momentum) * running_var + momentum * var * n / (n - 1)
    return gamma * x_hat + beta, new_mean, new_var
""",
    ),
    Clause(
        "regularization",
        "batchnorm_forward (eval): returns the running stats unchanged",
        "batchnorm_forward-special-values",
        """
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    n, mu, var = x.shape[0], x.mean(axis=0), x.var(axis=0)
    new_mean = (1.0 - momentum) * running_mean + momentum * mu
    new_var = (1.0 - momentum) * running_var + momentum * var * n / (n - 1)
    if not training:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        return gamma * x_hat + beta, new_mean, new_var
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, new_mean, new_var
""",
    ),
    Clause(
        "regularization",
        "EarlyStopping.step: True once patience consecutive calls brought no improvement",
        "early-stopping-scripted",
        """
class EarlyStopping(EarlyStopping):
    def step(self, val_loss):
        super().step(val_loss)
        return self.bad_calls > self.patience
""",
    ),
    Clause(
        "regularization",
        "EarlyStopping: improvement is val_loss < best_loss - min_delta",
        "early-stopping-scripted",
        """
class EarlyStopping(EarlyStopping):
    def step(self, val_loss):
        self.epoch += 1
        if self.best_loss is None or val_loss < self.best_loss:
            self.best_loss, self.best_epoch, self.bad_calls = val_loss, self.epoch, 0
        else:
            self.bad_calls += 1
        return self.bad_calls >= self.patience
""",
    ),
    Clause(
        "regularization",
        "EarlyStopping: improvement is strict (equal is not better)",
        "early-stopping-scripted",
        """
class EarlyStopping(EarlyStopping):
    def step(self, val_loss):
        self.epoch += 1
        if self.best_loss is None or val_loss <= self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.bad_calls = val_loss, self.epoch, 0
        else:
            self.bad_calls += 1
        return self.bad_calls >= self.patience
""",
    ),
    Clause(
        "regularization",
        "EarlyStopping: .best_epoch is the 0-based index of the best call",
        "early-stopping-scripted",
        """
class EarlyStopping(EarlyStopping):
    def step(self, val_loss):
        stop = super().step(val_loss)
        self.best_epoch = self.epoch + 1 if self.bad_calls == 0 else self.best_epoch
        return stop
""",
    ),
    Clause(
        "regularization",
        "EarlyStopping: .best_loss and .best_epoch are defined from the first call on",
        "early-stopping-scripted",
        """
class EarlyStopping(EarlyStopping):
    def step(self, val_loss):
        if self.epoch < 0:  # the first loss is only remembered
            self.epoch, self.first = 0, val_loss
            return False
        if self.best_loss is None:
            self.best_loss, self.best_epoch = self.first, 0
        return super().step(val_loss)
""",
    ),
    Clause(
        "training_loop",
        "WineDataset is a torch.utils.data.Dataset",
        "WineDataset-items",
        """
class WineDataset:
    def __init__(self, X, y):
        self.X = torch.tensor(np.asarray(X), dtype=torch.float32)
        self.y = torch.tensor(np.asarray(y), dtype=torch.int64)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.X[i], self.y[i]
""",
    ),
    Clause(
        "training_loop",
        "WineDataset: item i is (float32 tensor (d,), ...)",
        "WineDataset-items",
        """
class WineDataset(WineDataset):
    def __getitem__(self, i):
        return self.X[i].double(), self.y[i]
""",
    ),
    Clause(
        "training_loop",
        "WineDataset: item i is (..., int64 scalar tensor)",
        "WineDataset-items",
        """
class WineDataset(WineDataset):
    def __getitem__(self, i):
        return self.X[i], self.y[i : i + 1]
""",
    ),
    Clause(
        "training_loop",
        "standardize: mean and std fitted on the training split only",
        "standardize-shifted-test-split",
        """
def standardize(X_train, X_test):
    X_all = np.concatenate([X_train, X_test])
    mu, sigma = X_all.mean(axis=0), X_all.std(axis=0)
    return (X_train - mu) / sigma, (X_test - mu) / sigma
""",
    ),
    Clause(
        "training_loop",
        "standardize: population std",
        "standardize-special-values",
        """
def standardize(X_train, X_test):
    mu, sigma = X_train.mean(axis=0), X_train.std(axis=0, ddof=1)
    return (X_train - mu) / sigma, (X_test - mu) / sigma
""",
    ),
    Clause(
        "training_loop",
        "train_one_epoch: train mode",
        "train_one_epoch-train-mode",
        """
def train_one_epoch(model, loader, optimizer, criterion, device):
    total_loss, correct, seen = 0.0, 0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        logits = model(xb)
        loss = criterion(logits, yb)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * yb.shape[0]
        correct += (logits.argmax(dim=1) == yb).sum().item()
        seen += yb.shape[0]
    return total_loss / seen, correct / seen
""",
    ),
    Clause(
        "training_loop",
        "train_one_epoch: zero grads every batch",
        "train_one_epoch-zero-grad",
        """
def train_one_epoch(model, loader, optimizer, criterion, device):
    model.train()
    optimizer.zero_grad()
    total_loss, correct, seen = 0.0, 0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        logits = model(xb)
        loss = criterion(logits, yb)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * yb.shape[0]
        correct += (logits.argmax(dim=1) == yb).sum().item()
        seen += yb.shape[0]
    return total_loss / seen, correct / seen
""",
    ),
    Clause(
        "training_loop",
        "train_one_epoch: loss is the per-sample mean over the epoch",
        "train_one_epoch-per-sample-loss",
        """
def train_one_epoch(model, loader, optimizer, criterion, device):
    model.train()
    losses, correct, seen = [], 0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        logits = model(xb)
        loss = criterion(logits, yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        correct += (logits.argmax(dim=1) == yb).sum().item()
        seen += yb.shape[0]
    return sum(losses) / len(losses), correct / seen
""",
    ),
    Clause(
        "training_loop",
        "train_one_epoch: accuracy in [0, 1]",
        "train_one_epoch-matches-reference",
        """
def train_one_epoch(model, loader, optimizer, criterion, device):
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        logits = model(xb)
        loss = criterion(logits, yb)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * yb.shape[0]
        correct += (logits.argmax(dim=1) == yb).sum().item()
        seen += yb.shape[0]
    return total_loss / seen, 100.0 * correct / seen
""",
    ),
    Clause(
        "training_loop",
        "train_one_epoch: batches moved to the device given",
        "train_one_epoch-uses-device",
        """
def train_one_epoch(model, loader, optimizer, criterion, device):
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for xb, yb in loader:
        optimizer.zero_grad()
        logits = model(xb)
        loss = criterion(logits, yb)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * yb.shape[0]
        correct += (logits.argmax(dim=1) == yb).sum().item()
        seen += yb.shape[0]
    return total_loss / seen, correct / seen
""",
    ),
    Clause(
        "training_loop",
        "evaluate: eval mode",
        "evaluate-deterministic",
        """
def evaluate(model, loader, criterion, device):
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            logits = model(xb)
            total_loss += criterion(logits, yb).item() * yb.shape[0]
            correct += (logits.argmax(dim=1) == yb).sum().item()
            seen += yb.shape[0]
    return total_loss / seen, correct / seen
""",
    ),
    Clause(
        "training_loop",
        "evaluate: no gradient tracking",
        "evaluate-no-grad",
        """
def evaluate(model, loader, criterion, device):
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        logits = model(xb)
        total_loss += criterion(logits, yb).item() * yb.shape[0]
        correct += (logits.argmax(dim=1) == yb).sum().item()
        seen += yb.shape[0]
    return total_loss / seen, correct / seen
""",
    ),
    Clause(
        "training_loop",
        "evaluate: the same averaging (per-sample mean)",
        "evaluate-per-sample-loss",
        """
def evaluate(model, loader, criterion, device):
    model.eval()
    losses, correct, seen = [], 0, 0
    with torch.no_grad():
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            logits = model(xb)
            losses.append(criterion(logits, yb).item())
            correct += (logits.argmax(dim=1) == yb).sum().item()
            seen += yb.shape[0]
    return sum(losses) / len(losses), correct / seen
""",
    ),
    Clause(
        "training_loop",
        "evaluate: batches moved to the device given",
        "evaluate-uses-device",
        """
def evaluate(model, loader, criterion, device):
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for xb, yb in loader:
            logits = model(xb)
            total_loss += criterion(logits, yb).item() * yb.shape[0]
            correct += (logits.argmax(dim=1) == yb).sum().item()
            seen += yb.shape[0]
    return total_loss / seen, correct / seen
""",
    ),
    Clause(
        "training_loop",
        "fit: a dict of lists train_loss, train_acc, val_loss, val_acc, one entry per epoch run",
        "fit-matches-reference",
        """
_fit = fit


def fit(model, train_loader, val_loader, optimizer, criterion, epochs, device, patience=None):
    history = _fit(model, train_loader, val_loader, optimizer, criterion, epochs, device, patience)
    history["val_acc"] = history["val_acc"][:1]
    return history
""",
    ),
    Clause(
        "training_loop",
        "fit: with patience, stops after patience epochs without a val-loss improvement",
        "fit-early-stopping",
        """
_fit = fit


def fit(model, train_loader, val_loader, optimizer, criterion, epochs, device, patience=None):
    more = None if patience is None else patience + 1
    return _fit(model, train_loader, val_loader, optimizer, criterion, epochs, device, more)
""",
    ),
    Clause(
        "training_loop",
        "fit: the model ends with the weights of its best validation epoch, whether or not it stopped early",
        "fit-restores-best-weights",
        """
def fit(model, train_loader, val_loader, optimizer, criterion, epochs, device, patience=None):
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    best_loss, best_state, bad_epochs = float("inf"), None, 0
    for _ in range(epochs):
        train_loss, train_acc = train_one_epoch(model, train_loader, optimizer, criterion, device)
        val_loss, val_acc = evaluate(model, val_loader, criterion, device)
        for key, value in zip(history, (train_loss, train_acc, val_loss, val_acc)):
            history[key].append(value)
        if patience is None:
            continue
        if val_loss < best_loss:
            best_loss, best_state, bad_epochs = val_loss, copy.deepcopy(model.state_dict()), 0
        else:
            bad_epochs += 1
            if bad_epochs >= patience:
                model.load_state_dict(best_state)
                break
    return history
""",
    ),
    Clause(
        "training_loop",
        "fit: without patience, every epoch runs and the final weights stay",
        "fit-matches-reference",
        """
_fit = fit


def fit(model, train_loader, val_loader, optimizer, criterion, epochs, device, patience=None):
    return _fit(model, train_loader, val_loader, optimizer, criterion, epochs, device, patience or 1)
""",
    ),
    Clause(
        "training_loop",
        "fit: trains and validates on the device given",
        "fit-uses-device",
        """
_fit = fit


def fit(model, train_loader, val_loader, optimizer, criterion, epochs, device, patience=None):
    return _fit(model, train_loader, val_loader, optimizer, criterion, epochs, "cpu", patience)
""",
    ),
    Clause(
        "cnn",
        "conv_output_size: floor((size + 2 padding - kernel) / stride) + 1",
        "conv_output_size-special-values",
        """
def conv_output_size(size, kernel, stride=1, padding=0):
    return (size + padding - kernel) // stride + 1
""",
    ),
    Clause(
        "cnn",
        "conv2d_forward: cross-correlation, as torch.nn.functional.conv2d (kernel not flipped)",
        "conv2d_forward-asymmetric-kernel",
        """
_conv2d_forward = conv2d_forward


def conv2d_forward(x, w, b, stride=1, padding=0):
    return _conv2d_forward(x, w[:, :, ::-1, ::-1], b, stride, padding)
""",
    ),
    Clause(
        "cnn",
        "conv2d_forward: zero padding on both sides",
        "conv2d_forward-padding-one-hot-corner",
        """
_conv2d_forward = conv2d_forward


def conv2d_forward(x, w, b, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), mode="edge")
    return _conv2d_forward(x, w, b, stride, 0)
""",
    ),
    Clause(
        "cnn",
        "conv2d_forward: stride",
        "conv2d_forward-stride-odd-sizes",
        """
_conv2d_forward = conv2d_forward


def conv2d_forward(x, w, b, stride=1, padding=0):
    full = _conv2d_forward(x, w, b, 1, padding)
    OH = conv_output_size(x.shape[2], w.shape[2], stride, padding)
    OW = conv_output_size(x.shape[3], w.shape[3], stride, padding)
    return full[:, :, :OH, :OW]
""",
    ),
    Clause(
        "cnn",
        "conv2d_backward: gradients of sum(out * dout) (dx, dw)",
        "conv2d_backward-overlapping-windows",
        """
_conv2d_backward = conv2d_backward


def conv2d_backward(dout, x, w, b, stride=1, padding=0):
    dx, dw, db = _conv2d_backward(dout, x, w, b, stride, padding)
    return dx, dw / x.shape[0], db
""",
    ),
    Clause(
        "cnn",
        "conv2d_backward: db sums over the batch and every position",
        "conv2d_backward-bias-gradient",
        """
_conv2d_backward = conv2d_backward


def conv2d_backward(dout, x, w, b, stride=1, padding=0):
    dx, dw, db = _conv2d_backward(dout, x, w, b, stride, padding)
    return dx, dw, dout.sum(axis=(2, 3))[0]
""",
    ),
    Clause(
        "cnn",
        "maxpool2d_forward: the maximum of each window",
        "maxpool2d_forward-special-values",
        """
def maxpool2d_forward(x, size=2, stride=2):
    N, C, H, W = x.shape
    OH, OW = (H - size) // stride + 1, (W - size) // stride + 1
    out = np.zeros((N, C, OH, OW))
    for i in range(OH):
        for j in range(OW):
            out[:, :, i, j] = x[:, :, i * stride : i * stride + size, j * stride : j * stride + size].mean(axis=(2, 3))
    return out
""",
    ),
    Clause(
        "cnn",
        "maxpool2d_backward: gradient routed to the position of each window's maximum",
        "maxpool2d_backward-routes-to-max",
        """
def maxpool2d_backward(dout, x, size=2, stride=2):
    dx = np.zeros(x.shape)
    _, _, OH, OW = dout.shape
    for i in range(OH):
        for j in range(OW):
            hs, ws = i * stride, j * stride
            dx[:, :, hs : hs + size, ws : ws + size] += dout[:, :, i, j][:, :, None, None] / (size * size)
    return dx
""",
    ),
    Clause(
        "cnn",
        "SimpleCNN: conv 3->32 (3x3, pad 1) ... linear 128->10",
        "SimpleCNN-layers",
        """
class SimpleCNN(SimpleCNN):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3, padding=0)
        self.fc1 = nn.Linear(64 * 6 * 6, 128)
""",
    ),
    Clause(
        "cnn",
        "SimpleCNN: ReLU, maxpool, ... the notes' order, logits out",
        "SimpleCNN-forward",
        """
class SimpleCNN(SimpleCNN):
    def forward(self, x):
        return torch.softmax(super().forward(x), dim=1)
""",
    ),
    Clause(
        "cnn",
        "count_parameters: number of trainable scalars",
        "count_parameters-models",
        """
def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
""",
    ),
    Clause(
        "cnn",
        "build_digits_model: maps (N,1,8,8) digit images to 10 logits",
        "build_digits_model-runs-on-any-device",
        """
def build_digits_model():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 9))
""",
    ),
    Clause(
        "cnn",
        "build_digits_model: test accuracy >= 0.95 after the standard loop",
        "build_digits_model-accuracy",
        """
def build_digits_model():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 2), nn.Linear(2, 10))
""",
    ),
    Clause(
        "cnn",
        "torch code honours the device: the model goes wholly to the device",
        "build_digits_model-runs-on-any-device",
        """
class Digits(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(512, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.net(x) + torch.zeros(10)


def build_digits_model():
    return Digits()
""",
    ),
)

STATIC = ("allowed-imports", "signatures")


class InProcess(ModuleSubject):
    """A learner module run in this process the way the worker runs it: what the code
    raises is the learner's failure (a LearnerError), and changed inputs are reported."""

    def call_checked(self, function: str, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
        args, kwargs = roundtrip((args, kwargs), resolve_named=True)
        before = _snapshot(list(args), kwargs)
        value = self._run(getattr(self.module, function), *args, **kwargs)
        return roundtrip(value), [label for label, array, copy in before if not _same(array, copy)]

    def call_many(self, function: str, calls: Any) -> list[Any]:
        outcomes: list[Any] = []
        for args, kwargs in calls:
            try:
                outcomes.append(self.call_checked(function, *args, **kwargs))
            except LearnerError as error:
                outcomes.append(error)
        return outcomes

    def scenario(self, function: Any, *args: Any, about: str = "") -> Any:
        args = roundtrip(args, resolve_named=True)
        return roundtrip(self._run(function, self.module, *args))

    @staticmethod
    def _run(function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except Exception as exc:  # the learner's code raised: a verdict, as in the worker
            error = describe_exception(exc)
            raise LearnerError("exception", error["type"], said=error["message"]) from None


@functools.cache
def module_of(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(f"learner_{name}")
    exec(compile(source, f"<learner {name}>", "exec"), module.__dict__)
    return module


def the_check(exercise: str, check_id: str) -> Check:
    return next(c for c in catalog.load(exercise).checks if c.id == check_id)


def verdict(clause: Clause, source: str, secret: str) -> Verdict:
    """The named check's verdict on `source`, run in this process."""
    exercise = catalog.load(clause.exercise)
    if clause.check == "allowed-imports":
        refused = static.refused_imports(
            static.parse(source), catalog.allowed_imports(exercise.name)
        )
        return Verdict(not refused, str(refused))
    module = module_of(source, clause.exercise)
    if clause.check == "signatures":
        problems = [
            static.signature_problem(
                name,
                static.expected_signature(getattr(exercise.reference_module, name)),
                Server.describe(types.SimpleNamespace(module=module), name),  # type: ignore[arg-type]
            )
            for name in exercise.functions
        ]
        found = [p for p in problems if p]
        return Verdict(not found, "; ".join(found))
    ctx = Context(
        exercise.name,
        InProcess(module),
        ModuleSubject(exercise.reference_module),
        secret,
        max_examples=10,
    )
    return the_check(clause.exercise, clause.check).run(ctx)


def test_every_exercise_and_every_row_is_well_formed() -> None:
    assert {c.exercise for c in CLAUSES} == set(catalog.available())
    for clause in CLAUSES:
        if clause.check not in STATIC:
            assert the_check(clause.exercise, clause.check).kind != "hidden", clause.clause
    texts = [(c.exercise, c.clause) for c in CLAUSES]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize("clause", CLAUSES, ids=[f"{c.exercise}:{c.clause}" for c in CLAUSES])
def test_the_one_clause_mutant_fails_its_visible_check_under_any_secret(clause: Clause) -> None:
    for secret in SECRETS:
        found = verdict(clause, clause.source(), secret)
        assert not found.passed, f"{clause.check} passed the mutant under secret {secret!r}"


@pytest.mark.slow
@pytest.mark.parametrize("clause", CLAUSES, ids=[f"{c.exercise}:{c.clause}" for c in CLAUSES])
def test_the_mutant_file_loses_points_when_graded_for_real(clause: Clause, tmp_path: Path) -> None:
    path = tmp_path / f"{clause.exercise}.py"
    path.write_text(clause.source(), "utf-8")
    for secret in SECRETS:
        result = grade(clause.exercise, path, Options(secret=secret))
        failed = {c.id for c in result.checks if not c.passed}
        assert clause.check in failed, (secret, sorted(failed))
        assert result.score < result.max_score
