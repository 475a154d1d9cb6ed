"""The `klachten` command: one root that mounts each part's commands (composition root)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from klachten import audit_cli, privacy_cli, stack_cli
from services.reporting import cli as reporting_cli
from services.sla_monitor import cli as sla_cli
from shared import catalogue, events

app = typer.Typer(help="Event-sourced complaint handling on NATS JetStream.", no_args_is_help=True)
app.command()(stack_cli.up)
app.command()(stack_cli.streams)
app.command()(stack_cli.demo)
app.add_typer(reporting_cli.app, name="projections", help="Read models: rebuild and compare.")
audit_cli.app.command("history")(reporting_cli.audit_history_command)
app.add_typer(audit_cli.app, name="audit", help="Audit trail, chain and checkpoint checks.")
app.add_typer(privacy_cli.app, name="privacy", help="Erasure and retention of personal data.")
app.command("export")(reporting_cli.export_command)
app.add_typer(sla_cli.app, name="sla", help="Deadlines: what-if simulation of a policy.")

DOCS = Path(__file__).parents[1] / "docs"


@app.command()
def schema(
    docs: Path = typer.Option(DOCS, help="Folder for events.schema.json and events.md."),
) -> None:
    """Write the JSON Schema and the catalogue of the event contract (shared/events.py)."""
    (docs / "events.schema.json").write_text(
        json.dumps(events.json_schema(), indent=2, sort_keys=True) + "\n"
    )
    (docs / "events.md").write_text(catalogue.markdown())
    typer.echo(f"wrote {docs / 'events.schema.json'} and {docs / 'events.md'}")
