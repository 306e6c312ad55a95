"""Specific verdicts of the `neuron` checks: in-place updates, non-square layers."""

from __future__ import annotations

from pathlib import Path

from grader.engine import ModuleSubject
from grader.exercises.neuron.checks import EXERCISE

ROOT = Path(__file__).resolve().parents[2]


def test_in_place_update_is_reported_as_such(grade_with) -> None:
    result = grade_with(
        "neuron",
        """
        def perceptron_update(w, b, x, y, lr):
            y_hat = perceptron_predict(x[np.newaxis, :], w, b)[0]
            w += lr * (y - y_hat) * x
            return w, float(b + lr * (y - y_hat))
        """,
    )
    failed = {c.id: c.message for c in result.checks if not c.passed}
    assert "perceptron_update-matches-reference" in failed
    assert "modified its input" in failed["perceptron_update-matches-reference"]


def test_other_correct_styles_get_full_marks(grade_with) -> None:
    result = grade_with(
        "neuron",
        """
        def perceptron_predict(X, w, b):
            return (X @ w + b > 0).astype(int)

        def neuron_output(x, w, b, activation):
            return activation(np.array(np.dot(x, w) + b))

        def dense_forward(X, W, b):
            return np.einsum("nd,hd->nh", X, W) + b[None, :]
        """,
    )
    assert result.score == result.max_score


def test_transposed_weight_probe_uses_a_square_matrix() -> None:
    probe = EXERCISE.probes["dense-weight-transposed"]
    expected = probe(ModuleSubject(EXERCISE.reference_module))
    members = [m for m in EXERCISE.mutants if m.misconception == "dense-weight-transposed"]
    assert len(members) > 1
    for mutant in members:
        mistaken = probe(ModuleSubject(mutant.module()))
        assert expected.shape == mistaken.shape, mutant.id
        assert not (expected == mistaken).all(), mutant.id
