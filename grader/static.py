"""Checks that read the learner's file without running it, and signature rules.

`static` checks (syntax, imports) parse the source in the grader process;
`smoke` rules compare the signatures the worker reports with the
reference's. Neither kind carries points; both gate the checks that score.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Sequence
from typing import Any

MAX_SOURCE_BYTES = 1_000_000


def parse(source: str) -> ast.Module | SyntaxError:
    """The module's syntax tree, or the SyntaxError a learner should see."""
    try:
        return ast.parse(source)
    except SyntaxError as error:
        return error
    except (ValueError, RecursionError, MemoryError) as error:
        return SyntaxError(str(error))


def excerpt(error: SyntaxError) -> str:
    """The offending source line with a caret under the column, as lines to append."""
    if not error.text or not error.lineno:
        return ""
    line = error.text.rstrip("\r\n").expandtabs()[:200]
    caret = " " * max(min((error.offset or 1) - 1, len(line)), 0) + "^"
    gutter = f"{error.lineno:>5} | "
    return f"\n{gutter}{line}\n{' ' * (len(gutter) - 2)}| {caret}"


def refused_imports(tree: ast.Module, allowed: Sequence[str]) -> list[tuple[str, int]]:
    """(module, line) for every import the exercise does not allow."""
    refused: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = ["." * node.level + (node.module or "")] if node.level else [node.module or ""]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            names = ["__import__"]
        else:
            continue
        for name in names:
            if name.startswith(".") or name == "__import__" or name.split(".")[0] not in allowed:
                refused.append((name, node.lineno))
    return refused


ESCAPE_HATCHES = frozenset(
    {
        "__bases__",
        "__base__",
        "__builtins__",
        "__closure__",
        "__code__",
        "__globals__",
        "__import__",
        "__mro__",
        "__self__",
        "__subclasses__",
    }
)
"""Names that reach from an expression to the interpreter's internals; exercise code never needs them."""


def escape_hatches(tree: ast.Module) -> list[tuple[str, int]]:
    """(name, line) for every use of an `ESCAPE_HATCHES` name, as an attribute or a bare name."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ESCAPE_HATCHES:
            found.append((node.attr, node.lineno))
        elif isinstance(node, ast.Name) and node.id in ESCAPE_HATCHES:
            found.append((node.id, node.lineno))
    return found


def expected_signature(obj: Any) -> dict[str, Any]:
    """What `describe` in the worker would report for the reference's `obj`."""
    params = [
        {
            "name": p.name,
            "has_default": p.default is not inspect.Parameter.empty,
            "default": p.default,
        }
        for p in inspect.signature(obj).parameters.values()
    ]
    if inspect.isclass(obj):
        methods = sorted(k for k, v in vars(obj).items() if callable(v) and not k.startswith("_"))
        return {"kind": "class", "params": params, "methods": methods}
    return {"kind": "function", "params": params, "methods": []}


def _defaults_equal(a: Any, b: Any) -> bool:
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_defaults_equal(x, y) for x, y in zip(a, b, strict=True))
    try:
        return (type(a) is type(b) and a == b) or (
            isinstance(a, (int, float)) and isinstance(b, (int, float)) and float(a) == float(b)
        )
    except Exception:
        return False


def signature_problem(name: str, expected: dict[str, Any], found: dict[str, Any]) -> str | None:
    """None if the learner's `name` can be called as the curriculum writes it."""
    kind = expected["kind"]
    if found.get("kind") == "missing":
        return f"{name} is missing: define the {kind} {name}"
    if found.get("kind") != kind:
        return (
            f"{name} should be a {kind}, found {found.get('kind')} {found.get('type', '')}".strip()
        )
    params = found.get("params")
    if params is None:
        return None
    want = [p for p in expected["params"] if p["name"] != "self"]
    have = [p for p in params if p["name"] != "self"]
    positional = [p for p in have if p["kind"] not in ("VAR_POSITIONAL", "VAR_KEYWORD")]
    wanted = ", ".join(_param(p) for p in want)
    for i, p in enumerate(want):
        if i >= len(positional) or positional[i]["name"] != p["name"]:
            return f"{name} must take the parameters ({wanted}) in this order"
        got = positional[i]
        if p["has_default"] and (
            not got["has_default"] or not _defaults_equal(p["default"], got["default"])
        ):
            return f"{name}: parameter {p['name']} must default to {p['default']!r}"
    for extra in positional[len(want) :]:
        if not extra["has_default"]:
            return f"{name}: the extra parameter {extra['name']} needs a default value"
    missing = [m for m in expected.get("methods", []) if m not in found.get("methods", [])]
    if missing:
        return f"{name} has no method {missing[0]}"
    return None


def _param(p: dict[str, Any]) -> str:
    return f"{p['name']}={p['default']!r}" if p["has_default"] else p["name"]
