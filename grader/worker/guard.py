"""The import guard of the worker process.

Two rules, installed before the learner's file is imported:

- `reference`, `solutions` and `grader` cannot be imported by anyone once
  the worker's own modules are loaded (a meta-path finder refuses them);
- the learner's own code may import only the exercise's allowed modules
  (a wrapper around `__import__` looks at who is importing).

Every refusal is recorded, so the grader can zero the exercise even when the
learner's code catches the ImportError.
"""

from __future__ import annotations

import builtins
import importlib.abc
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

PROTECTED = ("reference", "solutions", "grader")


class ImportGuard(importlib.abc.MetaPathFinder):
    """Refuses protected packages everywhere and unlisted modules to the learner."""

    def __init__(self, learner_module: str, allowed: Sequence[str]) -> None:
        self.learner_module = learner_module
        self.allowed = frozenset(allowed)
        self.refused: list[str] = []
        self._trusted = 0
        self._original_import = builtins.__import__

    def install(self) -> None:
        for name in list(sys.modules):
            if name.split(".")[0] in ("reference", "solutions"):
                del sys.modules[name]
        sys.meta_path.insert(0, self)
        builtins.__import__ = self._import

    @contextmanager
    def trusted(self) -> Iterator[None]:
        """Lets the worker itself import its scenario modules."""
        self._trusted += 1
        try:
            yield
        finally:
            self._trusted -= 1

    def _refuse(self, name: str, why: str) -> ImportError:
        if name not in self.refused:
            self.refused.append(name)
        return ImportError(f"import of '{name}' is not allowed here: {why}")

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        if not self._trusted and fullname.split(".")[0] in PROTECTED:
            raise self._refuse(fullname.split(".")[0], "graded code cannot read the grader")
        return None

    def _import(
        self,
        name: str,
        globals: dict[str, Any] | None = None,
        locals: Any = None,
        fromlist: Sequence[str] = (),
        level: int = 0,
    ) -> ModuleType:
        # who imports: the calling frame's module (what `globals` says can be forged)
        importers = {sys._getframe(1).f_globals.get("__name__"), (globals or {}).get("__name__")}
        if not self._trusted and self.learner_module in importers:
            top = name.split(".")[0]
            if level:
                raise self._refuse(name or ".", "relative imports are not allowed")
            if top in PROTECTED:
                raise self._refuse(top, "graded code cannot read the grader")
            if top not in self.allowed:
                raise self._refuse(
                    top, "this exercise allows only " + ", ".join(sorted(self.allowed))
                )
        return self._original_import(name, globals, locals, fromlist, level)
