"""The exercises neurograde knows, in curriculum order, loaded on demand.

Each exercise's checks live in `grader.checks.<name>`; importing one never
imports another, so grading a numpy exercise never imports torch.
"""

from __future__ import annotations

import importlib
import importlib.util

from grader.checks.base import Exercise

EXERCISES = (
    "neuron",
    "activations",
    "losses",
    "backprop",
    "gradient_descent",
    "optimizers",
    "regularization",
    "training_loop",
    "cnn",
)

TORCH_EXERCISES = frozenset({"training_loop", "cnn"})

PURE_STDLIB = (
    "__future__",
    "abc",
    "bisect",
    "cmath",
    "collections",
    "copy",
    "dataclasses",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "heapq",
    "io",
    "itertools",
    "math",
    "numbers",
    "operator",
    "random",
    "re",
    "statistics",
    "string",
    "textwrap",
    "typing",
    "warnings",
)


def allowed_imports(name: str) -> tuple[str, ...]:
    """The top-level modules a learner's file for `name` may import."""
    extra = ("torch", "sklearn") if name in TORCH_EXERCISES else ()
    return ("numpy", *extra, *PURE_STDLIB)


def timeout_s(name: str) -> float:
    """Default time limit for one call of the learner's code."""
    return 60.0 if name in TORCH_EXERCISES else 10.0


def memory_mb(name: str, device: str = "cpu") -> int | None:
    """Memory the worker may allocate (torch needs more room than numpy).

    None on CUDA: the driver's large host mappings count against RLIMIT_DATA,
    so there the GPU's own memory is the limit.
    """
    if device == "cuda":
        return None
    return 6144 if name in TORCH_EXERCISES else 2048


def available() -> list[str]:
    """Exercises whose checks exist in this installation, in curriculum order."""
    return [name for name in EXERCISES if importlib.util.find_spec(f"grader.checks.{name}")]


def load(name: str) -> Exercise:
    """The exercise called `name` (KeyError if there is none)."""
    if name not in available():
        raise KeyError(name)
    return importlib.import_module(f"grader.checks.{name}").EXERCISE
