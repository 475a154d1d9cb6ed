"""A small supervisor for `klachten up`: starts processes in order, restarts one that crashes
(with back-off and a logged message), and stops them all in reverse order on request.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

log = logging.getLogger("klachten.stack")

POLL_INTERVAL = 0.2
MAX_BACKOFF = 30.0
STABLE_AFTER = 30.0  # seconds of uptime after which a crash no longer counts as a crash loop


class Supervised(Protocol):
    """What the supervisor needs of a process; `EmbeddedNats` is one."""

    name: str

    def start(self) -> object: ...

    def poll(self) -> int | None: ...

    def stop(self) -> int | None: ...


class ChildProcess:
    """A service process (argv), output appended to a log file, stopped with SIGTERM."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_file: Path,
        env: dict[str, str] | None = None,
        stop_timeout: float = 15.0,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_file = log_file
        self.env = env
        self.stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> ChildProcess:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as output:
            self._process = subprocess.Popen(
                self.argv,
                env={**os.environ, **(self.env or {})},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,  # Ctrl-C goes to the supervisor, which stops in order
            )
        return self

    def poll(self) -> int | None:
        return self._process.poll() if self._process else None

    def stop(self) -> int | None:
        process = self._process
        if process is None or process.poll() is not None:
            return process.returncode if process else None
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0f s; killing it", self.name, self.stop_timeout)
            process.kill()
            return process.wait()


@dataclass
class _Slot:
    process: Supervised
    started_at: float = 0.0
    crashes: int = 0
    restart_at: float | None = None


@dataclass
class Supervisor:
    clock: Callable[[], float] = time.monotonic
    _slots: list[_Slot] = field(default_factory=list)

    def start(self, process: Supervised) -> None:
        """Start `process` now (raising if it cannot) and supervise it from then on."""
        process.start()
        self._slots.append(_Slot(process, started_at=self.clock()))
        log.info("%s started", process.name)

    def check(self) -> None:
        """Restart what has crashed, once its back-off has passed."""
        now = self.clock()
        for slot in self._slots:
            if slot.restart_at is not None:
                if now >= slot.restart_at:
                    self._restart(slot, now)
                continue
            code = slot.process.poll()
            if code is not None:
                self._schedule_restart(slot, code, now)

    def run_until(self, stop: threading.Event) -> None:
        while not stop.wait(POLL_INTERVAL):
            self.check()

    def stop_all(self) -> None:
        for slot in reversed(self._slots):
            code = slot.process.stop()
            log.info("%s stopped (exit code %s)", slot.process.name, code)
        self._slots.clear()

    def _schedule_restart(self, slot: _Slot, code: int, now: float) -> None:
        slot.crashes = 1 if now - slot.started_at >= STABLE_AFTER else slot.crashes + 1
        delay = min(0.5 * 2 ** (slot.crashes - 1), MAX_BACKOFF)
        log.error(
            "%s exited unexpectedly with code %s; restarting in %.1f s (crash %d in a row)",
            slot.process.name,
            code,
            delay,
            slot.crashes,
        )
        slot.restart_at = now + delay

    def _restart(self, slot: _Slot, now: float) -> None:
        try:
            slot.process.start()
        except Exception as error:
            self._schedule_restart(slot, -1, now)
            log.error("%s could not be restarted: %s", slot.process.name, error)
            return
        slot.restart_at = None
        slot.started_at = now
        log.warning("%s restarted", slot.process.name)


def stop_on_signals(stop: threading.Event) -> None:
    """SIGINT and SIGTERM ask for a clean stop instead of raising KeyboardInterrupt."""

    def request_stop(signum: int, _frame: object) -> None:
        log.info("received %s; stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
