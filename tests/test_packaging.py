"""The wheel ships every package, and the learners' stubs for `neurograde init`."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import pytest

find_packages = pytest.importorskip("setuptools").find_packages

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    found = set(find_packages(str(ROOT), include=["grader*", "reference*"]))
    assert found | {"grader.stubs", "solutions"} == set(config["packages"])
    assert config["package-dir"] == {"grader.stubs": "exercises"}
