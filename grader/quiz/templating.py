"""The jinja2 templates inside the bank: a parameterised question's text and explanation.

A parameterised question's `text` and `explanation` are jinja2 templates over the
drawn parameters (`{{ n_samples }}`). The explanation may also use `answer` (the
key as shown to the learner, already rounded) and call the answer functions of
`grader.quiz.answers` by name (`{{ updates_per_epoch(n_samples, batch_size) }}`),
so a worked solution uses the same computation as the key, and `exp` and `ln`.
Every number printed is written as a learner would (`format_number`), so float
noise never shows.
Templates run in jinja2's sandbox with strict undefined names.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from typing import Any

import jinja2
import jinja2.nodes
import jinja2.sandbox

from grader.quiz.answers import ANSWER_FUNCTIONS

TEMPLATE_MARKS = ("{{", "{%", "{#")
TEMPLATE_FUNCTIONS = {**ANSWER_FUNCTIONS, "exp": math.exp, "ln": math.log}
"""The functions an explanation may call."""


def format_number(value: float) -> str:
    """A number as a learner would write it: `12`, `0.5`, `0.000001`: plain decimals,
    12 significant digits (so float noise such as `1.0000000000000002e-06` disappears)."""
    rounded = float(f"{float(value):.12g}")
    if rounded.is_integer():
        return str(int(rounded))
    return format(Decimal(repr(rounded)), "f")


def rounded_answer(value: float, allowed_error: float) -> str:
    """`value` rounded to the decimals an error of `allowed_error` asks for (all of them if 0).

    Rounding to 10^-d with 10^-d <= allowed_error moves the value by at most half the
    allowed error, so the rounded answer shown to a learner is always accepted.
    """
    if allowed_error > 0:
        decimals = max(0, math.ceil(-math.log10(allowed_error)))
        return format_number(round(value, decimals))
    return format_number(value)


def _finalize(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value)
    return value


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.sandbox.SandboxedEnvironment:
    env = jinja2.sandbox.SandboxedEnvironment(
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        keep_trailing_newline=False,
    )
    env.globals.update(TEMPLATE_FUNCTIONS)
    return env


def is_template(source: str) -> bool:
    return any(mark in source for mark in TEMPLATE_MARKS)


def variables(source: str) -> set[str]:
    """The names a template reads (answer functions included); raises `TemplateSyntaxError`.

    Read from the syntax tree (names loaded, less those the template assigns itself),
    which costs a tenth of `jinja2.meta.find_undeclared_variables`' code generation.
    """
    tree = _parsed(source)
    loaded = {n.name for n in tree.find_all(jinja2.nodes.Name) if n.ctx == "load"}
    stored = {n.name for n in tree.find_all(jinja2.nodes.Name) if n.ctx in ("store", "param")}
    return loaded - stored


@functools.cache
def _parsed(source: str) -> jinja2.nodes.Template:
    return _environment().parse(source)


@functools.cache
def _compiled(source: str) -> jinja2.Template:
    return _environment().from_string(_parsed(source))


def render_template(source: str, values: dict[str, Any]) -> str:
    """The template rendered with `values` (raises jinja2's errors on a broken template)."""
    return _compiled(source).render(**values)
