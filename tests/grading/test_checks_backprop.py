"""Specific verdicts of the `backprop` checks: other correct styles, restoring x, blame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.engine import Wrong
from grader.exercises.backprop.checks import ROUNDING, gradient_check

ROOT = Path(__file__).resolve().parents[2]


def test_another_correct_style_gets_full_marks(grade_with, failures) -> None:
    result = grade_with(
        "backprop",
        """
        def init_params(d, H, O, rng):
            W1 = rng.standard_normal((H, d)) * np.sqrt(2.0 / d)
            W2 = rng.standard_normal((O, H)) * np.sqrt(2.0 / H)
            return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(O)}

        def forward(X, params):
            z1 = X @ params["W1"].T + params["b1"]
            a1 = np.maximum(z1, 0)
            z2 = a1 @ params["W2"].T + params["b2"]
            return softmax(z2, axis=1), (X, z1, a1, z2)

        def backward(params, cache, labels):
            X, z1, a1, z2 = cache
            N = len(labels)
            d2 = softmax(z2, axis=1)
            d2[np.arange(N), labels] -= 1
            d2 /= N
            d1 = (d2 @ params["W2"]) * (a1 > 0)
            return {"W1": d1.T @ X, "b1": d1.sum(0), "W2": d2.T @ a1, "b2": d2.sum(0)}

        def loss_and_grads(params, X, labels):
            _, cache = forward(X, params)
            return cross_entropy(cache[3], labels), backward(params, cache, labels)

        def numerical_gradient(f, x, h=1e-5):
            g = np.zeros_like(x, dtype=float)
            for i in np.ndindex(*x.shape):
                xp = x.copy()
                xp[i] += h
                xm = x.copy()
                xm[i] -= h
                g[i] = (f(xp) - f(xm)) / 2 / h
            return g
        """,
    )
    assert failures(result) == {}
    assert result.score == result.max_score


def test_rounding_values_are_not_restored_by_adding_and_subtracting() -> None:
    h = 1e-5
    assert any(((x + h) - 2 * h) + h != x for x in ROUNDING.tolist())


def test_add_subtract_restoration_fails_only_the_restore_check(grade_with, failures) -> None:
    result = grade_with(
        "backprop",
        """
        def numerical_gradient(f, x, h=1e-5):
            grad = np.zeros(x.shape)
            for i in np.ndindex(x.shape):
                x[i] += h
                f_plus = f(x)
                x[i] -= 2 * h
                f_minus = f(x)
                x[i] += h
                grad[i] = (f_plus - f_minus) / (2 * h)
            return grad
        """,
    )
    assert set(failures(result)) == {"numerical_gradient-restores-input"}
    assert result.misconceptions == ["numgrad-mutates-input"]


def test_gradient_check_blames_a_summed_loss(grade_with, failures) -> None:
    result = grade_with(
        "backprop",
        """
        def loss_and_grads(params, X, labels):
            _, cache = forward(X, params)
            loss = cross_entropy(cache["z2"], labels) * X.shape[0]
            return loss, backward(params, cache, labels)
        """,
    )
    failed = failures(result)
    assert "needs the right loss" in failed["numerical_gradient-agrees-with-backprop"]
    assert "loss-sum-not-mean" in result.misconceptions


def test_hidden_checks_show_no_input(grade_with) -> None:
    result = grade_with(
        "backprop",
        """
        def backward(params, cache, labels):
            return {k: np.zeros_like(v) for k, v in params.items()}
        """,
    )
    hidden = [c for c in result.checks if c.kind == "hidden" and not c.passed]
    assert hidden and all(c.counterexample is None for c in hidden)


def test_log_of_probabilities_fails_on_logits_1000_apart(grade_with, failures) -> None:
    result = grade_with(
        "backprop",
        """
        def loss_and_grads(params, X, labels):
            probs, cache = forward(X, params)
            loss = -np.mean(np.log(probs[np.arange(X.shape[0]), labels]))
            return loss, backward(params, cache, labels)
        """,
    )
    assert set(failures(result)) == {"loss_and_grads-special-values"}
    assert result.misconceptions == ["ce-log-of-softmax-unstable"]


def test_gradient_check_blames_the_backward_pass(grade_with, failures) -> None:
    result = grade_with(
        "backprop",
        """
        def loss_and_grads(params, X, labels):
            _, cache = forward(X, params)
            grads = backward(params, cache, labels)
            return cross_entropy(cache["z2"], labels), {**grads, "b1": 2 * grads["b1"]}
        """,
    )
    message = failures(result)["numerical_gradient-agrees-with-backprop"]
    assert "fails for b1" in message and "your backward pass" in message
    assert "your numerical_gradient" not in message


def test_the_gradient_checker_blames_the_side_that_is_wrong() -> None:
    true = {"W1": np.arange(1.0, 7.0).reshape(2, 3), "b1": np.zeros(2)}
    gradient_check({k: v + 1e-12 for k, v in true.items()}, true, true)  # agree: no verdict
    with pytest.raises(Wrong, match=r"fails for W1.*culprit is your numerical_gradient"):
        gradient_check({**true, "W1": 2 * true["W1"]}, true, true)
    with pytest.raises(Wrong, match=r"fails for W1.*culprit is your backward pass"):
        gradient_check(true, {**true, "W1": true["W1"].T.reshape(2, 3)}, true)
    with pytest.raises(Wrong, match=r"both should have the shape of params\[.b1.\], \(2,\)"):
        gradient_check(true, {**true, "b1": np.zeros((4, 2))}, true)
