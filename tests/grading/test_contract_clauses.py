"""Every clause of the curriculum contract is checked by a visible check.

`CLAUSES` goes through shared/spec/curriculum.md clause by clause: the clause,
the visible check that catches it, and the one-clause mutant that breaks it (a
learner file: the exercise's solution with one small patch in one definition,
written as the mutants of mutants.toml are, correct in everything else). Each row is
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
from grader.engine import Check, Context, ModuleSubject, Verdict, mutants, roundtrip
from grader.runner import PUBLIC_SEED, Options, grade
from grader.worker import LearnerError
from grader.worker.server import Server, _same, _snapshot, describe_exception

ROOT = Path(__file__).resolve().parents[2]
SECRETS = (PUBLIC_SEED, "another-course-secret")


@dataclass(frozen=True)
class Clause:
    """One clause of the contract, the visible check that catches it, and its mutant.

    The mutant is a patch of the solution, as in mutants.toml: `edits`, (find,
    replace) pairs made in order inside `function` (a top-level def or class, or
    "Class.method"), each find exactly once there. A mutant that needs what
    no patch of one definition gives (a module-level import, a new class) is
    `appended` source instead, whose definitions replace the solution's.
    """

    exercise: str
    clause: str
    check: str
    function: str = ""
    edits: tuple[tuple[str, str], ...] = ()
    appended: str = ""

    def source(self) -> str:
        solution = (ROOT / "solutions" / f"{self.exercise}.py").read_text("utf-8")
        if self.appended:
            mutant = textwrap.dedent(self.appended)
            return f"{solution}\n\n# one-clause mutant: {self.clause}\n{mutant}"
        return mutants.patch_text(solution, self.function, self.edits, self.clause)


CLAUSES: tuple[Clause, ...] = (
    Clause(
        "losses",
        "numpy functions never mutate their inputs",
        "mse-matches-reference",
        "mse",
        (
            (
                "return float(np.mean((y_pred - y_true)",
                "y_pred -= y_true\n    return float(np.mean(y_pred",
            ),
        ),
    ),
    Clause(
        "neuron",
        "numpy functions work for any batch size including 1",
        "dense_forward-matches-reference",
        "dense_forward",
        (("X @ W.T + b", "np.squeeze(X @ W.T + b)"),),
    ),
    Clause(
        "activations",
        "numpy functions return numpy arrays or Python floats",
        "relu-matches-reference",
        "relu",
        (("maximum(0.0, z)", "maximum(0.0, z).tolist()"),),
    ),
    Clause(
        "neuron",
        "a refused import (os, sys, subprocess, ...) is a failed static check naming it",
        "allowed-imports",
        appended="""
import os


def weighted_sum(x, w, b):
    return float(np.dot(w, x) + b) + 0 * len(os.sep)
