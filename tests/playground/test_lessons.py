"""Each preset's lesson holds on its seeds: the notes' claims, measured."""

from __future__ import annotations

from grader.playground.presets import PRESETS
from grader.playground.verdict import roughness


def _fall(history) -> float:
    loss = history["train_loss"]
    return (loss[0] - loss[-1]) / loss[0]


def test_learning_rate_tiny_stalls_moderate_converges_huge_misbehaves(preset_session):
    tiny, moderate, huge = preset_session("learning-rate").runs
    assert tiny.config["lr"] < moderate.config["lr"] < huge.config["lr"]
    assert 0 <= _fall(tiny.history) < 0.05, "a tiny learning rate barely moves the loss"
    assert tiny.verdict.kind == "stalled"
    assert moderate.history["val_acc"][-1] >= 0.95
    assert moderate.verdict.kind == "converged" and moderate.verdict.epoch < 200
    assert huge.verdict.kind in ("diverged", "oscillating")


def test_depth_no_hidden_layer_fails_on_circles_two_succeed(preset_session):
    runs = {run.config["depth"]: run for run in preset_session("depth").runs}
    assert preset_session("depth").data.name == "circles"
    assert runs[0].history["val_acc"][-1] < 0.75
    assert runs[0].history["train_acc"][-1] < 0.75
    assert runs[2].history["val_acc"][-1] >= 0.95


def test_batch_size_sgd_is_noisier_and_takes_more_updates(preset_session):
    """The stated measure: roughness (mean |jump| between consecutive updates / mean loss);
    SGD's is at least 10 times full batch's, and mini-batch's lies between."""
    runs = {run.config["batch_size"]: run for run in preset_session("batch-size").runs}
    full, sgd, mini = runs[None], runs[1], runs[32]
    n = len(preset_session("batch-size").data.y_train)
    assert full.history["updates_per_epoch"] == 1
    assert sgd.history["updates_per_epoch"] == n
    assert mini.history["updates_per_epoch"] == -(-n // 32)
    assert len(sgd.history["update_loss"]) == n * sgd.config["epochs"]
    assert roughness(sgd.history["update_loss"]) >= 10 * roughness(full.history["update_loss"])
    assert full.roughness < mini.roughness < sgd.roughness


def test_every_preset_has_a_two_sentence_lesson_and_a_real_quiz_topic():
    from grader.quiz.bank import load_bank

    topics = load_bank().topics
    for preset in PRESETS.values():
        sentences = [s for s in preset.lesson.replace("(", "").split(". ") if s.strip()]
        assert len(sentences) == 2, preset.name
        assert preset.quiz_topic in topics, preset.quiz_topic
