"""Plain test helpers (import them; fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
import inspect
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
REPO_ROOT = Path(__file__).resolve().parents[1]


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1, below the kernel's ephemeral range:
    a port from that range (what binding port 0 gives) can be taken by any outgoing
    connection, e.g. a NATS client's, before the server under test binds it."""
    ranges = Path("/proc/sys/net/ipv4/ip_local_port_range")
    low = int(ranges.read_text().split()[0]) if ranges.exists() else 32768
    while True:
        port = random.randint(10_000, low - 1)
        if port in _HANDED_OUT:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port


async def wait_until(
    predicate: Callable[[], T | Awaitable[T]],
    timeout: float = 10.0,  # noqa: ASYNC109 - a polling deadline, not one await's timeout
    interval: float = 0.02,
    message: str = "condition",
) -> T:
    """Poll `predicate` (sync or async) until it returns something truthy; return that.

    Exceptions raised by the predicate count as "not yet"; the last one is chained to the
    TimeoutError raised at the deadline.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
        except Exception as error:
            last_error = error
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{message} not met within {timeout} s") from last_error
        await asyncio.sleep(interval)


def wait_until_sync(
    predicate: Callable[[], T],
    timeout: float = 10.0,
    interval: float = 0.02,
    message: str = "condition",
) -> T:
    """`wait_until` for code without an event loop (subprocess tests, sync fixtures)."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = predicate()
            if result:
                return result
        except Exception as error:
            last_error = error
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{message} not met within {timeout} s") from last_error
        time.sleep(interval)


class ServiceProcess:
    """`python -m services.<module>` with a log file per start (`<name>.<n>.log`); SIGKILL or
    SIGTERM. `env` is laid over this process's environment."""

    def __init__(
        self,
        module: str,
        env: dict[str, str],
        log_dir: Path,
        *args: str,
        name: str = "",
        stop_wait: float = 15,
    ) -> None:
        self.module, self.env, self.log_dir, self.args = module, env, log_dir, args
        self.name, self.stop_wait = name or module, stop_wait
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> ServiceProcess:
        self.starts += 1
        with (self.log_dir / f"{self.name}.{self.starts}.log").open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", f"services.{self.module}", *self.args],
                cwd=REPO_ROOT,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # SIGKILL: no shutdown, no ack, no flush
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(self.stop_wait)
            except subprocess.TimeoutExpired:
                self.kill()
