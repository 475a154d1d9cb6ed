"""One stack per data folder: `klachten up` claims the folder's lock (klachten/stack/ownership.py),
then looks for processes of the folder that outlived their `klachten up` (a child that could not die
with its supervisor, or one of an older version): found through /proc, stopped on request.

A process belongs to a data folder when it is a service (`-m services.<name>`) whose
KLACHTEN_DATA_DIR is that folder, or a nats-server whose store lies in it: what every child of
`klachten up` gets in its environment, in this version and the ones before it.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from klachten.stack.ownership import FolderInUse, FolderLock, running
from klachten.stack.supervisor import Stopped, stop_together

POLL = 0.05
LOCK_FILE = "klachten.lock"


class Refused(RuntimeError):
    """`klachten up` may not start on this data folder; the message says why and what to do."""


@dataclass(frozen=True)
class Orphan:
    """A process of the data folder that no supervisor of ours started."""

    service: str
    pid: int

    @property
    def name(self) -> str:
        return f"{self.service} (pid {self.pid})"

    def poll(self) -> int | None:
        return None if running(self.pid) else 0

    def stop(self, timeout: float) -> int | None:
        """SIGTERM, then SIGKILL at `timeout`; -SIGKILL if it had to be killed."""
        if not self._signal(signal.SIGTERM) or _gone_within(self.pid, timeout):
            return 0
        self._signal(signal.SIGKILL)
        _gone_within(self.pid, timeout)
        return -signal.SIGKILL

    def _signal(self, signum: int) -> bool:
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            return False
        return True


def claim(
    data_dir: Path, *, stop_orphans: bool, timeout: float
) -> tuple[FolderLock, list[Stopped]]:
    """Lock `data_dir` for this `klachten up` and stop its orphans when asked (raises Refused:
    another stack holds it, or orphans run and `stop_orphans` is off)."""
    try:
        lock = FolderLock(data_dir / LOCK_FILE, "klachten up").acquire()
    except FolderInUse as busy:
        pid = busy.pid or "?"
        raise Refused(
            f"{data_dir} is in use by {busy.holder} (pid {pid}). Two stacks on one data folder "
            f"lose acknowledged complaints. Stop that one first (Ctrl-C where it runs, or "
            f"kill {pid}), or set KLACHTEN_DATA_DIR to another folder."
        ) from None
    orphans = find(data_dir)
    if orphans and not stop_orphans:
        lock.release()
        names = ", ".join(orphan.name for orphan in orphans)
        raise Refused(
            f"processes of an earlier klachten up still run on {data_dir}: {names}. They hold "
            "its store and its ports. Start with --stop-orphans to stop them first (SIGTERM, "
            f"SIGKILL after {timeout:g} s), or stop them yourself."
        )
    services = [orphan for orphan in orphans if orphan.service != "nats-server"]
    servers = [orphan for orphan in orphans if orphan.service == "nats-server"]
    return lock, stop_together(services, timeout) + stop_together(servers, timeout)


def belongs_to(data_dir: Path, argv: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """The name of the klachten process `argv` runs for `data_dir`, else None (pure)."""
    if "-m" in argv[:-1]:
        module = argv[argv.index("-m") + 1]
        folder = environ.get("KLACHTEN_DATA_DIR")
        if module.startswith("services.") and folder and Path(folder) == data_dir:
            return module.split(".")[1]
    if argv and Path(argv[0]).name == "nats-server":
        try:  # the store dir reaches nats-server JSON-quoted (klachten/stack/natsserver.py)
            store = Path(json.loads(environ.get("KLACHTEN_NATS_STORE_DIR", "")))
        except (ValueError, TypeError):
            return None
        return "nats-server" if store.is_relative_to(data_dir) else None
    return None


def find(data_dir: Path) -> list[Orphan]:
    """Every running process of `data_dir` but this one, by pid."""
    found = []
    for pid, argv, environ in _processes():
        name = belongs_to(data_dir, argv, environ)
        if name and pid != os.getpid():
            found.append(Orphan(name, pid))
    return sorted(found, key=lambda orphan: orphan.pid)


def _processes() -> Iterator[tuple[int, list[str], dict[str, str]]]:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            raw = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile, or another user's
        environ = dict(item.decode(errors="replace").partition("=")[::2] for item in raw if item)
        yield int(entry.name), [a.decode(errors="replace") for a in argv if a], environ


def _gone_within(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL)
    return True
