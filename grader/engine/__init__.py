"""The engine: an exercise is a declaration it reads (`grader/exercises/NAME/checks.py`).

Declarations import what they need from here:
`from grader.engine import Case, Row, ScenarioRow, Wrong, domain, exercise, calls`.
The names load lazily, so that a worker importing `grader.engine.scenarios`
imports nothing else of the grader.

    subjects    who runs the code (learner in the worker, or a module here), Context
    verdicts    Verdict, Wrong, Abort: the one place learner errors become verdicts
    compare     difference, show, agree: comparing a received value with the expected one
    domains     Pick, domain(): one declaration, a hypothesis strategy and a hidden draw
    properties  property_check, cases_check, hidden_check, scenario_check
    rows        Row, ScenarioRow: one per function or scenario, generating its checks
    cases       Case (a fixed configuration and its advice), Observe tables
    declaration Exercise, Limits, exercise() (the module is not `exercise`: that is the function)
    texts       hints.toml: hints per function, general hints, check titles
    replay      replaying a property's recorded examples in a warm grader
    scenarios   batched(): many scenario runs in one round trip (imported by the worker)
    values      finite_floats, sklearn_data, stacked_twice: helpers for bodies and scenarios
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "subjects": "Call Context ModuleSubject Subject WorkerSubject calls describe_call roundtrip "
    "together",
    "verdicts": "PASS Abort Check Verdict Wrong expect failed judged verdict_of withhold",
    "compare": "ATOL RTOL agree agrees describe_type difference show",
    "domains": "SCALES STYLES Domain Pick domain fill fixed",
    "properties": "BATCH cases_check hidden_check property_check scenario_check",
    "rows": "Row ScenarioRow checks_of",
    "cases": "Case Group Observe advised observations",
    "declaration": "Exercise Limits exercise",
    "scenarios": "batched",
    "values": "finite_floats sklearn_data stacked_twice",
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names.split()}

__all__ = sorted(_MODULE)


def __getattr__(name: str) -> Any:
    if name not in _MODULE:
        raise AttributeError(f"module 'grader.engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"grader.engine.{_MODULE[name]}"), name)
    globals()[name] = value
    return value
