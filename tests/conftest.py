"""Fixtures shared by all tests: a real nats-server per test, with or without our streams, the
complaints application or intake on it, or a cluster of three routed nodes; a browser."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from hypothesis import settings as hypothesis_settings

from klachten.stack.cluster import ClusterNats
from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.streams import provision
from tests.support.ports import free_port

# Markers by tier from what a test uses; the check that the suite leaves the checkout alone.
pytest_plugins = ("tests.support.tiers", "tests.support.checkout")

# The fast tier tries a fifth of the examples (the full run keeps hypothesis's defaults); a test
# with its own number scales it with tests.support.examples.
hypothesis_settings.register_profile("unit", max_examples=20)


def pytest_configure(config: pytest.Config) -> None:
    """`-m unit` alone loads the profile ``unit``, unless --hypothesis-profile names one."""
    if config.getoption("markexpr", "").strip() == "unit" and not config.getoption(
        "hypothesis_profile", None
    ):
        hypothesis_settings.load_profile("unit")


@pytest.fixture(autouse=True, scope="session")
def session_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Data and signer folders for what runs outside one test (module and session fixtures,
    the processes they start): never the checkout's ./data, never ~/.config. Each test still
    gets its own (`data_dir`, `signer_dir`)."""
    root = tmp_path_factory.mktemp("session")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KLACHTEN_DATA_DIR", str(root / "data"))
        patch.setenv("KLACHTEN_SIGNER_DIR", str(root / "signer"))
        yield root


@pytest.fixture(autouse=True)
def signer_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The checkpoint signer's folder (key, keyring, witness) of this test, never ~/.config."""
    monkeypatch.setenv("KLACHTEN_SIGNER_DIR", str(tmp_path / "signer"))
    return tmp_path / "signer"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's data folder: nothing a test does (keys, high-water marks, credentials)
    lands in the checkout's ./data or leaks into the next test."""
    monkeypatch.setenv("KLACHTEN_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


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


@pytest.fixture
async def nc(provisioned_nats: EmbeddedNats) -> AsyncIterator[nats.NATS]:
    """A client of `provisioned_nats`."""
    client = await nats.connect(provisioned_nats.url)
    yield client
    await client.close()


@pytest.fixture
def complaints(provisioned_nats: EmbeddedNats) -> Iterator[ComplaintsApplication]:
    """The complaints application (the log's writer and reader) on `provisioned_nats`."""
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    yield app
    app.close()


@pytest.fixture
def intake(provisioned_nats: EmbeddedNats) -> Iterator[Any]:
    """Intake on `provisioned_nats`, in this process (tests.support.intake's test settings)."""
    from tests.support.intake import intake_settings, start_intake

    service = start_intake(intake_settings(provisioned_nats))
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Debian Chromium under Playwright (tests.support.browser)."""
    from tests.support.browser import chromium

    with chromium() as running:
        yield running


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[list[ClusterNats]]:
    """Three routed nats-server nodes (n1..n3) on free ports, each with its own store."""
    cluster_ports = [free_port() for _ in range(3)]
    routes = [f"nats://127.0.0.1:{p}" for p in cluster_ports]
    nodes = [
        ClusterNats(tmp_path / f"n{i + 1}", server_name=f"n{i + 1}", cluster_port=p, routes=routes)
        for i, p in enumerate(cluster_ports)
    ]
    for node in nodes:
        node.start()
    try:
        yield nodes
    finally:
        for node in nodes:
            node.stop()


_exit_status: list[int] = []


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(session.exitstatus))  # as the checkout check may have set it


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
