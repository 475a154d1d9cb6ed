"""The `klachten` command: run the stack on embedded defaults, inspect the streams."""

from __future__ import annotations

import asyncio
import logging
import threading

import nats
import typer
from nats.errors import NoServersError
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from klachten.stack import Supervisor, stop_on_signals
from shared.natsserver import EmbeddedNats, NatsServerError
from shared.settings import Settings
from shared.streams import JetStreamApiError, ProvisionedStream, StreamConfigConflict, provision

app = typer.Typer(help="Event-sourced complaint handling on NATS JetStream.", no_args_is_help=True)
console = Console()


@app.command()
def up() -> None:
    """Start the stack (for now: the embedded nats-server with its streams) until Ctrl-C."""
    _configure_logging()
    settings = Settings.from_env()
    stop = threading.Event()
    stop_on_signals(stop)
    supervisor = Supervisor()
    nats_server = EmbeddedNats(
        settings.data_dir / "nats", settings.nats_port, settings.nats_monitor_port
    )
    try:
        supervisor.start(nats_server)
        streams = asyncio.run(_provision(nats_server.url, replicas=1))
        console.print(_summary(settings, nats_server, streams))
        supervisor.run_until(stop)
    except (NatsServerError, StreamConfigConflict, JetStreamApiError) as error:
        console.print(f"[bold red]klachten up failed:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    finally:
        supervisor.stop_all()
    console.print("[green]klachten stopped cleanly[/]")


@app.command()
def streams(
    replicas: int = typer.Option(1, help="Replicas for streams that must be created."),
) -> None:
    """Provision the streams at KLACHTEN_NATS_URL (idempotent) and show their state."""
    settings = Settings.from_env()
    try:
        provisioned = asyncio.run(_provision(settings.nats_url, replicas))
    except (StreamConfigConflict, JetStreamApiError) as error:
        console.print(f"[bold red]{escape(str(error))}[/]")
        raise typer.Exit(1) from None
    except (OSError, NoServersError) as error:
        console.print(
            f"[bold red]cannot reach NATS at {settings.nats_url}:[/] {escape(str(error))}"
        )
        raise typer.Exit(1) from None
    console.print(_streams_table(provisioned))


async def _provision(url: str, replicas: int) -> list[ProvisionedStream]:
    nc = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=0)
    try:
        return await provision(nc, replicas=replicas)
    finally:
        await nc.close()


def _summary(
    settings: Settings, nats_server: EmbeddedNats, streams: list[ProvisionedStream]
) -> Panel:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("NATS", nats_server.url)
    grid.add_row("Monitoring", nats_server.monitor_url)
    grid.add_row("Data dir", str(settings.data_dir.resolve()))
    grid.add_row("NATS log", str(nats_server.log_file))
    grid.add_row("Streams", ", ".join(_stream_line(s) for s in streams))
    return Panel(grid, title="klachten is up", subtitle="Ctrl-C stops", expand=False)


def _stream_line(stream: ProvisionedStream) -> str:
    verb = "created" if stream.created else f"{stream.state.get('messages', 0)} messages"
    return f"{stream.name} ({verb})"


def _streams_table(provisioned: list[ProvisionedStream]) -> Table:
    table = Table(title="JetStream streams")
    for column in ("stream", "messages", "bytes", "first seq", "last seq", "provisioning"):
        table.add_column(column, justify="left" if column == "stream" else "right")
    for stream in provisioned:
        state = stream.state
        table.add_row(
            stream.name,
            str(state.get("messages", 0)),
            str(state.get("bytes", 0)),
            str(state.get("first_seq", 0)),
            str(state.get("last_seq", 0)),
            "created" if stream.created else "unchanged",
        )
    return table


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False)],
    )
