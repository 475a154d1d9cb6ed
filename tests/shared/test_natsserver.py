"""EmbeddedNats against the real binary: ports, clean stop, crash, restart on the same store."""

from __future__ import annotations

import json
import signal
import urllib.request
from pathlib import Path

import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats, NatsServerError
from tests.support.ports import free_port

SUBJECT = "probe.data"


async def _publish_probe(server: EmbeddedNats, payload: bytes) -> int:
    nc = await nats.connect(server.url)
    try:
        js = nc.jetstream()
        await js.add_stream(name="PROBE", subjects=["probe.>"])
        return (await js.publish(SUBJECT, payload)).seq
    finally:
        await nc.close()


async def _read_probe(server: EmbeddedNats, seq: int) -> bytes:
    nc = await nats.connect(server.url)
    try:
        return (await nc.jetstream().get_msg("PROBE", seq)).data or b""
    finally:
        await nc.close()


def _varz(server: EmbeddedNats) -> dict:
    with urllib.request.urlopen(f"{server.monitor_url}/varz", timeout=5) as response:
        return json.load(response)


def test_starts_with_our_config(nats_server: EmbeddedNats) -> None:
    varz = _varz(nats_server)
    assert varz["server_name"] == "klachten"
    assert varz["host"] == "127.0.0.1"
    assert varz["port"] == nats_server.port
    assert varz["max_payload"] == 1024 * 1024
    assert varz["jetstream"]["config"]["sync_always"] is True
    assert Path(varz["jetstream"]["config"]["store_dir"]).is_relative_to(nats_server.store_dir)
    assert nats_server.log_file.read_text().count("Server is ready") == 1


def test_given_ports_are_used(tmp_path: Path) -> None:
    port, monitor_port = free_port(), free_port()
    with EmbeddedNats(tmp_path, port, monitor_port) as server:
        assert server.url == f"nats://127.0.0.1:{port}"
        assert server.monitor_url == f"http://127.0.0.1:{monitor_port}"
        assert _varz(server)["http_port"] == monitor_port
    assert not server.running


async def test_stop_is_clean_and_restart_keeps_data(nats_server: EmbeddedNats) -> None:
    seq = await _publish_probe(nats_server, b"kept")
    url = nats_server.url

    assert nats_server.stop() == 0
    assert "Server Exiting" in nats_server.log_file.read_text()
    nats_server.start()

    assert nats_server.url == url
    assert await _read_probe(nats_server, seq) == b"kept"


async def test_kill_is_a_crash_and_the_store_survives(nats_server: EmbeddedNats) -> None:
    seq = await _publish_probe(nats_server, b"synced before the ack")

    assert nats_server.kill() == -signal.SIGKILL
    assert not nats_server.running
    assert "Server Exiting" not in nats_server.log_file.read_text()
    nats_server.restart()

    assert await _read_probe(nats_server, seq) == b"synced before the ack"


def test_start_failure_reports_the_log(tmp_path: Path, nats_server: EmbeddedNats) -> None:
    taken = nats_server.port
    with pytest.raises(NatsServerError, match="address already in use"):
        EmbeddedNats(tmp_path / "second", port=taken).start(timeout=10)


def test_url_unknown_before_start(tmp_path: Path) -> None:
    with pytest.raises(NatsServerError):
        _ = EmbeddedNats(tmp_path).url
