"""The supervisor restarts a live process its probe says is stuck (a nats-server that kept a
write error after a full disk) and keeps its children's logs capped."""

from __future__ import annotations

import sys
from pathlib import Path

from klachten.stack.supervisor import PROBE_INTERVAL, ChildProcess, Supervisor
from shared.runtime.observability import LOG_MAX_BYTES


class Stuck:
    name = "nats-server"

    def __init__(self) -> None:
        self.starts = self.stops = 0
        self.stuck = False

    def start(self) -> Stuck:
        self.starts += 1
        self.stuck = False
        return self

    def poll(self) -> int | None:
        return None  # alive: the supervisor would never restart it for exiting

    def stop(self, timeout: float = 15.0) -> int | None:
        self.stops += 1
        return 0


def test_a_live_process_the_probe_calls_stuck_is_restarted_once() -> None:
    now = [100.0]
    probe_calls: list[str] = []

    def probe(process: object) -> str | None:
        probe_calls.append(getattr(process, "name", ""))
        return "its store kept a write error" if getattr(process, "stuck", False) else None

    supervisor = Supervisor(clock=lambda: now[0], probe=probe)
    server = Stuck()
    supervisor.start(server)
    supervisor.check()
    assert (server.starts, server.stops) == (1, 0)
    server.stuck = True
    supervisor.check()  # within PROBE_INTERVAL: not probed again yet
    assert server.stops == 0
    now[0] += PROBE_INTERVAL
    supervisor.check()
    assert (server.starts, server.stops) == (2, 1)
    now[0] += PROBE_INTERVAL
    supervisor.check()
    assert (server.starts, server.stops) == (2, 1)
    assert len(probe_calls) == 3


def test_a_child_log_past_the_cap_is_rotated_and_the_child_writes_on(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "svc.log"
    code = "import time\nfor _ in range(600):\n    print('x' * 99, flush=True); time.sleep(0.01)"
    child = ChildProcess("svc", [sys.executable, "-c", code], log_file)
    supervisor = Supervisor(probe=lambda _: None)
    supervisor.start(child)
    try:
        log_file.write_bytes(log_file.read_bytes() + b"y" * LOG_MAX_BYTES)
        supervisor.check()
        rotated = log_file.with_name("svc.log.1")
        assert rotated.stat().st_size >= LOG_MAX_BYTES
        assert log_file.stat().st_size < LOG_MAX_BYTES
    finally:
        supervisor.stop_all()
    assert log_file.stat().st_size < 200_000  # the child went on at the start, not at 16 MB
