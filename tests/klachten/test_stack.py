"""The supervisor's restart policy, with a fake process and a fake clock (no timing)."""

from __future__ import annotations

import json
import logging
import signal
import stat
from pathlib import Path

import pytest

from klachten.stack.orphans import belongs_to
from klachten.stack.stafftoken import staff_token
from klachten.stack.supervisor import Stopped, Supervisor, shutdown_summary


class FakeProcess:
    name = "fake"

    def __init__(self) -> None:
        self.starts = 0
        self.exit_code: int | None = None
        self.stopped = False

    def start(self) -> FakeProcess:
        self.starts += 1
        self.exit_code = None
        return self

    def poll(self) -> int | None:
        return self.exit_code

    def stop(self, timeout: float) -> int | None:
        self.stopped = True
        return 0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_crash_is_logged_and_restarted_after_a_growing_back_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, process = FakeClock(), FakeProcess()
    supervisor = Supervisor(clock=clock)
    supervisor.start(process)

    process.exit_code = 3
    with caplog.at_level(logging.INFO, logger="klachten.stack"):
        supervisor.check()
    assert "fake exited unexpectedly with code 3; restarting in 0.5 s" in caplog.text
    assert process.starts == 1

    clock.now += 0.5
    supervisor.check()
    assert process.starts == 2

    process.exit_code = 3
    supervisor.check()
    clock.now += 0.9
    supervisor.check()
    assert process.starts == 2  # second crash in a row waits 1 s
    clock.now += 0.1
    supervisor.check()
    assert process.starts == 3


def test_stop_all_stops_the_services_together_then_the_servers() -> None:
    stopped: list[tuple[str, float]] = []
    supervisor = Supervisor(clock=FakeClock())
    for name, last in (("nats", True), ("reporting", False), ("intake", False)):
        process = FakeProcess()
        process.name = name
        process.stop = lambda timeout, name=name: stopped.append((name, timeout))  # type: ignore[method-assign]
        supervisor.start(process, last=last)

    supervisor.stop_all(timeout=4)

    assert sorted(stopped[:2]) == [("intake", 4), ("reporting", 4)]
    assert stopped[2] == ("nats", 4)


def test_the_shutdown_summary_names_what_had_to_be_killed() -> None:
    clean = [Stopped("intake", 0, killed=False), Stopped("nats-server", 0, killed=False)]
    assert shutdown_summary(clean, 15) == (True, "klachten stopped cleanly")

    crashed_earlier = [Stopped("notifier", -signal.SIGKILL, killed=False)]
    assert shutdown_summary(crashed_earlier, 15)[0] is True

    hung = [*clean, Stopped("notifier", -9, killed=True), Stopped("sla_monitor", -9, killed=True)]
    ok, line = shutdown_summary(hung, 5)
    assert not ok
    assert "notifier, sla_monitor did not stop within 5 s and had to be killed" in line
    assert "cleanly" not in line


def test_the_staff_token_is_made_once_with_mode_0600(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLACHTEN_STAFF_TOKEN", raising=False)
    token, origin = staff_token(tmp_path)
    path = tmp_path / "credentials" / "staff-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert token not in origin and "(new)" in origin
    assert staff_token(tmp_path) == (token, f"in {path}")


def test_processes_of_a_data_folder_are_known_by_their_environment(tmp_path: Path) -> None:
    data = tmp_path / "data"
    python = ["/venv/bin/python", "-m"]
    ours = {"KLACHTEN_DATA_DIR": str(data)}
    store = {"KLACHTEN_NATS_STORE_DIR": json.dumps(str(data / "cluster" / "nats-2" / "store"))}

    assert belongs_to(data, [*python, "services.notifier", "--with-mailsink"], ours) == "notifier"
    assert belongs_to(data, ["/venv/bin/nats-server", "-c", "x.conf"], store) == "nats-server"
    elsewhere = {"KLACHTEN_DATA_DIR": str(tmp_path / "other")}
    assert belongs_to(data, [*python, "services.intake"], elsewhere) is None
    assert belongs_to(data, [*python, "pytest"], ours) is None  # a tool, not a service
    assert belongs_to(data, ["/venv/bin/klachten", "up"], ours) is None
    assert belongs_to(data, ["/venv/bin/nats-server"], {}) is None
    assert belongs_to(data, [], ours) is None
