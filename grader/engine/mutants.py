"""An exercise's mistakes: small patches of its solution, grouped in families.

`mutants.toml`, beside an exercise's declaration, lists each mistake as a patch
of the solution's text, the way a learner gets it wrong:

    [family.softmax-no-max-shift]      # a misconception id of misconceptions.md
    explanation = "softmax exponentiates the raw logits: ..."
    signature = "factor"               # optional: a relation the family leaves (RELATIONS)

    [[mutant]]
    family = "softmax-no-max-shift"
    function = "softmax"               # a top-level def or class, or "Class.method"
    find = "np.exp(z - np.max(z, axis=axis, keepdims=True))"
    replace = "np.exp(z)"              # or: edits = [["find", "replace"], ...]

Every `find` must occur exactly once in the source of `function`; the patched
file must compile. The runner names a family when a learner's answer to the
family's probe (code, declared in checks.py) is that of one of its members, or
bears the family's signature relation to the reference's answer.
"""

from __future__ import annotations

import ast
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from grader.engine.compare import ATOL, RTOL, agrees

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

Probe = Callable[[Any], Any]
"""A value where a mistake shows, computed on any subject (learner, reference, mutant)."""

Probes = Mapping[str, "Probe | Mapping[str, Probe]"]
"""Per family, its probe, or one per function or class its members patch."""


class MutantError(Exception):
    """A mutants.toml that cannot be read, or a patch that does not apply."""


@dataclass(frozen=True)
class Patch:
    """One wrong version of the solution: `edits` inside the source of `replaces`."""

    misconception: str
    replaces: str
    edits: tuple[tuple[str, str], ...]
    explanation: str
    source: Path
    index: int = 1
    note: str = ""
    signature: str | None = None
    probe: Probe | None = field(default=None, compare=False)
    rtol: float = RTOL
    atol: float = ATOL

    @property
    def id(self) -> str:
        """`family#n`: how tests and reports name this mutant."""
        return f"{self.misconception}#{self.index}"

    def text(self) -> str:
        """The solution's text with this mistake in it."""
        return apply(self.source.read_text("utf-8"), self)

    def module(self) -> types.ModuleType:
        """The patched solution, imported in the grader process (for diagnosis probes)."""
        return _module(self.source, self.edits, self.replaces, self.id)


def load(folder: Path, source: Path, probes: Probes | None = None) -> tuple[Patch, ...]:
    """The patches of `folder/mutants.toml` (none if absent), applying to `source`.

    Each is verified to apply; a probe is taken from `probes` by family.
    """
    path = folder / "mutants.toml"
    if not path.is_file():
        return ()
    try:
        table = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise MutantError(f"{path}: {error}") from None
    families = table.get("family", {})
    probes = probes or {}
    solution = source.read_text("utf-8")  # read once: every patch is verified against it
    patches = []
    counts: dict[str, int] = {}
    for number, entry in enumerate(table.get("mutant", []), 1):
        where = f"{path}: mutant {number}"
        family = _key(entry, "family", where)
        if family not in families:
            raise MutantError(f"{where}: family {family!r} has no [family.{family}] table")
        counts[family] = counts.get(family, 0) + 1
        about = families[family]
        signature = about.get("signature")
        if signature is not None and signature not in RELATIONS:
            raise MutantError(
                f"{path}: [family.{family}] signature {signature!r} is not one of "
                f"{', '.join(sorted(RELATIONS))}"
            )
        patch = Patch(
            misconception=family,
            replaces=_key(entry, "function", where),
            edits=_edits(entry, where),
            explanation=_key(about, "explanation", f"{path}: [family.{family}]"),
            source=source,
            index=counts[family],
            note=entry.get("note", ""),
            signature=signature,
            probe=_probe(probes.get(family), entry["function"]),
            rtol=float(about.get("rtol", RTOL)),
            atol=float(about.get("atol", ATOL)),
        )
        try:
            patched = patch_text(solution, patch.replaces, patch.edits, f"{where} ({patch.id})")
            compile(patched, f"<mutant {patch.id}>", "exec")
        except SyntaxError as error:
            raise MutantError(
                f"{where} ({patch.id}): the patched file does not compile: {error}"
            ) from None
        patches.append(patch)
    missing = sorted(set(probes) - set(families))
    if missing:
        raise MutantError(f"{path}: probes for families it does not declare: {', '.join(missing)}")
    unprobed = sorted({f"{p.misconception} ({p.replaces})" for p in patches if p.probe is None})
    if unprobed:
        raise MutantError(
            f"{path}: checks.py declares no probe (exercise(probes=...)) for {', '.join(unprobed)}"
        )
    return tuple(patches)


def _probe(declared: Probe | Mapping[str, Probe] | None, function: str) -> Probe | None:
    """A family's probe, or, where it is declared per function or class, that of `function`'s."""
    if isinstance(declared, Mapping):
        return declared.get(function.split(".")[0])
    return declared


