"""The workspace's browser tests share one running stack (tests/support/workspace_stack.py):
started at the first test that asks for it, stopped at the end of the session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.workspace_stack import Stack, workspace_stack


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The shared stack: each test makes its own complaints, with names of its own."""
    with workspace_stack(tmp_path_factory.mktemp("workspace")) as stack:
        yield stack


@pytest.fixture
def own_workspace(tmp_path: Path) -> Iterator[Stack]:
    """A stack of this test alone, for a test that reads figures over the whole log."""
    with workspace_stack(tmp_path / "stack") as stack:
        yield stack
