"""`klachten up` as a user runs it: a process that provisions, survives a crash, stops on SIGINT."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest

from shared.config import permissions
from shared.eventstore.buckets import RATE_BUCKET
from shared.eventstore.streams import STREAMS, stream_info
from tests.support.polling import wait_until
from tests.support.ports import free_port

KLACHTEN = str(Path(sys.executable).parent / "klachten")


class Up:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.monitor_port = free_port()
        self.output = data_dir / "up.out"
        self.env = {
            **os.environ,
            "KLACHTEN_DATA_DIR": str(data_dir),
            "KLACHTEN_NATS_PORT": str(self.port),
            "KLACHTEN_NATS_MONITOR_PORT": str(self.monitor_port),
            "KLACHTEN_NATS_URL": f"nats://127.0.0.1:{self.port}",
            "COLUMNS": "200",
        }
        # `up` starts every service too: free ports for each, never the defaults.
        for name in ("INTAKE", "SMTP", "REPORTING", "MAILSINK", "NOTIFIER", "SLA"):
            self.env[f"KLACHTEN_{name}_PORT"] = str(free_port())
        data_dir.mkdir(parents=True, exist_ok=True)
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(
                [KLACHTEN, "up"], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    @property
    def url(self) -> str:
        """As the admin: `klachten up` turns authentication on (credentials in the data dir)."""
        plain = f"nats://127.0.0.1:{self.port}"
        found = permissions.load_credentials(self.data_dir)
        return permissions.with_credentials(plain, "admin", found["admin"]) if found else plain

    def text(self) -> str:
        return self.output.read_text()

    def nats_pid(self) -> int | None:
        ports_files = list((self.data_dir / "nats").glob("nats-server_*.ports"))
        return int(ports_files[0].stem.rsplit("_", 1)[1]) if len(ports_files) == 1 else None


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    running = Up(tmp_path / "data")
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()
        pid = running.nats_pid()
        if pid:
            os.kill(pid, signal.SIGKILL)


async def _streams_exist(url: str, *more: str) -> bool:
    """Whether every stream of the log (and the streams named in `more`) exists at `url`."""
    if not permissions.has_credentials(url):
        return False  # `up` has not written the credentials yet (a refused client may hang)
    nc = await nats.connect(url, connect_timeout=1, max_reconnect_attempts=0)
    try:
        return all([await stream_info(nc, name) for name in [*(s.name for s in STREAMS), *more]])
    finally:
        await nc.close()


async def _exit_code(process: subprocess.Popen[bytes], seconds: float) -> int:
    return await asyncio.to_thread(process.wait, seconds)


async def test_up_provisions_and_stops_cleanly_on_sigint(up: Up) -> None:
    await wait_until(lambda: _streams_exist(up.url), timeout=30, message="streams exist")
    await wait_until(lambda: "klachten is up" in up.text(), timeout=60, message="summary")
    summary = up.text()
    assert f"nats://127.0.0.1:{up.port}" in summary
    credentials = permissions.load_credentials(up.data_dir)
    assert credentials is not None
    assert not any(password in summary for password in credentials.values())
    assert f"http://127.0.0.1:{up.monitor_port}" in summary
    assert str(up.data_dir) in summary

    up.process.send_signal(signal.SIGINT)

    assert await _exit_code(up.process, 30) == 0, up.text()
    assert "stopped cleanly" in up.text()
    assert "Server Exiting" in (up.data_dir / "nats" / "nats-server.log").read_text()
    assert up.nats_pid() is None  # the server removes its ports file on a clean exit
    logs = [*(up.data_dir / "logs").glob("*.log"), up.data_dir / "nats" / "nats-server.log"]
    for log in logs:
        text = log.read_text(errors="replace")
        assert not any(password in text for password in credentials.values()), log.name


async def test_up_restarts_a_crashed_nats_server(up: Up) -> None:
    await wait_until(lambda: _streams_exist(up.url), timeout=30, message="streams exist")
    # Supervised from the summary on; before it, `up` is still provisioning (the buckets come
    # after the streams) and a dead server there is a failed start, not a crash to restart.
    await wait_until(lambda: "klachten is up" in up.text(), timeout=60, message="summary")
    crashed = up.nats_pid()
    assert crashed is not None

    os.kill(crashed, signal.SIGKILL)

    await wait_until(lambda: "restarted" in up.text(), timeout=30, message="restart logged")
    assert "exited unexpectedly" in up.text()
    # intake's rate limits are kept in memory, which a standalone server forgets: made again
    rates = f"KV_{RATE_BUCKET}"
    await wait_until(lambda: _streams_exist(up.url, rates), timeout=30, message="buckets back")
    assert up.nats_pid() not in (None, crashed)
    up.process.send_signal(signal.SIGTERM)
    assert await _exit_code(up.process, 30) == 0, up.text()


async def test_streams_command_reports_the_streams(up: Up) -> None:
    await wait_until(lambda: _streams_exist(up.url), timeout=30, message="streams exist")

    result = await asyncio.to_thread(
        subprocess.run, [KLACHTEN, "streams"], env=up.env, capture_output=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    output = result.stdout.decode()
    for spec in STREAMS:
        assert spec.name in output
    assert "unchanged" in output
    up.process.send_signal(signal.SIGINT)
    assert await _exit_code(up.process, 30) == 0
