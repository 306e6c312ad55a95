"""Presets that replay the course notes, each with its lesson and the quiz topic that tests it.

A preset is a data set, the values of every setting (lists for the swept
ones) and a lesson in two sentences; command-line options override its values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    dataset: str
    settings: dict[str, Any]
    lesson: str
    quiz_topic: str
    samples: int = 300


PRESETS = {
    "learning-rate": Preset(
        name="learning-rate",
        title="Three learning rates on the moons",
        dataset="moons",
        settings={
            "lr": [0.00001, 0.5, 10.0],
            "depth": [2],
            "width": [16],
            "activation": ["tanh"],
            "optimizer": ["sgd"],
            "batch_size": [None],
            "epochs": 200,
        },
        lesson=(
            "A learning rate that is too small barely moves the loss, a moderate one converges "
            "in under 200 steps, and one that is too large overshoots the minimum so the loss "
            "spikes and oscillates or diverges. The learning rate is the first hyperparameter to "
            "tune: try values a factor of 10 apart and keep the largest one whose loss still "
            "falls smoothly."
        ),
        quiz_topic="gradient-descent",
    ),
    "depth": Preset(
        name="depth",
        title="No, one and two hidden layers on the circles",
        dataset="circles",
        settings={
            "lr": [0.03],
            "depth": [0, 1, 2],
            "width": [8],
            "activation": ["tanh"],
            "optimizer": ["adam"],
            "batch_size": [None],
            "epochs": 200,
        },
        lesson=(
            "Without a hidden layer the network is a linear classifier: its boundary is a "
            "straight line, and no line separates a circle from the ring around it. Hidden "
            "layers of non-linear units bend the boundary, and stacking them lets the network "
            "carve curved regions (try --dataset spiral --depth 0,1,3 too)."
        ),
        quiz_topic="neurons",
    ),
    "batch-size": Preset(
        name="batch-size",
        title="Batch, stochastic and mini-batch gradient descent",
        dataset="moons",
        settings={
            "lr": [0.1],
            "depth": [2],
            "width": [16],
            "activation": ["tanh"],
            "optimizer": ["sgd"],
            "batch_size": [None, 1, 32],
            "epochs": 30,
        },
        lesson=(
            "Full-batch descent takes one smooth, exact step per epoch, while stochastic "
            "descent (batch size 1) takes one noisy step per sample: far more progress per "
            "epoch, but more time and a jumpy loss. Mini-batches sit between the two: a few "
            "dozen samples average out most of the noise, keep memory small and vectorise well."
        ),
        quiz_topic="epochs-batches",
    ),
}