""",
    ),
    Clause(
        "activations",
        "parameters exist with these names, in this order, with these defaults",
        "signatures",
        "leaky_relu",
        (("alpha: float = 0.01", "alpha: float = 0.1"),),
    ),
    Clause(
        "neuron",
        "weight matrices are (out, in): a dense layer is X @ W.T + b",
        "dense_forward-matches-reference",
        "dense_forward",
        (("X @ W.T + b", "X @ W + b"),),
    ),
    Clause(
        "losses",
        'a "loss" is the mean over the batch',
        "cross_entropy-batch-duplication",
        "cross_entropy",
        (
            ("    N = logits.shape[0]\n", ""),
            ("mean(log_probs[np.arange(N", "sum(log_probs[np.arange(logits.shape[0]"),
        ),
    ),
    Clause(
        "activations",
        "inputs of magnitude up to 1e3 give finite, correct results",
        "softmax-special-values",
        "softmax",
        (
            (
                "shifted = z - np.max(z, axis=axis, keepdims=True)\n    e = np.exp(shifted",
                "e = np.exp(z",
            ),
        ),
    ),
    Clause(
        "neuron",
        "weighted_sum: z = sum_i w_i x_i + b",
        "weighted_sum-matches-reference",
        "weighted_sum",
        (("w, x) + b)", "w, x))"),),
    ),
    Clause(
        "neuron",
        "neuron_output: activation(weighted_sum(x, w, b))",
        "neuron_output-matches-reference",
        "neuron_output",
        (
            (
                "z = weighted_sum(x, w, b)\n    return float(activation(z)",
                "return weighted_sum(x, w, b",
            ),
        ),
    ),
    Clause(
        "neuron",
        "dense_forward: Z (N,H) = X W^T + b",
        "dense_forward-matches-reference",
        "dense_forward",
        (("X @ W.T + b", "X @ W.T"),),
    ),
    Clause(
        "neuron",
        "perceptron_predict: 1 where X w + b > 0 (strictly), else 0",
        "perceptron_predict-special-values",
        "perceptron_predict",
        (("z = X @ w + b\n    return (z >", "return (X @ w + b >="),),
    ),
    Clause(
        "neuron",
        "perceptron_predict: an int array (N,)",
        "perceptron_predict-int-array",
        "perceptron_predict",
        (("z = X @ w + b\n    return (z > 0).astype(np.int64)", "return X @ w + b > 0"),),
    ),
    Clause(
        "neuron",
        "perceptron_update: w + lr (y - y_hat) x, b + lr (y - y_hat)",
        "perceptron_update-unchanged-when-right",
        "perceptron_update",
        (
            (
                "y_hat = perceptron_predict(x[np.newaxis, :], w, b)[0]\n    error = y - y_hat\n    w_new = w + lr * error * x\n    b_new = b + lr * error\n    return w_new, float(b_new",
                "return w + lr * y * x, float(b + lr * y",
            ),
        ),
    ),
    Clause(
        "neuron",
        "perceptron_update returns new values (its inputs are left unchanged)",
        "perceptron_update-matches-reference",
        "perceptron_update",
        (
            (
                "error = y - y_hat\n    w_new = w + lr * error * x\n    b_new = b + lr * error\n    return w_new, float(b_new",
                "w += lr * (y - y_hat) * x\n    return w, float(b + lr * (y - y_hat)",
            ),
        ),
    ),
    Clause(
        "activations",
        "elementwise functions return arrays of the input's shape",
        "tanh-matches-reference",
        "tanh",
        (("np.tanh(z)", "np.tanh(z).reshape(-1)"),),
    ),
    Clause(
        "activations",
        "sigmoid(z) = 1/(1+e^-z)",
        "sigmoid-special-values",
        "sigmoid",
        (("1.0 / (1.0 + e), e", "e / (1.0 + e), 1.0"),),
    ),
    Clause(
        "activations",
        "sigmoid_grad is s(z)(1-s(z)), evaluated at z, not at the activation's output",
        "sigmoid_grad-special-values",
        "sigmoid_grad",
        (("s = sigmoid(z)\n    return s * (1.0 - s", "return z * (1.0 - z"),),
    ),
    Clause(
        "activations",
        "tanh_grad(z) = 1 - tanh^2 z",
        "tanh_grad-matches-reference",
        "tanh_grad",
        (("np.tanh(z)", "z"),),
    ),
    Clause(
        "activations",
        "relu(z) = max(0, z)",
        "relu-matches-reference",
        "relu",
        (("maximum(0.0, ", "abs("),),
    ),
    Clause(
        "activations",
        "relu_grad is 0 at z = 0",
        "relu_grad-special-values",
        "relu_grad",
        (("(z > 0).astype", "(z >= 0).astype"),),
    ),
    Clause(
        "activations",
        "leaky_relu: z if z > 0 else alpha z",
        "leaky_relu-matches-reference",
        "leaky_relu",
        (("z, alpha *", "z, 0.01 *"),),
    ),
    Clause(
        "activations",
        "leaky_relu_grad: alpha at z = 0 and below",
        "leaky_relu_grad-special-values",
        "leaky_relu_grad",
        (("where(z > 0, 1", "where(z >= 0, 1"),),
    ),
    Clause(
        "activations",
        "elu: alpha (e^z - 1) for z <= 0",
        "elu-special-values",
        "elu",
        ((".expm1(np.", ".exp(np."),),
    ),
    Clause(
        "activations",
        "elu_grad: alpha e^z for z <= 0",
        "elu_grad-matches-reference",
        "elu_grad",
        (("alpha * np", "np"),),
    ),
    Clause(
        "activations",
        "softmax: probabilities along axis",
        "softmax-matches-reference",
        "softmax",
        (
            ("z, axis=axis, keepdims", "z, axis=0, keepdims"),
            ("e, axis=axis, keepdims", "e, axis=0, keepdims"),
        ),
    ),
    Clause(
        "losses",
        "mse: mean of squared errors over all elements",
        "mse-matches-reference",
        "mse",
        (("(y_pred - y_true) ** 2", "np.sum((y_pred - y_true) ** 2, axis=-1)"),),
    ),
    Clause(
        "losses",
        "mse_grad: 2 (y_pred - y_true) / y_pred.size",
        "mse_grad-special-values",
        "mse_grad",
        (("return 2.0 * (y_pred", "return (y_pred"),),
    ),
    Clause(
        "losses",
        "binary_cross_entropy: mean of -(y log p + (1-y) log(1-p))",
        "binary_cross_entropy-matches-reference",
        "binary_cross_entropy",
        (
            (
                "eps = 1e-12\n    p = np.clip(p, eps, 1.0 - eps)\n    return float(np.mean(-(y * np.log(p) + (1.0 - y) * np.log(1.0 - ",
                "p = np.clip(p, 1e-12, 1.0 - 1e-12)\n    return float(np.mean(-(y * np.log(",
            ),
        ),
    ),
    Clause(
        "losses",
        "binary_cross_entropy: p clipped by an eps <= 1e-7, so p of 0 or 1 stays finite",
        "binary_cross_entropy-saturated",
        "binary_cross_entropy",
        (("    eps = 1e-12\n    p = np.clip(p, eps, 1.0 - eps)\n", ""),),
    ),
    Clause(
        "losses",
        "binary_cross_entropy: any eps <= 1e-7 (not a larger one)",
        "binary_cross_entropy-matches-reference",
        "binary_cross_entropy",
        (("eps = 1e-12\n    p = np.clip(p, eps, 1.0 - eps", "p = np.clip(p, 1e-3, 1.0 - 1e-3"),),
    ),
    Clause(
        "losses",
        "cross_entropy: computed stably (log-sum-exp)",
        "cross_entropy-special-values",
        "cross_entropy",
        (
            (
                "N = logits.shape[0]\n    shifted = logits - np.max(logits, axis=1, keepdims=True)\n    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))\n    return float(-np.mean(log_probs[np.arange(N), labels]",
                "probs = np.exp(logits) / np.sum(np.exp(logits), axis=1, keepdims=True)\n    return float(-np.mean(np.log(probs[np.arange(len(labels)), labels])",
            ),
        ),
    ),
    Clause(
        "losses",
        "cross_entropy_grad: (softmax(logits) - onehot(labels)) / N",
        "cross_entropy_grad-batch-duplication",
        "cross_entropy_grad",
        (
            ("    N = logits.shape[0]\n", ""),
            (
                "N), labels] = 1.0\n    return (probs - onehot) / N",
                "logits.shape[0]), labels] = 1.0\n    return probs - onehot",
            ),
        ),
    ),
    Clause(
        "backprop",
        "init_params: W1 then W2 drawn with rng.normal(0, sqrt(2 / fan_in))",
        "init_params-matches-reference",
        "init_params",
        (
            (
                "# BEGIN SOLUTION",
                "# BEGIN SOLUTION\n    W2 = rng.normal(0.0, np.sqrt(2.0 / H), size=(O, H))",
            ),
            (
                "W1 = rng.normal(0.0, np.sqrt(2.0 / d), size=(H, d))\n    W2 = rng.normal(0.0, np.sqrt(2.0 / H), size=(O, H))",
                "W1 = rng.normal(0.0, np.sqrt(2.0 / d), size=(H, d))",
            ),
        ),
    ),
    Clause(
        "backprop",
        "init_params: He scale sqrt(2 / fan_in)",
        "init_params-matches-reference",
        "init_params",
        (
            (
                "2.0 / d), size=(H, d))\n    W2 = rng.normal(0.0, np.sqrt(2",
                "1.0 / d), size=(H, d))\n    W2 = rng.normal(0.0, np.sqrt(1",
            ),
        ),
    ),
    Clause(
        "backprop",
        "init_params: biases zero",
        "init_params-matches-reference",
        "init_params",
        (("np.zeros(H),", "np.full(H, 0.01),"),),
    ),
    Clause(
        "backprop",
        "forward: ReLU hidden layer, softmax output probs (N,O)",
        "forward-matches-reference",
        "forward",
        (
            ("]\n    a1 = relu(z1)", "]\n    a1 = np.tanh(z1)"),
            (
                'cache = {"X": X, "z1": z1, "a1": a1, "z2": z2, "probs": probs}\n    return probs, cache',
                'return probs, {"X": X, "z1": z1, "a1": a1, "z2": z2, "probs": probs}',
            ),
        ),
    ),
    Clause(
        "backprop",
        "backward: gradients of the mean CE loss (ReLU derivative at z1)",
        "backward-matches-reference",
        "backward",
        (
            ('z1, a1, probs = cache["X"], cache["z1', 'a1, probs = cache["X'),
            ("labels] = 1.0\n", "labels] = 1.0"),
            (
                'dW2 = delta2.T @ a1\n    db2 = np.sum(delta2, axis=0)\n\n    delta1 = (delta2 @ params["W2"]) * relu_grad(z1)\n    dW1 = delta1.T @ X\n    db1 = np.sum(delta1, axis=0)\n    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2',
                'delta1 = (delta2 @ params["W2"]) * (a1 > 1.0)\n    return {"W1": delta1.T @ X, "b1": delta1.sum(0), "W2": delta2.T @ a1, "b2": delta2.sum(0)',
            ),
        ),
    ),
    Clause(
        "backprop",
        "backward: same keys and shapes as params (biases summed over the batch)",
        "backward-batch-duplication",
        "backward",
        (
            ("labels] = 1.0\n", "labels] = 1.0"),
            ("\n    dW2 = delta2.T @ a1\n    db2 = np.sum(delta2, axis=0)\n", ""),
            (
                'dW1 = delta1.T @ X\n    db1 = np.sum(delta1, axis=0)\n    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2',
                'return {"W1": delta1.T @ X, "b1": delta1.mean(0), "W2": delta2.T @ a1, "b2": delta2.mean(0)',
            ),
        ),
    ),
    Clause(
        "backprop",
        "loss_and_grads: the mean CE loss with its gradients",
        "loss_and_grads-batch-duplication",
        "loss_and_grads",
        (
            (
                "\n    grads = backward(params, cache, labels)\n    return loss, grads",
                " * X.shape[0]\n    return loss, backward(params, cache, labels)",
            ),
        ),
    ),
    Clause(
        "backprop",
        "numerical_gradient: central differences",
        "numerical_gradient-matches-reference",
        "numerical_gradient",
        (
            (", dtype=np.float64", ")\n    base = f(x"),
            (
                "f_plus = f(x)\n        x[i] = original - h\n        f_minus = f(x)",
                "grad[i] = (f(x) - base) / h",
            ),
            ("        grad[i] = (f_plus - f_minus) / (2.0 * h)\n", ""),
        ),
    ),
    Clause(
        "backprop",
        "numerical_gradient: x holds its original values afterwards",
        "numerical_gradient-restores-input",
        "numerical_gradient",
        (
            (", dtype=np.float64", ""),
            ("        x[i] = original\n", ""),
        ),
    ),
    Clause(
        "gradient_descent",
        "updates_per_epoch: ceil(n / batch_size)",
        "updates_per_epoch-special-values",
        "updates_per_epoch",
        (
            (
                "if batch_size is None:\n        return 1\n    return math.ceil(n_samples / batch_size)",
                "return 1 if batch_size is None else n_samples // batch_size",
            ),
        ),
    ),
    Clause(
        "gradient_descent",
        "updates_per_epoch: batch_size=None means 1 update",
        "updates_per_epoch-special-values",
        "updates_per_epoch",
        (
            (
                "if batch_size is None:\n        return 1\n    return math.ceil(n_samples / batch_size",
                "return math.ceil(n_samples / (batch_size or 1)",
            ),
        ),
    ),
    Clause(
        "gradient_descent",
        "minibatches: order = rng.permutation(n) if rng is given",
        "minibatches-reshuffles-each-epoch",
        "minibatches",
        (
            (
                "permutation(n_samples) if rng is not None else np.arange(n_samples)\n    batches = []\n    for start in range(0, n_samples, batch_size):\n        batches.append(order[start : start + batch_size])\n    return batches",
                "choice(n_samples, n_samples, replace=False) if rng is not None else np.arange(n_samples)\n    return [order[s : s + batch_size] for s in range(0, n_samples, batch_size)]",
            ),
        ),
    ),
    Clause(
        "gradient_descent",
        "minibatches: arange(n) without rng",
        "minibatches-partition",
        "minibatches",
        (
            (
                "order = rng.permutation(n_samples) if rng is not None else np.arange(n_samples)\n    batches = []\n    for start in range(0, n_samples, batch_size):\n        batches.append(order[start : start + batch_size])\n    return batches",
                "rng = rng if rng is not None else np.random.default_rng(0)\n    order = rng.permutation(n_samples)\n    return [order[s : s + batch_size] for s in range(0, n_samples, batch_size)]",
            ),
        ),
    ),
    Clause(
        "gradient_descent",
        "minibatches: the last batch may be shorter (every index exactly once)",
        "minibatches-partition",
        "minibatches",
        (
            (
                "batches = []\n    for start in range(0, n_samples, batch_size):\n        batches.append(order[start : start + batch_size])\n    return batches",
                "return [order[s : s + batch_size] for s in range(0, n_samples - batch_size + 1, batch_size)]",
            ),
        ),
    ),
    Clause(
        "gradient_descent",
        "linreg_grad: the gradient of mean((X w + b - y)^2)",
        "linreg_grad-matches-reference",
        "linreg_grad",
        (
            ("    n = X.shape[0]\n", ""),
            (
                "dw = 2.0 * (X.T @ r) / n\n    db = 2.0 * float(r.mean())\n    return dw, db",
                "return (X.T @ r) / X.shape[0], float(r.mean())",
            ),
        ),
    ),
    Clause(
        "gradient_descent",
        "fit_linear_regression: w starts at zeros (d,), b at 0.0",
        "fit-matches-reference",
        "fit_linear_regression",
        ((" = np.zeros(d)\n    b = 0.0\n    history =", ", b, history = np.full(d, 0.1), 0.0,"),),
    ),
    Clause(
        "gradient_descent",
        "fit_linear_regression: one GD step per batch of minibatches(n, batch_size or n, rng)",
        "fit-matches-reference",
        "fit_linear_regression",
        (
            (" = np.zeros(d)\n    b = 0.0\n    history =", ", b, history = np.zeros(d), 0.0,"),
            ("range(epochs):", "range(epochs):\n        dw, db = linreg_grad(w, b, X, y)"),
            ("            dw, db = linreg_grad(w, b, X[batch], y[batch])\n", ""),
        ),
    ),
    Clause(
        "gradient_descent",
        "fit_linear_regression: each epoch draws a new permutation from rng",
        "fit-matches-reference",
        "fit_linear_regression",
        (
            (
                "w = np.zeros(d)\n    b = 0.0\n    history = []",
                "w, b, history = np.zeros(d), 0.0, []\n    batches = minibatches(n, batch_size or n, rng)",
            ),
            ("for batch in minibatches(n, batch_size or n, rng):", "for batch in batches:"),
        ),
    ),
    Clause(
        "gradient_descent",
        "fit_linear_regression: history[e] is the full-data MSE after epoch e",
        "fit-loss-history",
        "fit_linear_regression",
        (
            (" = np.zeros(d)\n    b = 0.0\n    history =", ", b, history = np.zeros(d), 0.0,"),
            (" @ w + b - y", "[batch] @ w + b - y[batch]"),
        ),
    ),
    Clause(
        "gradient_descent",
        "normal_equation: least squares with a bias term",
        "normal_equation-matches-reference",
        "normal_equation",
        (
            (
                "n, d = X.shape\n    A = np.hstack([X, np.ones((n, 1))])\n    theta = np.linalg.solve(A.T @ A, A.T @ y)\n    return theta[:d], float(theta[d])",
                "return np.linalg.lstsq(X, y, rcond=None)[0], 0.0",
            ),
        ),
    ),
    Clause(
        "optimizers",
        "step updates every array in params in place (same array objects)",
        "sgd-decreases-quadratic",
        "SGD.step",
        (
            (
                ", p in params.items():\n            g = grads[key] + self.weight_decay * p\n            if self.momentum != 0.0:\n                if key in self.velocity:\n                    g = self.momentum * self.velocity[key] + g\n                self.velocity[key] = g\n            p -= self.lr * g",
                " in params:\n            params[key] = params[key] - self.lr * (grads[key] + self.weight_decay * params[key])",
            ),
        ),
    ),
    Clause(
        "optimizers",
        "optimizer state is kept per key",
        "sgd-keeps-per-key-state",
        "SGD.step",
        (
            (
                "if key in self.velocity:\n                    g = self.momentum * self.velocity[key] + g\n                self.velocity[key",
                'v = self.velocity.get("shared")\n                if v is not None and v.shape == g.shape:\n                    g = self.momentum * v + g\n                self.velocity["shared"',
            ),
        ),
    ),
    Clause(
        "optimizers",
        "SGD momentum as torch.optim (velocity kept between steps)",
        "sgd-momentum-matches-torch-semantics",
        "SGD.step",
        (
            (
                "if key in self.velocity:\n                    g = self.momentum * self.velocity[key] + g\n                self.velocity[key] =",
                "g = self.momentum * np.zeros_like(p) +",
            ),
        ),
    ),
    Clause(
        "optimizers",
        "SGD: the first momentum buffer is the first gradient",
        "sgd-momentum-matches-torch-semantics",
        "SGD.step",
        (
            (
                "if key in self.velocity:\n                    g = self.momentum * self.velocity[key] + g",
                "v = self.velocity.get(key, (1.0 - self.momentum) * g)\n                g = self.momentum * v + g if key in self.velocity else v",
            ),
        ),
    ),
    Clause(
        "optimizers",
        "weight_decay adds wd * p to the gradient",
        "sgd-momentum-matches-torch-semantics",
        "SGD.step",
        (
            (" + self.weight_decay * p", ""),
            ("self.lr * g", "self.lr * (g + self.weight_decay * p)"),
        ),
    ),
    Clause(
        "optimizers",
        "RMSProp: eps added after the square root",
        "rmsprop-matches-torch-semantics",
        "RMSProp.step",
        (
            (
                "square_avg.get(key, np.zeros_like(p))\n            s = self.alpha * s",
                "alpha * self.square_avg.get(key, np.zeros_like(p))",
            ),
            ("(np.sqrt(s)", "np.sqrt(s"),
        ),
    ),
    Clause(
        "optimizers",
        "RMSProp: square average with alpha (torch.optim semantics)",
        "rmsprop-matches-torch-semantics",
        "RMSProp.step",
        (
            (
                "self.square_avg.get(key, np.zeros_like(p))\n            s = self.alpha * s + (1.0 - self.alpha)",
                "(1.0 - self.alpha) * self.square_avg.get(key, np.zeros_like(p)) + self.alpha",
            ),
        ),
    ),
    Clause(
        "optimizers",
        "Adagrad: a sum of squared gradients",
        "adagrad-matches-torch-semantics",
        "Adagrad.step",
        (
            (
                "self.sum_sq.get(key, np.zeros_like(p)) +",
                "0.9 * self.sum_sq.get(key, np.zeros_like(p)) + 0.1 *",
            ),
        ),
    ),
    Clause(
        "optimizers",
        "Adam with bias correction",
        "adam-matches-torch-semantics",
        "Adam.step",
        (
            (
                "if key not in self.t:\n                self.t[key] = 0\n                self.m[key] = np.zeros_like(p)\n                self.v[key] = np.zeros_like(p)\n            self.t[key] += 1\n            t = self.t[key]\n            self.m[key] = beta1 * self.m[key] + (1.0 - beta1) * g\n            self.v[key] = beta2 * self.v[key] + (1.0 - beta2) * g**2\n            m_hat = self.m[key] / (1.0 - beta1**t)\n            v_hat = self.v[key] / (1.0 - beta2**t)\n            p -= self.lr * m_hat / (np.sqrt(v_hat",
                "self.m[key] = beta1 * self.m.get(key, 0.0) + (1.0 - beta1) * g\n            self.v[key] = beta2 * self.v.get(key, 0.0) + (1.0 - beta2) * g**2\n            p -= self.lr * self.m[key] / (np.sqrt(self.v[key]",
            ),
        ),
    ),
    Clause(
        "optimizers",
        "Adam: weight_decay added to the gradient (not decoupled)",
        "adam-matches-torch-semantics",
        "Adam.step",
        (
            (
                " + self.weight_decay * p\n            if key not in self.t:\n                self.t[key] = 0\n                self.m[key] = np.zeros_like(p)\n                self.v[key] = np.zeros_like(p)\n            self.t[key] += 1\n            t = self.t[key]\n            self.m[key] = beta1 * self.m[key] + (1.0 - beta1) * g\n            self.v[key] = beta2 * self.v[key]",
                "\n            t = self.t[key] = self.t.get(key, 0) + 1\n            self.m[key] = beta1 * self.m.get(key, 0.0) + (1.0 - beta1) * g\n            self.v[key] = beta2 * self.v.get(key, 0.0)",
            ),
            (
                "m_hat / (np.sqrt(v_hat) + self.eps",
                "(m_hat / (np.sqrt(v_hat) + self.eps) + self.weight_decay * p",
            ),
        ),
    ),
    Clause(
        "optimizers",
        "step_lr: initial_lr * gamma ** (epoch // step_size)",
        "step_lr-special-values",
        "step_lr",
        (
            (
                "return initial_lr * gamma ** (epoch // step_size)",
                "return initial_lr * gamma ** ((epoch + 1) // step_size)",
            ),
        ),
    ),
    Clause(
        "regularization",
        "dropout: mask = rng.random(x.shape) >= p",
        "dropout-matches-reference",
        "dropout",
        (
            (
                ">= p\n    if p == 1.0:\n        return np.zeros_like(x), mask\n    out = x * mask / (1.0 - p)\n    return out",
                "< 1.0 - p\n    return (np.zeros_like(x) if p == 1.0 else x * mask / (1.0 - p))",
            ),
        ),
    ),
    Clause(
        "regularization",
        "dropout: out = x * mask / (1 - p)",
        "dropout-keeps-mean-drops-fraction-p",
        "dropout",
        (
            (
                "if p == 1.0:\n        return np.zeros_like(x), mask\n    out = x * mask / (1.0 - p)\n    return out",
                "return x * mask",
            ),
        ),
    ),
    Clause(
        "regularization",
        "dropout: p = 1 gives zeros",
        "dropout-special-values",
        "dropout",
        (
            (
                "if p == 1.0:\n        return np.zeros_like(x), mask\n    out = x * mask / (1.0 - p)\n    return out",
                'with np.errstate(all="ignore"):\n        return x * mask / (1.0 - p)',
            ),
        ),
    ),
    Clause(
        "regularization",
        "dropout: training=False gives x unchanged and an all-True mask",
        "dropout-special-values",
        "dropout",
        (
            ("    if not training:\n        return x.copy(), np.ones(x.shape, dtype=bool)\n", ""),
            ("out = x * mask / (1.0 - p)\n    return out", "return x * mask / (1.0 - p)"),
        ),
    ),
    Clause(
        "regularization",
        "l2_penalty: lam * sum of squares of the W* arrays (biases not penalised)",
        "l2_penalty-special-values",
        "l2_penalty",
        (
            (
                'total = 0.0\n    for key, value in params.items():\n        if key.startswith("W"):\n            total += float(np.sum(value**2))\n    return lam * total',
                "return lam * sum(float(np.sum(v ** 2)) for v in params.values())",
            ),
        ),
    ),
    Clause(
        "regularization",
        "l2_penalty_grad: 2 lam W for W* keys, zeros for the others",
        "l2_penalty_grad-special-values",
        "l2_penalty_grad",
        (
            (
                'grads = {}\n    for key, value in params.items():\n        if key.startswith("W"):\n            grads[key] = 2.0 * lam * value\n        else:\n            grads[key] = np.zeros_like(value)\n    return grads',
                'return {k: 2.0 * lam * v for k, v in params.items() if k.startswith("W")}',
            ),
        ),
    ),
    Clause(
        "regularization",
        "batchnorm_forward (training): batch mean and biased variance",
        "batchnorm_forward-special-values",
        "batchnorm_forward",
        (
            (
                "training:\n        n = x.shape[0]\n        mu = x.mean(axis=0)\n        var = x.var(axis=0)\n        x_hat = (x - mu) / np.sqrt(var + eps)\n        new_mean = (1.0 - momentum) * running_mean + momentum * mu\n        new_var = (1.0 - momentum) * running_var + momentum * var * n / (n - 1)\n    else",
                "not training",
            ),
            (
                "new_mean = running_mean.copy()\n        new_var = running_var.copy()\n    return gamma * x_hat + beta, new_mean, new_var",
                "return gamma * x_hat + beta, running_mean.copy(), running_var.copy()\n    n, mu, var = x.shape[0], x.mean(axis=0), x.var(axis=0, ddof=1)\n    x_hat = (x - mu) / np.sqrt(var + eps)\n    new_mean = (1.0 - momentum) * running_mean + momentum * mu\n    return gamma * x_hat + beta, new_mean, (1.0 - momentum) * running_var + momentum * var",
            ),
        ),
    ),
    Clause(
        "regularization",
        "batchnorm_forward: running stats (1-m) old + m new, with the unbiased variance",
        "batchnorm_forward-special-values",
        "batchnorm_forward",
        (
            (
                "training:\n        n = x.shape[0]\n        mu = x.mean(axis=0)\n        var = x.var(axis=0)\n        x_hat = (x - mu) / np.sqrt(var + eps)\n        new_mean = (1.0 - momentum) * running_mean + momentum * mu\n        new_var = (1.0 - momentum) * running_var + momentum * var * n / (n - 1)\n    else",
                "not training",
            ),
            (
                "new_mean = running_mean.copy()\n        new_var = running_var.copy()\n    return gamma * x_hat + beta, new_mean, new_var",
                "return gamma * x_hat + beta, running_mean.copy(), running_var.copy()\n    mu, var = x.mean(axis=0), x.var(axis=0)\n    x_hat = (x - mu) / np.sqrt(var + eps)\n    new_mean = (1.0 - momentum) * running_mean + momentum * mu\n    return gamma * x_hat + beta, new_mean, (1.0 - momentum) * running_var + momentum * var",
            ),
        ),
    ),
    Clause(
        "regularization",
        "batchnorm_forward: momentum weighs the new statistics",
        "batchnorm_forward-special-values",
        "batchnorm_forward",
        (
            (
                "training:\n        n = x.shape[0]\n        mu = x.mean(axis=0)\n        var = x.var(axis=0)\n        x_hat = (x - mu) / np.sqrt(var + eps)\n        new_mean = (1.0 - momentum) * running_mean + momentum * mu\n        new_var = (1.0 - momentum) * running_var + momentum * var * n / (n - 1)\n    else",
                "not training",
            ),
            (
                "new_mean = running_mean.copy()\n        new_var = running_var.copy(",
                "return gamma * x_hat + beta, running_mean.copy(), running_var.copy()\n    n, mu, var = x.shape[0], x.mean(axis=0), x.var(axis=0)\n    x_hat = (x - mu) / np.sqrt(var + eps)\n    new_mean = momentum * running_mean + (1.0 - momentum) * mu\n    new_var = momentum * running_var + (1.0 - momentum) * var * n / (n - 1",
            ),
        ),
    ),
    Clause(
        "regularization",
        "batchnorm_forward (eval): normalises with the running stats",
        "batchnorm-eval-rows-independent",
        "batchnorm_forward",
        (
            (
                "if training:\n        n = x.shape[0]\n        mu = x.mean(axis=0)\n        var = x.var(axis=0)\n        x_hat = (x - mu) / np.sqrt(var + eps)\n        new_mean = (1.0 - momentum) * running_mean + momentum * mu\n        new_var = (1.0 - momentum) * running_var + momentum * var * n / (n - 1)\n    else:\n        x_hat = (x - running_mean) / np.sqrt(running_var + eps)\n        new_mean = running_mean.copy()\n        new_var = running_var.copy(",
                "n, mu, var = x.shape[0], x.mean(axis=0), x.var(axis=0)\n    x_hat = (x - mu) / np.sqrt(var + eps)\n    if not training:\n        return gamma * x_hat + beta, running_mean.copy(), running_var.copy()\n    new_mean = (1.0 - momentum) * running_mean + momentum * mu\n    new_var = (1.0 - momentum) * running_var + momentum * var * n / (n - 1",
            ),
        ),
    ),
    Clause(
        "regularization",
        "batchnorm_forward (eval): returns the running stats unchanged",
        "batchnorm_forward-special-values",
        "batchnorm_forward",
        (
            (
                "if training:\n        n = x.shape[0]\n        mu = x.mean(axis=0)\n        var = x.var(axis=0)\n        x_hat = (x - mu) / np.sqrt(var + eps)\n        new_mean = (1.0 - momentum) * running_mean + momentum * mu\n        new_var = (1.0 - momentum) * running_var + momentum * var * n / (n - 1)\n    else",
                "n, mu, var = x.shape[0], x.mean(axis=0), x.var(axis=0)\n    new_mean = (1.0 - momentum) * running_mean + momentum * mu\n    new_var = (1.0 - momentum) * running_var + momentum * var * n / (n - 1)\n    if not training",
            ),
            (
                "new_mean = running_mean.copy()\n        new_var = running_var.copy(",
                "return gamma * x_hat + beta, new_mean, new_var\n    x_hat = (x - mu) / np.sqrt(var + eps",
            ),
        ),
    ),
    Clause(
        "regularization",
        "EarlyStopping.step: True once patience consecutive calls brought no improvement",
        "early-stopping-scripted",
        "EarlyStopping.step",
        (("return self.bad_calls >= self.patience", "return self.bad_calls > self.patience"),),
    ),
    Clause(
        "regularization",
        "EarlyStopping: improvement is val_loss < best_loss - min_delta",
        "early-stopping-scripted",
        "EarlyStopping.step",
        (
            (
                " - self.min_delta:\n            self.best_loss = val_loss\n            self.best_epoch = self.epoch\n            self.bad_calls =",
                ":\n            self.best_loss, self.best_epoch, self.bad_calls = val_loss, self.epoch,",
            ),
        ),
    ),
    Clause(
        "regularization",
        "EarlyStopping: improvement is strict (equal is not better)",
        "early-stopping-scripted",
        "EarlyStopping.step",
        (
            (
                " self.best_loss - self.min_delta:\n            self.best_loss = val_loss\n            self.best_epoch = self.epoch\n            self.bad_calls =",
                "= self.best_loss - self.min_delta:\n            self.best_loss, self.best_epoch, self.bad_calls = val_loss, self.epoch,",
            ),
        ),
    ),
    Clause(
        "regularization",
        "EarlyStopping: .best_epoch is the 0-based index of the best call",
        "early-stopping-scripted",
        "EarlyStopping.step",
        (("self.best_epoch = self.epoch\n", "self.best_epoch = self.epoch + 1\n"),),
    ),
    Clause(
        "regularization",
        "EarlyStopping: .best_loss and .best_epoch are defined from the first call on",
        "early-stopping-scripted",
        "EarlyStopping.step",
        (
            (
                "self.epoch += 1",
                "if self.epoch < 0:  # the first loss is only remembered\n            self.epoch, self.first = 0, val_loss\n            return False\n        if self.best_loss is None:\n            self.best_loss, self.best_epoch = self.first, 0\n        self.epoch += 1",
            ),
        ),
    ),
    Clause(
        "training_loop",
        "WineDataset is a torch.utils.data.Dataset",
        "WineDataset-items",
        "WineDataset",
        (("class WineDataset(Dataset):", "class WineDataset:"),),
    ),
    Clause(
        "training_loop",
        "WineDataset: item i is (float32 tensor (d,), ...)",
        "WineDataset-items",
        "WineDataset.__getitem__",
        (("X[i], self", "X[i].double(), self"),),
    ),
    Clause(
        "training_loop",
        "WineDataset: item i is (..., int64 scalar tensor)",
        "WineDataset-items",
        "WineDataset.__getitem__",
        ((", self.y[i]", ", self.y[i : i + 1]"),),
    ),
    Clause(
        "training_loop",
        "standardize: mean and std fitted on the training split only",
        "standardize-shifted-test-split",
        "standardize",
        (
            (
                "mu = X_train.mean(axis=0)\n    sigma = X_train",
                "X_all = np.concatenate([X_train, X_test])\n    mu, sigma = X_all.mean(axis=0), X_all",
            ),
        ),
    ),
    Clause(
        "training_loop",
        "standardize: population std",
        "standardize-special-values",
        "standardize",
        (
            (
                " = X_train.mean(axis=0)\n    sigma = X_train.std(axis=0",
                ", sigma = X_train.mean(axis=0), X_train.std(axis=0, ddof=1",
            ),
        ),
    ),
    Clause(
        "training_loop",
        "train_one_epoch: train mode",
        "train_one_epoch-train-mode",
        "train_one_epoch",
        (("    model.train()\n", ""),),
    ),
    Clause(
        "training_loop",
        "train_one_epoch: zero grads every batch",
        "train_one_epoch-zero-grad",
        "train_one_epoch",
        (
            ("model.train()", "model.train()\n    optimizer.zero_grad()"),
            ("        optimizer.zero_grad()\n", ""),
        ),
    ),
    Clause(
        "training_loop",
        "train_one_epoch: loss is the per-sample mean over the epoch",
        "train_one_epoch-per-sample-loss",
        "train_one_epoch",
        (
            ("total_loss, correct, seen = 0.0", "losses, correct, seen = []"),
            ("total_loss += loss.item() * yb.shape[0]", "losses.append(loss.item())"),
            ("total_loss / seen", "sum(losses) / len(losses)"),
        ),
    ),
    Clause(
        "training_loop",
        "train_one_epoch: accuracy in [0, 1]",
        "train_one_epoch-matches-reference",
        "train_one_epoch",
        (("seen, correct", "seen, 100.0 * correct"),),
    ),
    Clause(
        "training_loop",
        "train_one_epoch: batches moved to the device given",
        "train_one_epoch-uses-device",
        "train_one_epoch",
        (("        xb, yb = xb.to(device), yb.to(device)\n", ""),),
    ),
    Clause(
        "training_loop",
        "evaluate: eval mode",
        "evaluate-deterministic",
        "evaluate",
        (("    model.eval()\n", ""),),
    ),
    Clause(
        "training_loop",
        "evaluate: no gradient tracking",
        "evaluate-no-grad",
        "evaluate",
        (
            (
                "with torch.no_grad():\n        for xb, yb in loader:\n            xb, yb = xb.to(device), yb.to(device)\n            logits = model(xb)\n            total_loss += criterion(logits, yb).item() * yb.shape[0]\n            correct += (logits.argmax(dim=1) == yb).sum().item()\n    ",
                "for xb, yb in loader:\n        xb, yb = xb.to(device), yb.to(device)\n        logits = model(xb)\n        total_loss += criterion(logits, yb).item() * yb.shape[0]\n        correct += (logits.argmax(dim=1) == yb).sum().item()\n",
            ),
        ),
    ),
    Clause(
        "training_loop",
        "evaluate: the same averaging (per-sample mean)",
        "evaluate-per-sample-loss",
        "evaluate",
        (
            ("total_loss, correct, seen = 0.0", "losses, correct, seen = []"),
            (
                "total_loss += criterion(logits, yb).item() * yb.shape[0]",
                "losses.append(criterion(logits, yb).item())",
            ),
            ("total_loss / seen", "sum(losses) / len(losses)"),
        ),
    ),
    Clause(
        "training_loop",
        "evaluate: batches moved to the device given",
        "evaluate-uses-device",
        "evaluate",
        (("            xb, yb = xb.to(device), yb.to(device)\n", ""),),
    ),
    Clause(
        "training_loop",
        "fit: a dict of lists train_loss, train_acc, val_loss, val_acc, one entry per epoch run",
        "fit-matches-reference",
        "fit",
        (("return history", 'history["val_acc"] = history["val_acc"][:1]\n    return history'),),
    ),
    Clause(
        "training_loop",
        "fit: with patience, stops after patience epochs without a val-loss improvement",
        "fit-early-stopping",
        "fit",
        (("if bad_epochs >= patience:", "if bad_epochs >= patience + 1:"),),
    ),
    Clause(
        "training_loop",
        "fit: the model ends with the weights of its best validation epoch, whether or not it stopped early",
        "fit-restores-best-weights",
        "fit",
        (
            (
                ' = float("inf")\n    best_state = None\n    bad_epochs =',
                ', best_state, bad_epochs = float("inf"), None,',
            ),
            (
                'history["train_loss"].append(train_loss)\n        history["train_acc"].append(train_acc)\n        history["val_loss"].append(val_loss)\n        history["val_acc"].append(val_acc',
                "for key, value in zip(history, (train_loss, train_acc, val_loss, val_acc)):\n            history[key].append(value",
            ),
            (
                " = val_loss\n            best_state = copy.deepcopy(model.state_dict())\n            bad_epochs =",
                ", best_state, bad_epochs = val_loss, copy.deepcopy(model.state_dict()),",
            ),
            ("= patience:", "= patience:\n                model.load_state_dict(best_state)"),
            ("    if best_state is not None:\n        model.load_state_dict(best_state)\n", ""),
        ),
    ),
    Clause(
        "training_loop",
        "fit: without patience, every epoch runs and the final weights stay",
        "fit-matches-reference",
        "fit",
        (("history = {", "patience = patience or 1\n    history = {"),),
    ),
    Clause(
        "training_loop",
        "fit: trains and validates on the device given",
        "fit-uses-device",
        "fit",
        (
            ("optimizer, criterion, device)", 'optimizer, criterion, "cpu")'),
            ("val_loader, criterion, device)", 'val_loader, criterion, "cpu")'),
        ),
    ),
    Clause(
        "cnn",
        "conv_output_size: floor((size + 2 padding - kernel) / stride) + 1",
        "conv_output_size-special-values",
        "conv_output_size",
        (("return (size + 2 * padding -", "return (size + padding -"),),
    ),
    Clause(
        "cnn",
        "conv2d_forward: cross-correlation, as torch.nn.functional.conv2d (kernel not flipped)",
        "conv2d_forward-asymmetric-kernel",
        "conv2d_forward",
        (("np.tensordot(window, w,", "np.tensordot(window, w[:, :, ::-1, ::-1],"),),
    ),
    Clause(
        "cnn",
        "conv2d_forward: zero padding on both sides",
        "conv2d_forward-padding-one-hot-corner",
        "conv2d_forward",
        (
            (
                "(padding, padding), (padding, padding)))",
                '(padding, padding), (padding, padding)), mode="edge")',
            ),
        ),
    ),
    Clause(
        "cnn",
        "conv2d_forward: stride",
        "conv2d_forward-stride-odd-sizes",
        "conv2d_forward",
        (("hs, ws = i * stride, j * stride", "hs, ws = i, j"),),
    ),
    Clause(
        "cnn",
        "conv2d_backward: gradients of sum(out * dout) (dx, dw)",
        "conv2d_backward-overlapping-windows",
        "conv2d_backward",
        (("return dx, dw, db", "return dx, dw / x.shape[0], db"),),
    ),
    Clause(
        "cnn",
        "conv2d_backward: db sums over the batch and every position",
        "conv2d_backward-bias-gradient",
        "conv2d_backward",
        (("db = dout.sum(axis=(0, 2, 3))", "db = dout.sum(axis=(2, 3))[0]"),),
    ),
    Clause(
        "cnn",
        "maxpool2d_forward: the maximum of each window",
        "maxpool2d_forward-special-values",
        "maxpool2d_forward",
        (
            (
                " = conv_output_size(H, size, stride)\n    OW = conv_output_size(W, size, stride)\n    out = np.zeros((N, C, OH, OW), dtype=x.dtype",
                ", OW = (H - size) // stride + 1, (W - size) // stride + 1\n    out = np.zeros((N, C, OH, OW)",
            ),
            (
                "hs, ws = i * stride, j * stride\n            out[:, :, i, j] = x[:, :, hs : hs + size, ws : ws + size].max",
                "out[:, :, i, j] = x[:, :, i * stride : i * stride + size, j * stride : j * stride + size].mean",
            ),
        ),
    ),
    Clause(
        "cnn",
        "maxpool2d_backward: gradient routed to the position of each window's maximum",
        "maxpool2d_backward-routes-to-max",
        "maxpool2d_backward",
        (
            ("N, C, _, _ = x.shape", "dx = np.zeros(x.shape)"),
            ("    dx = np.zeros(x.shape, dtype=np.result_type(dout, x))\n", ""),
            (
                "window = x[:, :, hs : hs + size, ws : ws + size].reshape(N, C, size * size)\n            first_max = window.argmax(axis=2)  # (N, C), index into the flat window\n            mask = np.zeros(window.shape, dtype=dx.dtype)\n            np.put_along_axis(mask, first_max[:, :, None], 1.0, axis=2)\n            mask = mask.reshape(N, C, size, size)\n            dx[:, :, hs : hs + size, ws : ws + size] += mask * dout[:, :, i, j][:, :, None, None]",
                "dx[:, :, hs : hs + size, ws : ws + size] += dout[:, :, i, j][:, :, None, None] / (size * size)",
            ),
        ),
    ),
    Clause(
        "cnn",
        "SimpleCNN: conv 3->32 (3x3, pad 1) ... linear 128->10",
        "SimpleCNN-layers",
        "SimpleCNN.__init__",
        (
            (
                "nn.Conv2d(3, 32, kernel_size=3, padding=1)",
                "nn.Conv2d(3, 32, kernel_size=3, padding=0)",
            ),
            ("nn.Linear(64 * 8 * 8, 128)", "nn.Linear(64 * 6 * 6, 128)"),
        ),
    ),
    Clause(
        "cnn",
        "SimpleCNN: ReLU, maxpool, ... the notes' order, logits out",
        "SimpleCNN-forward",
        "SimpleCNN.forward",
        (("return self.fc2(x)", "return torch.softmax(self.fc2(x), dim=1)"),),
    ),
    Clause(
        "cnn",
        "count_parameters: number of trainable scalars",
        "count_parameters-models",
        "count_parameters",
        ((" if p.requires_grad", ""),),
    ),
    Clause(
        "cnn",
        "build_digits_model: maps (N,1,8,8) digit images to 10 logits",
        "build_digits_model-runs-on-any-device",
        "build_digits_model",
        (
            (
                "\n        nn.Conv2d(1, 32, kernel_size=3, padding=1),\n        nn.ReLU(),\n        nn.MaxPool2d(2),  # (N, 32, 4, 4)\n        nn.Flatten(),\n        nn.Linear(32 * 4 * 4, 128),\n        nn.ReLU(),\n        nn.Linear(128, 10),\n    ",
                "nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 9)",
            ),
        ),
    ),
    Clause(
        "cnn",
        "build_digits_model: test accuracy >= 0.95 after the standard loop",
        "build_digits_model-accuracy",
        "build_digits_model",
        (
            (
                "\n        nn.Conv2d(1, 32, kernel_size=3, padding=1),\n        nn.ReLU(),\n        nn.MaxPool2d(2),  # (N, 32, 4, 4)\n        nn.Flatten(),\n        nn.Linear(32 * 4 * 4, 128),\n        nn.ReLU(),\n        nn.Linear(128, 10),\n    ",
                "nn.Flatten(), nn.Linear(64, 2), nn.Linear(2, 10)",
            ),
        ),
    ),
    Clause(
        "cnn",
        "torch code honours the device: the model goes wholly to the device",
        "build_digits_model-runs-on-any-device",
        appended="""
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
        assert bool(clause.appended) != bool(clause.function and clause.edits), clause.clause
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
