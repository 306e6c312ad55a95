"""The texts beside a declaration: `hints.toml` holds an exercise's hints and check titles.

    relu = ["a nudge", "a recipe"]     # hints per function, shown one at a time
    [general]
    hints = ["...", "..."]             # for a file that does not run yet
    [titles]
    relu-special-values = "relu is 0 at the kink"   # a check's title, by its id

Titles are optional: a row names its checks itself ("relu agrees with the
reference on random inputs"); `[titles]` replaces those and gives the checks
written by hand theirs. Texts are data, so wording changes touch no code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

TABLES = ("general", "titles")
"""The keys that are not functions."""


class TextsError(ValueError):
    """A hints.toml that cannot be used, and where: `FILE: KEY: what is wrong`."""

    def __init__(self, path: Path, key: str | None, message: str) -> None:
        super().__init__(f"{path}: {key}: {message}" if key else f"{path}: {message}")


@dataclass(frozen=True)
class Texts:
    """Hints per function, general hints, and titles by check id."""

    functions: dict[str, list[str]] = field(default_factory=dict)
    general: tuple[str, ...] = ()
    titles: dict[str, str] = field(default_factory=dict)


def read(path: Path | None) -> Texts:
    """The texts of `path` (none if it is None or missing)."""
    if path is None or not path.is_file():
        return Texts()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise TextsError(path, None, f"cannot be read as TOML: {error}") from None
    general = _table(path, "general", data)
    unknown = sorted(set(general) - {"hints"})
    if unknown:
        raise TextsError(path, f"general.{unknown[0]}", "unknown key (only hints)")
    titles = _table(path, "titles", data)
    for id, title in titles.items():
        if not isinstance(title, str):
            raise TextsError(path, f"titles.{id}", "must be a string")
    functions = {k: _strings(path, k, v) for k, v in data.items() if k not in TABLES}
    return Texts(
        functions, tuple(_strings(path, "general.hints", general.get("hints", []))), titles
    )


def dump(texts: Texts) -> str:
    """`texts` as hints.toml (for a release: a grade only reads)."""
    import tomli_w

    general = {"general": {"hints": list(texts.general)}} if texts.general else {}
    titles = {"titles": texts.titles} if texts.titles else {}
    return tomli_w.dumps({**texts.functions, **general, **titles})


def _table(path: Path, key: str, data: dict[str, Any]) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise TextsError(path, key, f"must be a table ([{key}])")
    return value


def _strings(path: Path, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TextsError(path, key, "must be a list of strings")
    return value
