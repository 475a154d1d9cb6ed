"""The supervisor's restart policy, with a fake process and a fake clock (no timing)."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from klachten.stack import Supervisor
from klachten.stack_cli import staff_token


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

    def stop(self) -> int | None:
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


def test_stop_all_stops_in_reverse_order() -> None:
    stopped: list[str] = []
    supervisor = Supervisor(clock=FakeClock())
    for name in ("nats", "intake"):
        process = FakeProcess()
        process.name = name
        process.stop = lambda name=name: stopped.append(name)  # type: ignore[method-assign]
        supervisor.start(process)

    supervisor.stop_all()

    assert stopped == ["intake", "nats"]


def test_the_staff_token_is_made_once_with_mode_0600(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLACHTEN_STAFF_TOKEN", raising=False)
    token, origin = staff_token(tmp_path)
    path = tmp_path / "credentials" / "staff-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert token not in origin and "(new)" in origin
    assert staff_token(tmp_path) == (token, f"in {path}")
