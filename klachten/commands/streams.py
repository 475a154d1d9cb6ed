"""`klachten streams`: provision the streams at KLACHTEN_NATS_URL (idempotent) and show their
state."""

from __future__ import annotations

import asyncio

import nats
import typer
from nats.errors import NoServersError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from klachten.stack.provisioning import provision_streams
from shared.config import permissions
from shared.config.settings import Settings
from shared.eventstore.streams import JetStreamApiError, ProvisionedStream, StreamConfigConflict

console = Console()


def streams(
    replicas: int = typer.Option(1, help="Replicas for streams that must be created."),
) -> None:
    """Provision the streams at KLACHTEN_NATS_URL (idempotent) and show their state."""
    settings = Settings.from_env()
    try:
        provisioned = asyncio.run(provision_streams(settings.nats_url, replicas))
    except (StreamConfigConflict, JetStreamApiError) as error:
        console.print(f"[bold red]{escape(str(error))}[/]")
        raise typer.Exit(1) from None
    except (OSError, NoServersError, nats.errors.Error) as error:
        where = permissions.mask(settings.nats_url)
        console.print(f"[bold red]cannot reach NATS at {where}:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    console.print(_streams_table(provisioned))


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
