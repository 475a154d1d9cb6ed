"""Fixtures shared by all tests: a real nats-server per test, with or without our streams."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest

from shared.natsserver import EmbeddedNats
from shared.streams import provision


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A fresh nats-server on free ports with its own store; no streams."""
    server = EmbeddedNats(tmp_path / "nats").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def provisioned_nats(nats_server: EmbeddedNats) -> AsyncIterator[EmbeddedNats]:
    """`nats_server` with COMPLAINTS, TIMERS and DEADLETTER provisioned."""
    nc = await nats.connect(nats_server.url)
    try:
        await provision(nc)
    finally:
        await nc.close()
    yield nats_server


_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


def pytest_unconfigure(config: pytest.Config) -> None:
    """A library thread left running (a projection's pull thread, a server loop) must not keep
    the test command from exiting after its summary: name the threads and exit with the
    session's status."""
    import os
    import threading

    stragglers = [
        t.name for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon
    ]
    if stragglers and _exit_status:
        print(f"\nthreads still running at exit (not waited for): {', '.join(stragglers)}")
        os._exit(_exit_status[-1])
