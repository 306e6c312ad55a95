"""Shared by the torch oracle tests (cnn, training_loop): the module under test, one thread."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest


@pytest.fixture(params=["reference", "solution"])
def impl(request: pytest.FixtureRequest) -> ModuleType:
    """The module under test, from the test module's `IMPLS`: the reference, then the solution."""
    return request.module.IMPLS[request.param]


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """Tiny models gain nothing from intra-op threads, and lose up to 10x on a busy machine."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
