"""Where the services of one stack listen and how each is started: the topology comes from the
settings objects (shared/config/settings.py and each service's settings: the KLACHTEN_*
variables are read there and nowhere else), and `service_processes` turns it into the child
processes of `klachten up`, each with the environment that hands its settings on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from klachten.stack import checkpointer, launch
from klachten.stack.probes import free_port_unless_taken, healthy, tcp_open
from klachten.stack.supervisor import ChildProcess
from services.notifier.settings import NotifierSettings
from services.reporting.settings import ReportingSettings
from services.sla_monitor.settings import SlaSettings
from services.webhooks.settings import WebhooksSettings
from shared.config.permissions import with_credentials
from shared.config.settings import Settings, env_name


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
    traces_dir: Path
    maildir: Path
    smtp_relay_port: int
    status_url_template: str = ""
    reporting_db: str = ""
    with_sla_monitor: bool = True
    credentials: dict[str, str] | None = None
    webhooks_port: int = 8084

    @classmethod
    def from_settings(
        cls,
        data_dir: Path,
        nats_urls: Sequence[str],
        staff_token: str,
        instances: int,
        credentials: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
    ) -> Topology:
        """The topology the settings describe (`env`: the environment they are read from,
        default this process's). A health port left at its default moves to a free one when
        another program listens there (a second stack on this machine)."""
        base = Settings.from_env(env)
        notifier = NotifierSettings.from_env(env)
        sla = SlaSettings.from_env(env)
        return cls(
            data_dir=data_dir,
            nats_urls=tuple(nats_urls),
            staff_token=staff_token,
            instances=instances,
            credentials=credentials,
            intake_port=base.intake_port,
            smtp_port=base.smtp_port,
            reporting_port=base.reporting_port,
            mailsink_port=notifier.mailsink_port,
            notifier_port=_free_unless_given(notifier, "notifier_port"),
            sla_port=_free_unless_given(sla, "sla_port"),
            traces_dir=Path(base.traces_dir or data_dir / "traces"),
            maildir=Path(notifier.mailsink_dir or data_dir / "mail"),
            # Relays to the stack's own mail sink unless another relay is configured.
            smtp_relay_port=notifier.smtp_relay_port
            if _given(notifier, "smtp_relay_port")
            else notifier.mailsink_port,
            status_url_template=notifier.status_url_template,
            reporting_db=ReportingSettings.from_env(env).reporting_db,
            webhooks_port=_free_unless_given(WebhooksSettings.from_env(env), "webhooks_port"),
        )

    def nats_url(self, k: int, user: str) -> str:
        """Every seed server, instance k's first, with `user`'s password when the stack has
        users: a client whose first seed is down still connects (and authenticates) to another."""
        first = k % len(self.nats_urls)
        url = ",".join(self.nats_urls[first:] + self.nats_urls[:first])
        if self.credentials is None:
            return url
        return with_credentials(url, user, self.credentials[user])

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
        ports += [self.webhooks_port]
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
    order = ("checkpointer", "reporting", "notifier", "sla_monitor", "webhooks", "intake")
    return sorted(services, key=lambda s: order.index(s.process.name.split("-")[0]))


def _checkpointer(t: Topology) -> Service:
    """One per stack: anchors the log every minute and at shutdown (stack/checkpointer.py)."""
    env = {"KLACHTEN_DATA_DIR": str(t.data_dir), "KLACHTEN_NATS_URL": t.nats_url(0, "checkpointer")}
    argv = launch.command("klachten.stack.checkpointer")
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
    shared_db = t.reporting_db.startswith(("postgres://", "postgresql://"))
    if k and not shared_db:  # SQLite read models are per instance; PostgreSQL is shared
        reporting_env["KLACHTEN_REPORTING_DB"] = str(t.data_dir / f"reporting{suffix}.sqlite3")
    notifier_env = {
        **as_user("notifier"),
        "KLACHTEN_NOTIFIER_PORT": str(t.notifier_port + step),
        "KLACHTEN_MAILSINK_PORT": str(t.mailsink_port),
        "KLACHTEN_SMTP_RELAY_PORT": str(t.smtp_relay_port),
        # Letters link to the complainant's private status page (shared/privacy/statuslink.py).
        "KLACHTEN_STATUS_URL_TEMPLATE": t.status_url_template
        or f"http://127.0.0.1:{t.intake_port}/status/{{complaint_id}}/{{token}}",
    }
    # One mail sink for the whole stack; every notifier instance relays to it.
    notifier_args = ["--with-mailsink"] if k == 0 else []

    def child(name: str, module: str, env: dict[str, str], *args: str) -> ChildProcess:
        argv = launch.command(module, *args)
        return ChildProcess(name + suffix, argv, t.data_dir / "logs" / f"{name}{suffix}.log", env)

    def ready(port: int) -> Callable[[], bool]:
        return lambda: healthy(f"http://127.0.0.1:{port + step}/health/ready")

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
    # Posts subscribed events to integrating systems (config/webhooks.toml); idle without any.
    webhooks_env = {**as_user("webhooks"), "KLACHTEN_WEBHOOKS_PORT": str(t.webhooks_port + step)}
    webhooks = child("webhooks", "services.webhooks", webhooks_env)
    services.append(Service(webhooks, ready(t.webhooks_port)))
    return services


def _given(settings: Settings, name: str) -> bool:
    """Whether the setting differs from its default (was chosen, by environment or file)."""
    default = next(f.default for f in dataclasses.fields(settings) if f.name == name)
    return getattr(settings, name) != default


def _free_unless_given(settings: Settings, name: str) -> int:
    port: int = getattr(settings, name)
    return port if _given(settings, name) else free_port_unless_taken(port, env_name(name))
