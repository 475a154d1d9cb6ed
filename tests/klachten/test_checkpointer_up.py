"""`klachten up` anchors the log by default: the checkpointer signs at start, every interval
with new messages and at shutdown, into CHECKPOINTS and the witness outside the data folder;
a lost signer key stops `up` before anything starts."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.integrity import keyring
from tests.klachten.test_cli_up import KLACHTEN, Up
from tests.support.polling import wait_until


@pytest.fixture
def up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Up]:
    monkeypatch.setenv("KLACHTEN_CHECKPOINT_INTERVAL", "1")
    running = Up(tmp_path / "data")
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()
        pid = running.nats_pid()
        if pid:
            os.kill(pid, signal.SIGKILL)


def witnessed(signer: Path) -> list[dict[str, object]]:
    try:
        return [json.loads(line) for line in (signer / "witness.jsonl").read_text().splitlines()]
    except OSError:
        return []


async def test_up_makes_checkpoints_by_default(up: Up, signer_dir: Path) -> None:
    await wait_until(lambda: "klachten is up" in up.text(), timeout=90, message="summary")
    assert not (up.data_dir / "keys" / keyring.PRIVATE).exists()
    assert (signer_dir / keyring.PRIVATE).stat().st_mode & 0o777 == 0o600
    port = up.env["KLACHTEN_INTAKE_PORT"]
    body = {
        "channel": "web",
        "complainant": {"name": "Els de Vries", "email": "els@example.nl"},
        "subject": "Wachttijd",
        "description": "Ik wacht al weken op antwoord.",
    }
    async with httpx.AsyncClient() as client:
        created = await client.post(f"http://127.0.0.1:{port}/api/complaints", json=body)
    assert created.status_code == 201, created.text

    async def covered() -> bool:
        return any(int(cp["seq"]) >= 1 for cp in witnessed(signer_dir))  # type: ignore[call-overload]

    await wait_until(covered, timeout=60, message="a checkpoint covers the complaint")
    verified = await asyncio.to_thread(
        subprocess.run, [KLACHTEN, "audit", "verify"], env=up.env, capture_output=True, timeout=120
    )
    output = verified.stdout.decode()
    assert verified.returncode == 0, output + verified.stderr.decode()
    assert "checkpoints verified" in output and "trusted checkpoints extended" in output

    up.process.send_signal(signal.SIGINT)
    assert await asyncio.to_thread(up.process.wait, 60) == 0, up.text()
    numbers = [cp["number"] for cp in witnessed(signer_dir)]
    assert numbers == list(range(1, len(numbers) + 1))  # one unbroken chain


def test_up_refuses_to_start_without_the_signer_key(tmp_path: Path, signer_dir: Path) -> None:
    keyring.signing_key(signer_dir)
    (signer_dir / keyring.PRIVATE).unlink()
    env = {**os.environ, "KLACHTEN_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    result = subprocess.run([KLACHTEN, "up"], env=env, capture_output=True, timeout=120)
    output = result.stdout.decode()
    assert result.returncode == 1, output
    assert "klachten up refused" in output and "restore it from its backup" in output
    assert not (signer_dir / keyring.PRIVATE).exists()