def _key(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise MutantError(f'{where}: needs {key} = "..."')
    return value


def _edits(entry: Mapping[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    if "edits" in entry:
        edits = entry["edits"]
        if not (
            isinstance(edits, list)
            and edits
            and all(isinstance(e, list) and len(e) == 2 for e in edits)
        ):
            raise MutantError(f'{where}: edits = [["find", "replace"], ...]')
        return tuple((str(find), str(replace)) for find, replace in edits)
    return ((_key(entry, "find", where), str(entry.get("replace", ""))),)


def span(text: str, function: str, name: str = "patch") -> tuple[int, int]:
    """Character offsets of the source of `function` ("name" or "Class.method") in `text`
    (else a MutantError about `name`)."""
    body: list[ast.stmt] = ast.parse(text).body
    node: ast.AST | None = None
    for part in function.split("."):
        node = next(
            (
                n
                for n in body
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and n.name == part
            ),
            None,
        )
        if node is None:
            raise MutantError(f"{name}: no definition of {function} in the solution")
        body = getattr(node, "body", [])
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return starts[first - 1], starts[node.end_lineno or node.lineno]


def patch_text(
    text: str, function: str, edits: Iterable[tuple[str, str]], name: str = "patch"
) -> str:
    """`text` with `edits` made inside `function`, in order; each find exactly once there."""
    for find, replace in edits:
        start, end = span(text, function, name)
        count = text[start:end].count(find)
        if count != 1:
            raise MutantError(
                f"{name}: {find!r} occurs {count} times in {function} (it must occur exactly once)"
            )
        at = text.index(find, start, end)
        text = text[:at] + replace + text[at + len(find) :]
    return text


def apply(text: str, patch: Patch) -> str:
    """`text` with the patch's edits made inside `patch.replaces`; each find exactly once."""
    return patch_text(text, patch.replaces, patch.edits, f"{patch.source.name}: mutant {patch.id}")


@cache
def _module(
    source: Path, edits: tuple[tuple[str, str], ...], replaces: str, name: str
) -> types.ModuleType:
    text = patch_text(source.read_text("utf-8"), replaces, edits, name)
    module = types.ModuleType(f"mutant_{name.replace('-', '_').replace('#', '_')}")
    module.__file__ = str(source)
    exec(compile(text, f"<mutant {name}>", "exec"), module.__dict__)
    return module


# -- signatures: how a family's answers relate to the reference's -------------------------


def _leaves(value: Any) -> Iterator[Any]:
    """The arrays and numbers of a (nested) probe value, in a fixed order."""
    if isinstance(value, Mapping):
        for key in sorted(value, key=str):
            yield from _leaves(value[key])
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _array(value: Any) -> np.ndarray | None:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array if np.all(np.isfinite(array)) else None


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-8))


def _factor(expected: np.ndarray, received: np.ndarray) -> bool:
    """received = c * expected for one constant c other than 1, 0 and -1 (a flipped sign is
    the `sign` family's signature, not a factor)."""
    scale = float(np.vdot(expected, expected))
    if expected.shape != received.shape or scale == 0.0:
        return False
    c = float(np.vdot(expected, received)) / scale
    wrong = abs(c - 1.0) > 1e-3 and abs(c + 1.0) > 1e-3 and abs(c) > 1e-9
    return wrong and _close(c * expected, received)


def _sign(expected: np.ndarray, received: np.ndarray) -> bool:
    return bool(np.any(expected)) and _close(-expected, received)


def _transpose(expected: np.ndarray, received: np.ndarray) -> bool:
    return expected.ndim == 2 and _close(expected.T, received) and not _close(expected, received)


def _reductions(a: np.ndarray) -> Iterator[np.ndarray]:
    for axis in range(a.ndim):
        yield a.sum(axis=axis)
        yield a.mean(axis=axis)
    yield np.asarray(a.sum())
    yield np.asarray(a.mean())


def _axis_sum(expected: np.ndarray, received: np.ndarray) -> bool:
    """A sum or mean over the wrong axis, over every axis, or missing altogether."""
    if expected.shape == received.shape:
        return False
    return any(_close(r, received) for r in _reductions(expected)) or any(
        _close(r, expected) for r in _reductions(received)
    )


def _shifted(expected: np.ndarray, received: np.ndarray) -> bool:
    """A sequence one step early or late (a step counter off by one)."""
    if expected.ndim == 0 or len(expected) < 2:
        return False
    if received.shape == expected.shape:
        return _close(received[1:], expected[:-1]) or _close(received[:-1], expected[1:])
    if len(received) == len(expected) + 1:
        return _close(received[:-1], expected) or _close(received[1:], expected)
    if len(received) + 1 == len(expected):
        return _close(received, expected[:-1]) or _close(received, expected[1:])
    return False


RELATIONS: dict[str, Callable[[np.ndarray, np.ndarray], bool]] = {
    "factor": _factor,
    "sign": _sign,
    "transpose": _transpose,
    "axis-sum": _axis_sum,
    "shifted": _shifted,
}
"""Family signatures: relation(expected, received) on each leaf of a probe's value."""


ELEMENTWISE = frozenset({"factor", "sign"})
"""Signatures whose leaves share one relation: every wrong leaf off by the same factor."""


def bears(signature: str, expected: Any, received: Any) -> bool:
    """Whether the learner's probe value bears `signature` to the reference's.

    Leaf by leaf: every leaf agrees with the reference's or bears the relation,
    and at least one bears it (for an elementwise one, all wrong leaves together).
    """
    relation = RELATIONS[signature]
    expected_leaves, received_leaves = list(_leaves(expected)), list(_leaves(received))
    if len(expected_leaves) != len(received_leaves):
        return False
    wrong: list[tuple[np.ndarray, np.ndarray]] = []
    for e, r in zip(expected_leaves, received_leaves, strict=True):
        e_array, r_array = _array(e), _array(r)
        if e_array is None or r_array is None:
            if not agrees(e, r):  # an array beside a string, a non-finite array: no `!=`
                return False
        elif not _close(e_array, r_array):
            wrong.append((e_array, r_array))
    if not wrong:
        return False
    if signature in ELEMENTWISE:
        if any(e.shape != r.shape for e, r in wrong):
            return False
        wrong = [
            (
                np.concatenate([e.ravel() for e, _ in wrong]),
                np.concatenate([r.ravel() for _, r in wrong]),
            )
        ]
    return all(relation(e, r) for e, r in wrong)
