"""`klachten up`: run the whole stack on one machine.

It starts nats-server (one embedded node, or three with `--cluster`) with the users of
config/nats-permissions.conf (passwords generated on first start into
$KLACHTEN_DATA_DIR/credentials/nats.json), provisions the streams and buckets as admin, then
the services as child processes, each with its own NATS user (logs in
$KLACHTEN_DATA_DIR/logs), waits for each to be ready, prints a summary and supervises until
Ctrl-C; then it stops the services all at once (SIGKILL for those still running after
`--stop-timeout`), NATS last, and says which had to be killed. One stack per data folder: a
second `up` is refused, and so is a start that finds processes of an earlier one
(`--stop-orphans` stops them first); children die with `up`, even a SIGKILLed one.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from klachten.stack import checkpointer, launch, orphans
from klachten.stack.cluster import nats_nodes
from klachten.stack.natsserver import EmbeddedNats, NatsServerError
from klachten.stack.probes import rss_kib
from klachten.stack.provisioning import provision_streams
from klachten.stack.stafftoken import staff_token
from klachten.stack.supervisor import (
    STOP_TIMEOUT,
    Supervised,
    Supervisor,
    shutdown_summary,
    stop_on_signals,
)
from klachten.stack.topology import Service, Topology, service_processes
from shared.config import permissions
from shared.config.settings import Settings
from shared.eventstore import highwater
from shared.eventstore.streams import JetStreamApiError, ProvisionedStream, StreamConfigConflict
from shared.integrity import signing
from shared.integrity.keyring import KeyringError
from shared.runtime.observability import LOG_MAX_BYTES, MaskSecrets

console = Console()
log = logging.getLogger("klachten.stack")
READY_TIMEOUT = 90.0


def up(
    cluster: bool = typer.Option(
        False, help="3 nats-server nodes (R3 streams) and 2 instances of each service."
    ),
    stop_orphans: bool = typer.Option(
        False,
        envvar="KLACHTEN_STOP_ORPHANS",
        help="First stop processes of an earlier klachten up still running on the folder.",
    ),
    stop_timeout: float = typer.Option(
        STOP_TIMEOUT,
        envvar="KLACHTEN_STOP_TIMEOUT",
        help="Seconds the services get to stop, all together, before SIGKILL; NATS as long.",
    ),
) -> None:
    """Start the whole stack (NATS, intake, notifier + mail sink, reporting, SLA monitor)."""
    begun = time.monotonic()
    settings = Settings.from_env()
    data_dir = settings.data_dir.resolve()
    launch.keep_private(data_dir)  # before the first file: the lock, logs, keys, NATS' store
    try:
        lock, stopped = orphans.claim(data_dir, stop_orphans=stop_orphans, timeout=stop_timeout)
    except orphans.Refused as refused:
        console.print(f"[bold red]klachten up refused:[/] {escape(str(refused))}")
        raise typer.Exit(1) from None
    _configure_logging(data_dir / "logs" / "klachten-up.log")
    for orphan in stopped:
        log.warning(
            "stopped %s of an earlier klachten up%s", orphan.name, " (killed)" * orphan.killed
        )
    stop = threading.Event()
    stop_on_signals(stop)
    supervisor = Supervisor()
    token, token_origin = staff_token(data_dir)
    credentials, made = permissions.ensure_credentials(data_dir)
    signing.ensure_writer_keys(data_dir, signing.writers())
    try:
        signer = checkpointer.preflight(data_dir)  # a lost checkpoint key: refuse, loudly
    except KeyringError as error:
        console.print(f"[bold red]klachten up refused:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    log.info("checkpoint signer (key, keyring, witness) in %s", signer)
    log.info(
        "NATS users %s, passwords %s %s",
        ", ".join(credentials),
        "made in" if made else "from",
        permissions.credentials_path(data_dir),
    )
    nodes = nats_nodes(settings, data_dir, cluster, credentials)

    def provisioned() -> list[ProvisionedStream]:
        admin = ",".join(node.url_for(permissions.ADMIN) for node in nodes)
        return asyncio.run(provision_streams(admin, replicas=len(nodes)))

    # A restarted standalone server has forgotten the buckets kept in memory (intake's rate
    # limits): provisioning again makes them and leaves the rest as it is. A cluster keeps their
    # definitions, and its restarted node catches up by itself (provisioning would wait for it).
    again = provisioned if len(nodes) == 1 else None
    try:
        for node in nodes:
            supervisor.start(node, last=True, after_restart=again)
        streams = provisioned()
        _refuse_if_shrunk(data_dir, streams)
        urls = [node.url for node in nodes]
        topology = Topology.from_settings(
            data_dir, urls, token, instances=2 if cluster else 1, credentials=credentials
        )
        services = service_processes(topology)
        for service in services:
            supervisor.start(service.process)
        _wait_ready(supervisor, services, stop)
        if stop.is_set():
            raise typer.Exit(0)
        elapsed = time.monotonic() - begun
        console.print(_summary(topology, nodes, streams, token_origin, supervisor, elapsed))
        supervisor.run_until(stop)
    except (NatsServerError, StreamConfigConflict, JetStreamApiError, TimeoutError) as error:
        console.print(f"[bold red]klachten up failed:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    finally:
        clean, line = shutdown_summary(supervisor.stop_all(stop_timeout), stop_timeout)
        console.print(f"[green]{line}[/]" if clean else f"[bold yellow]{line}[/]")
        lock.release()


def _wait_ready(supervisor: Supervisor, services: list[Service], stop: threading.Event) -> None:
    """Poll every service's readiness until all answer (restarting what crashes meanwhile)."""
    checks = {s.process.name: s.ready for s in services}
    deadline = time.monotonic() + READY_TIMEOUT
    pending = dict(checks)
    while pending and not stop.is_set():
        pending = {name: ready for name, ready in pending.items() if not ready()}
        if pending and time.monotonic() > deadline:
            names = ", ".join(sorted(pending))
            raise TimeoutError(f"not healthy within {READY_TIMEOUT:.0f} s: {names}")
        supervisor.check()
        stop.wait(0.1)


