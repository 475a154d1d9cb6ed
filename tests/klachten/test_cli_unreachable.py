"""A person's command against a log that is not running says so within seconds: where it
looked, a non-zero exit, no traceback, never a hang (nats-py retries a first connect forever
unless told otherwise)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.ports import free_port

KLACHTEN = str(Path(sys.executable).parent / "klachten")
COMMANDS = (
    ["audit", "verify"],
    ["audit", "history", "6d3c1f3e-0000-4000-8000-000000000000"],
    ["projections", "rebuild"],
    ["export", "events", "--format", "jsonl"],
    ["streams"],
    ["trace", "KL-2026-000001"],
)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_command_without_nats_fails_fast_and_says_where_it_looked(
    command: list[str], tmp_path: Path
) -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    env = {**os.environ, "KLACHTEN_NATS_URL": url, "KLACHTEN_DATA_DIR": str(tmp_path)}
    started = time.monotonic()
    done = subprocess.run(
        [KLACHTEN, *command], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    took = time.monotonic() - started
    print(f"\n[unreachable] klachten {' '.join(command)}: exit {done.returncode} in {took:.1f} s")
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert "Traceback" not in said, said
    assert url in said or "without NATS" in said, said
