"""The bench's own parts work (figures are printed by `python -m bench`, never asserted): CPU
seconds and children read from /proc, and the minimal same-I/O pipeline carries a complaint
through all its steps against a real nats-server."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench import pipeline
from bench.common import children, cpu_seconds
from services.notifier.mailsink import read_maildir


def test_cpu_seconds_and_children_come_from_proc() -> None:
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    child = subprocess.Popen(
        [sys.executable, "-c", burn + "\nimport sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while cpu_seconds(child.pid) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cpu_seconds(child.pid) >= 0.3
        assert "-c" in children(os.getpid())[child.pid]
    finally:
        child.communicate(b"")
    assert cpu_seconds(child.pid) == 0.0  # gone


def test_the_minimal_pipeline_does_the_same_io(tmp_path: Path) -> None:
    with pipeline.minimal(tmp_path) as (pids, url, web):
        assert set(pids) == {"web", "letters", "timers", "readmodel", "nats-server"}
        latencies, note = asyncio.run(pipeline.measure(url, web, "base.ev.*.acknowledged", 3, 1))
        assert len(latencies) == 3, note

        def projected() -> int:
            with sqlite3.connect(tmp_path / "readmodel.sqlite3") as db:
                return db.execute("SELECT count(*) FROM complaints WHERE n = 2").fetchone()[0]

        deadline = time.monotonic() + 60
        while projected() < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert projected() == 3  # submitted and acknowledged, upserted
    assert len(read_maildir(tmp_path / "mail")) == 3
