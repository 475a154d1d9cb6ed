"""One owner per data folder: an exclusive lock that names its holder, and children that die
with the process that started them.

The lock is `fcntl.flock` on a file in the folder: the kernel releases it when the last
descriptor of the holder closes, so a SIGKILLed owner never leaves a stale lock behind. The
file holds the holder's pid (JSON, one line) so a refused start can say who is in the way.
A child that inherits the descriptor (`pass_fds`) keeps the lock for as long as it lives.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Self

PR_SET_PDEATHSIG = 1  # linux/prctl.h


class FolderInUse(RuntimeError):
    """Another process holds the lock; `pid` and `holder` say which (None if it did not say)."""

    def __init__(self, path: Path, pid: int | None, holder: str) -> None:
        self.path, self.pid, self.holder = path, pid, holder
        who = f"{holder} (pid {pid})" if pid else f"{holder} (pid unknown)"
        super().__init__(f"{path.parent} is in use by {who}")


class FolderLock:
    """An exclusive, non-blocking lock on `path`, describing its holder in the file."""

    def __init__(self, path: Path, holder: str) -> None:
        self.path = path
        self.holder = holder
        self.fd: int | None = None

    def acquire(self) -> Self:
        """Take the lock or raise FolderInUse at once (never waits)."""
        if self.fd is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid, holder = _holder(fd)
            os.close(fd)
            raise FolderInUse(self.path, pid, holder or self.holder) from None
        self.fd = fd
        self.describe(os.getpid(), self.holder)
        return self

    def describe(self, pid: int, holder: str, **more: object) -> None:
        """Name the process that now holds the lock (e.g. a child that inherited it)."""
        assert self.fd is not None, "describe() needs the lock"
        line = json.dumps({"pid": pid, "holder": holder, **more}) + "\n"
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, line.encode(), 0)

    def release(self) -> None:
        """Close our descriptor; a child that inherited it still holds the lock until it exits."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _holder(fd: int) -> tuple[int | None, str | None]:
    try:
        found = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return int(found["pid"]), str(found.get("holder") or "") or None
    except (OSError, ValueError, KeyError, TypeError):
        return None, None  # written by no one yet, or mid-write


def die_with_parent(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A `preexec_fn` that makes the child receive `signum` when its parent dies (Linux
    PR_SET_PDEATHSIG), None elsewhere. The parent must start children from a thread that
    lives as long as it does: the signal follows the forking thread, not the process."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signum)

    return preexec


def running(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for its parent to reap it counts as gone).

    A multi-threaded process (nats-server is Go) shows its leader as a zombie while its
    other threads are still exiting and still hold its files, locks included: it is gone
    only when the leader is the last thread left."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] != "Z":
            return True
        return len(os.listdir(f"/proc/{pid}/task")) > 1
    except OSError:
        return False


def stop_process(process: subprocess.Popen[bytes] | None, timeout: float) -> int | None:
    """SIGTERM, SIGKILL if still running after `timeout`; the exit code (-SIGKILL: killed)."""
    if process is None or process.poll() is not None:
        return process.returncode if process else None
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()
