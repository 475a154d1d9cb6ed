"""A small supervisor for `klachten up`: starts processes in order, restarts one that crashes
(with back-off and a logged message), and on request stops the services all at once with one
deadline, then the servers; children die with the supervisor (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from klachten import checkpointer
from shared.config import CONFIG_DIR, permissions
from shared.runtime.logwatch import stuck_store
from shared.runtime.natsserver import EmbeddedNats
from shared.runtime.observability import rotate_log
from shared.runtime.ownership import die_with_parent, stop_process

log = logging.getLogger("klachten.stack")

CLUSTER_CONFIG = CONFIG_DIR / "cluster" / "nats-node.conf"
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
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as output:
            output.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting\n".encode())
            output.flush()
            self._process = subprocess.Popen(
                self.argv,
                env={**os.environ, **(self.env or {})},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,  # Ctrl-C goes to the supervisor, which stops in order
                preexec_fn=die_with_parent(),  # a SIGKILLed supervisor takes its children along
            )
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


@dataclass
class Supervisor:
    clock: Callable[[], float] = time.monotonic
    # Also restart a live process that needs it (a nats-server that kept a write error after
    # its disk was full, once there is room again), and keep the service logs capped.
    probe: Callable[[Any], str | None] = stuck_store
    _slots: list[_Slot] = field(default_factory=list)
    _next_probe: float = 0.0

    def start(self, process: Supervised, *, last: bool = False) -> None:
        """Start `process` now (raising if it cannot) and supervise it from then on; `last`:
        stop it only after every other process (a server the others use)."""
        process.start()
        self._slots.append(_Slot(process, last, started_at=self.clock()))
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


class ClusterNats(EmbeddedNats):
    """One node of a local nats-server cluster (config/cluster/nats-node.conf)."""

    def __init__(
        self,
        data_dir: Path | str,
        *,
        server_name: str,
        cluster_port: int,
        routes: Sequence[str],
        port: int | None = None,
        monitor_port: int | None = None,
        credentials: dict[str, str] | None = None,
        die_with_parent: bool = False,
    ) -> None:
        super().__init__(
            data_dir,
            port,
            monitor_port,
            server_name=server_name,
            config_file=CLUSTER_CONFIG,
            credentials=credentials,
            die_with_parent=die_with_parent,
        )
        self.name = server_name
        self.cluster_port = cluster_port
        self.routes = list(routes)

    def _environment(self) -> dict[str, str]:
        return {
            **super()._environment(),
            "KLACHTEN_NATS_HOST": json.dumps("127.0.0.1"),
            "KLACHTEN_NATS_CLUSTER_PORT": str(self.cluster_port),
            "KLACHTEN_NATS_ROUTES": json.dumps(self.routes),
        }

    def _healthy(self) -> bool:
        # A lone node of a fresh cluster has no JetStream meta leader yet: "listening" is
        # ready enough; stream placement waits for the quorum on its own.
        return True


def rss_kib(pid: int | None) -> int | None:
    """Resident set size of a process (Linux /proc), or None when unknown."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def http_json(url: str, timeout: float = 1.0) -> Any:
    """GET `url` and decode its JSON; None on any failure (connection, status, body)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read()) if response.status == 200 else None
    except (urllib.error.URLError, OSError, ValueError):
        return None


def tcp_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class Service:
    process: ChildProcess
    ready: Callable[[], bool]


@dataclass(frozen=True)
class Topology:
    """Where the services of one stack listen; instance k (0-based) adds k·100 to each port."""

    data_dir: Path
    nats_urls: tuple[str, ...]
    staff_token: str
    instances: int
    intake_port: int
    smtp_port: int
    reporting_port: int
    mailsink_port: int
    notifier_port: int
    sla_port: int
    with_sla_monitor: bool
    credentials: dict[str, str] | None = None

    @classmethod
    def from_env(
        cls,
        data_dir: Path,
        nats_urls: Sequence[str],
        staff_token: str,
        instances: int,
        credentials: dict[str, str] | None = None,
    ) -> Topology:
        env = os.environ
        return cls(
            credentials=credentials,
            notifier_port=_health_port("KLACHTEN_NOTIFIER_PORT", 8082),
            sla_port=_health_port("KLACHTEN_SLA_PORT", 8083),
            data_dir=data_dir,
            nats_urls=tuple(nats_urls),
            staff_token=staff_token,
            instances=instances,
            intake_port=int(env.get("KLACHTEN_INTAKE_PORT", "8080")),
            smtp_port=int(env.get("KLACHTEN_SMTP_PORT", "2525")),
            reporting_port=int(env.get("KLACHTEN_REPORTING_PORT", "8081")),
            mailsink_port=int(env.get("KLACHTEN_MAILSINK_PORT", "1025")),
            # Looked up at start-up, so a service added later joins on the next `up`.
            with_sla_monitor=importlib.util.find_spec("services.sla_monitor.__main__") is not None,
        )

    @property
    def traces_dir(self) -> Path:
        return Path(os.environ.get("KLACHTEN_TRACES_DIR") or self.data_dir / "traces")

    @property
    def maildir(self) -> Path:
        return Path(os.environ.get("KLACHTEN_MAILSINK_DIR") or self.data_dir / "mail")

    def nats_url(self, k: int, user: str) -> str:
        """Every seed server, instance k's first, with `user`'s password when the stack has
        users: a client whose first seed is down still connects (and authenticates) to another."""
        first = k % len(self.nats_urls)
        url = ",".join(self.nats_urls[first:] + self.nats_urls[:first])
        if self.credentials is None:
            return url
        return permissions.with_credentials(url, user, self.credentials[user])

    def urls(self) -> list[tuple[str, str]]:
        sink = f"smtp://127.0.0.1:{self.mailsink_port} → Maildir {self.maildir}"
        read = f"python -m services.notifier.mailsink --maildir {self.maildir} --list"
        rows = [
            ("Web form", f"http://127.0.0.1:{self.intake_port}/"),
            ("Complaint API", f"http://127.0.0.1:{self.intake_port}/api/docs"),
            ("Inbound e-mail", f"smtp://127.0.0.1:{self.smtp_port}"),
            ("Dashboard", f"http://127.0.0.1:{self.reporting_port}/dashboard"),
            ("Mail sink", sink),
            ("Read the mail", read),
            ("Health, metrics", self._health_line()),
            ("Traces", f"{self.traces_dir} → klachten trace <id or reference>"),
        ]
        if self.instances > 1:
            rows.insert(0, ("Instances", f"{self.instances} per service, ports +100 each"))
        return rows

    def _health_line(self) -> str:
        ports = [self.intake_port, self.reporting_port, self.notifier_port]
        ports += [self.sla_port] if self.with_sla_monitor else []
        where = ", ".join(f":{p}" for p in ports)
        return f"{where} → /health/live, /health/ready, /metrics"


def service_processes(topology: Topology) -> list[Service]:
    """The service processes of `topology`, in start order: consumers first, intake last, so
    the doors open when the consumers are there (a stop signals them all at once: what intake
    accepts meanwhile is in the log, and the durable consumers take it up on the next start)."""
    services: list[Service] = []
    for k in range(topology.instances):
        services += _instance(topology, k)
    services.append(_checkpointer(topology))
    order = ("checkpointer", "reporting", "notifier", "sla_monitor", "intake")
    return sorted(services, key=lambda s: order.index(s.process.name.split("-")[0]))


def _checkpointer(t: Topology) -> Service:
    """One per stack: anchors the log every minute and at shutdown (klachten/checkpointer.py)."""
    env = {"KLACHTEN_DATA_DIR": str(t.data_dir), "KLACHTEN_NATS_URL": t.nats_url(0, "checkpointer")}
    argv = [sys.executable, "-m", "klachten.checkpointer"]
    process = ChildProcess("checkpointer", argv, t.data_dir / "logs" / "checkpointer.log", env)
    return Service(process, lambda: checkpointer.ran_once(t.data_dir, process.pid))


def _instance(t: Topology, k: int) -> list[Service]:
    suffix = f"-{k + 1}" if t.instances > 1 else ""
    step = 100 * k
    base = {
        "KLACHTEN_DATA_DIR": str(t.data_dir),
        "KLACHTEN_STAFF_TOKEN": t.staff_token,
        "KLACHTEN_TRACES_DIR": str(t.traces_dir),
    }

    def as_user(user: str) -> dict[str, str]:
        # Every seed server, each instance starting at another node. Each service connects as
        # its own NATS user.
        return {**base, "KLACHTEN_NATS_URL": t.nats_url(k, user)}

    intake_env = {
        **as_user("intake"),
        "KLACHTEN_INTAKE_PORT": str(t.intake_port + step),
        "KLACHTEN_SMTP_PORT": str(t.smtp_port + step),
    }
    reporting_env = {
        **as_user("reporting"),
        "KLACHTEN_REPORTING_PORT": str(t.reporting_port + step),
    }
    shared_db = os.environ.get("KLACHTEN_REPORTING_DB", "").startswith(
        ("postgres://", "postgresql://")
    )
    if k and not shared_db:  # SQLite read models are per instance; PostgreSQL is shared
        reporting_env["KLACHTEN_REPORTING_DB"] = str(t.data_dir / f"reporting{suffix}.sqlite3")
    notifier_env = {
        **as_user("notifier"),
        "KLACHTEN_NOTIFIER_PORT": str(t.notifier_port + step),
        "KLACHTEN_MAILSINK_PORT": str(t.mailsink_port),
        "KLACHTEN_SMTP_RELAY_PORT": os.environ.get(
            "KLACHTEN_SMTP_RELAY_PORT", str(t.mailsink_port)
        ),
        # Letters link to the complainant's private status page (shared/privacy/statuslink.py).
        "KLACHTEN_STATUS_URL_TEMPLATE": os.environ.get(
            "KLACHTEN_STATUS_URL_TEMPLATE",
            f"http://127.0.0.1:{t.intake_port}/status/{{complaint_id}}/{{token}}",
        ),
    }
    # One mail sink for the whole stack; every notifier instance relays to it.
    notifier_args = ["--with-mailsink"] if k == 0 else []

    def child(name: str, module: str, env: dict[str, str], *args: str) -> ChildProcess:
        argv = [sys.executable, "-m", module, *args]
        return ChildProcess(name + suffix, argv, t.data_dir / "logs" / f"{name}{suffix}.log", env)

    def ready(port: int) -> Callable[[], bool]:
        return lambda: _ok(http_json(f"http://127.0.0.1:{port + step}/health/ready"))

    intake = child("intake", "services.intake", intake_env)
    reporting = child("reporting", "services.reporting", reporting_env)
    notifier = child("notifier", "services.notifier", notifier_env, *notifier_args)
    notifier_ready = ready(t.notifier_port)
    services = [
        Service(intake, lambda: ready(t.intake_port)() and tcp_open(t.smtp_port + step)),
        Service(reporting, ready(t.reporting_port)),
        Service(notifier, lambda: notifier_ready() and (k > 0 or tcp_open(t.mailsink_port))),
    ]
    if t.with_sla_monitor:
        sla_env = {**as_user("sla_monitor"), "KLACHTEN_SLA_PORT": str(t.sla_port + step)}
        sla = child("sla_monitor", "services.sla_monitor", sla_env)
        services.append(Service(sla, ready(t.sla_port)))
    return services


def _health_port(variable: str, default: int) -> int:
    """The port of a health/metrics endpoint: as configured; else the default, unless another
    program listens there (a second stack on this machine), then any free one."""
    if variable in os.environ:
        return int(os.environ[variable])
    if not tcp_open(default):
        return default
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    log.warning("port %d is in use; %s on %d (set %s to choose)", default, variable, port, variable)
    return port


def _ok(health: Any) -> bool:
    return isinstance(health, dict) and health.get("status") == "ok"
