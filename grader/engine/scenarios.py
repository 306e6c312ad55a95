"""Scenarios: trusted functions the worker runs around learner objects, returning plain data.

An exercise's `scenarios.py` imports only numpy (or torch) and this module: the worker
imports it by name, and a numpy exercise never imports torch in either process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Scenario = Callable[..., Any]


def batched(scenarios: dict[str, Scenario], module_name: str) -> Scenario:
    """`many(module, name, cases)`: several runs of one of `scenarios` in one round trip.

    The worker finds a scenario by its module and name, so the function made
    here says it lives in `module_name` (where it is bound to `many`).
    """

    def many(module: Any, name: str, cases: list[list[Any]]) -> list[Any]:
        return [scenarios[name](module, *case) for case in cases]

    many.__module__ = module_name
    return many
