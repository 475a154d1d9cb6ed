"""The supervisor of `klachten up`: starts processes in order, restarts one that crashes (with
back-off and a logged message) or that its probe finds stuck, and on request stops the services
all at once with one deadline, then the servers; children die with the supervisor
(PR_SET_PDEATHSIG, klachten/stack/launch.py).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from klachten.stack import launch
from klachten.stack.ownership import stop_process
from shared.runtime.logwatch import stuck_store
from shared.runtime.observability import rotate_log

log = logging.getLogger("klachten.stack")

POLL_INTERVAL = 0.2
PROBE_INTERVAL = 2.0  # s between probes of live processes (HTTP to nats-server)
MAX_BACKOFF = 30.0
STABLE_AFTER = 30.0  # seconds of uptime after which a crash no longer counts as a crash loop
STOP_TIMEOUT = 15.0  # seconds a stop waits (for all processes together) before SIGKILL


class Supervised(Protocol):
    """What the supervisor needs of a process; `EmbeddedNats` is one."""

    name: str

    def start(self) -> object: ...

    def poll(self) -> int | None: ...

    def stop(self, timeout: float = ...) -> int | None: ...


class ChildProcess:
    """A service process (argv), output appended to a log file, stopped with SIGTERM."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_file: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_file = log_file
        self.env = env
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> ChildProcess:
        self.log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)  # a log an older run made readable to others: not any more
        with os.fdopen(fd, "ab") as output:
            output.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting\n".encode())
            output.flush()
            self._process = launch.spawn(self.argv, env=self.env, output=output, supervised=True)
        return self

    def poll(self) -> int | None:
        return self._process.poll() if self._process else None

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        return stop_process(self._process, timeout)


@dataclass(frozen=True)
class Stopped:
    name: str
    code: int | None
    killed: bool  # still running at the deadline, so SIGKILLed


@dataclass
class _Slot:
    process: Supervised
    last: bool = False
    started_at: float = 0.0
    crashes: int = 0
    restart_at: float | None = None
    after_restart: Callable[[], object] | None = None


@dataclass
class Supervisor:
    clock: Callable[[], float] = time.monotonic
    # Also restart a live process that needs it (a nats-server that kept a write error after
    # its disk was full, once there is room again), and keep the service logs capped.
    probe: Callable[[Any], str | None] = stuck_store
    _slots: list[_Slot] = field(default_factory=list)
    _next_probe: float = 0.0

    def start(
        self,
        process: Supervised,
        *,
        last: bool = False,
        after_restart: Callable[[], object] | None = None,
    ) -> None:
        """Start `process` now (raising if it cannot) and supervise it from then on; `last`:
        stop it only after every other process (a server the others use); `after_restart`:
        what a restarted process needs before it serves again (a nats-server's buckets)."""
        process.start()
        self._slots.append(
            _Slot(process, last, started_at=self.clock(), after_restart=after_restart)
        )
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
        if now >= self._next_probe:
            self._next_probe = now + PROBE_INTERVAL
            self._probe(now)

    def _probe(self, now: float) -> None:
        for slot in list(self._slots):
            if isinstance(slot.process, ChildProcess):
                rotate_log(slot.process.log_file)
            reason = None if slot.restart_at is not None else self.probe(slot.process)
            if reason:
                log.error("%s: %s; restarting it", slot.process.name, reason)
                slot.process.stop()
                self._restart(slot, now)

    def run_until(self, stop: threading.Event) -> None:
        while not stop.wait(POLL_INTERVAL):
            self.check()

    @property
    def processes(self) -> list[Supervised]:
        return [slot.process for slot in self._slots]

    def stop_all(self, timeout: float = STOP_TIMEOUT) -> list[Stopped]:
        """Stop everything within one deadline (services) plus one (servers): a hung process
        costs `timeout` once, not once per process."""
        first = [slot.process for slot in self._slots if not slot.last]
        last = [slot.process for slot in self._slots if slot.last]
        self._slots.clear()
        return stop_together(first, timeout) + stop_together(last, timeout)

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
        if slot.after_restart is not None:
            try:
                slot.after_restart()
            except Exception as error:  # the process runs; what it lacks is said, not fatal
                log.error(
                    "%s restarted, but what it needs again failed: %s", slot.process.name, error
                )


def stop_together(processes: Sequence[Supervised], timeout: float) -> list[Stopped]:
    """SIGTERM to all at once, SIGKILL to whatever still runs `timeout` s later."""
    if not processes:
        return []
    running = {process.name: process.poll() is None for process in processes}
    with ThreadPoolExecutor(len(processes)) as pool:
        codes = list(pool.map(lambda process: process.stop(timeout), processes))
    stopped = []
    for process, code in zip(processes, codes, strict=True):
        killed = running[process.name] and code == -signal.SIGKILL
        log.log(
            logging.WARNING if killed else logging.INFO,
            "%s stopped (exit code %s)%s",
            process.name,
            code,
            f"; killed after {timeout:g} s" if killed else "",
        )
        stopped.append(Stopped(process.name, code, killed))
    return stopped


def shutdown_summary(stopped: Sequence[Stopped], timeout: float) -> tuple[bool, str]:
    """(clean?, the line that ends `klachten up`'s output)."""
    killed = [s.name for s in stopped if s.killed]
    if not killed:
        return True, "klachten stopped cleanly"
    return False, (
        f"klachten stopped; {', '.join(killed)} did not stop within {timeout:g} s "
        "and had to be killed (SIGKILL): see its log"
    )


def stop_on_signals(stop: threading.Event) -> None:
    """SIGINT and SIGTERM ask for a clean stop instead of raising KeyboardInterrupt."""

    def request_stop(signum: int, _frame: object) -> None:
        log.info("received %s; stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