def _summary(
    topology: Topology,
    nodes: list[EmbeddedNats],
    streams: list[ProvisionedStream],
    token_origin: str,
    supervisor: Supervisor,
    elapsed: float,
) -> Panel:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in topology.urls():
        grid.add_row(label, value)
    grid.add_row("NATS", ", ".join(node.url for node in nodes))
    grid.add_row("NATS monitoring", ", ".join(node.monitor_url for node in nodes))
    grid.add_row("Streams", ", ".join(_stream_line(s) for s in streams))
    grid.add_row("Staff token", token_origin)
    grid.add_row("Data dir", str(topology.data_dir))
    grid.add_row("Logs", str(topology.data_dir / "logs"))
    grid.add_row("Processes", _processes_line(supervisor.processes))
    grid.add_row("Start-up", f"{elapsed:.1f} s (command start → all healthy)")
    return Panel(grid, title="klachten is up", subtitle="Ctrl-C stops", expand=False)


def _refuse_if_shrunk(data_dir: Path, streams: list[ProvisionedStream]) -> None:
    """Fail-stop: no service starts on a log shorter than one this folder has seen."""
    state = next((s.state for s in streams if s.name == "COMPLAINTS"), {})
    first, last = int(state.get("first_seq", 0)), int(state.get("last_seq", 0))
    problem = highwater.observe(data_dir, "supervisor", first, last, int(state.get("messages", 0)))
    if problem is not None:
        console.print(f"[bold red]klachten up refused:[/] {escape(problem)}")
        raise typer.Exit(2)


def _processes_line(processes: list[Supervised]) -> str:
    parts = []
    for process in processes:
        pid = getattr(process, "pid", None)
        rss = rss_kib(pid)
        parts.append(f"{process.name} pid {pid} RSS {rss / 1024:.0f} MiB" if rss else process.name)
    return "\n".join(parts)


def _stream_line(stream: ProvisionedStream) -> str:
    verb = "created" if stream.created else f"{stream.state.get('messages', 0)} messages"
    return f"{stream.name} ({verb})"


def _configure_logging(log_file: Path) -> None:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    to_file = RotatingFileHandler(log_file, maxBytes=LOG_MAX_BYTES, backupCount=1)
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(
        level=logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False), to_file],
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskSecrets())
