"""The `klachten` command: one root that mounts each part's commands (composition root)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from nats.errors import NoServersError

from klachten import audit_cli, privacy_cli, stack_cli, trace_cli
from services.reporting import cli as reporting_cli
from services.sla_monitor import cli as sla_cli
from shared.config.permissions import mask
from shared.config.settings import Settings
from shared.contract import catalogue

app = typer.Typer(help="Event-sourced complaint handling on NATS JetStream.", no_args_is_help=True)
app.command()(stack_cli.up)
app.command()(stack_cli.streams)
app.command()(stack_cli.demo)
app.command()(stack_cli.recover)
app.add_typer(reporting_cli.app, name="projections", help="Read models: rebuild and compare.")
audit_cli.app.command("history")(reporting_cli.audit_history_command)
app.add_typer(audit_cli.app, name="audit", help="Audit trail, chain and checkpoint checks.")
app.add_typer(privacy_cli.app, name="privacy", help="Erasure and retention of personal data.")
app.command("export")(reporting_cli.export_command)
app.add_typer(sla_cli.app, name="sla", help="Deadlines: what-if simulation of a policy.")
app.command("trace")(trace_cli.trace)

DOCS = Path(__file__).parents[1] / "docs"


@app.command()
def schema(
    docs: Path = typer.Option(DOCS, help="Folder for the published documents."),
) -> None:
    """Write the event contract's JSON Schema and catalogue (shared/contract/events.py) and the
    OpenAPI and AsyncAPI documents (klachten/apidocs.py)."""
    from klachten import apidocs  # imports every service's app: only for this command

    (docs / "events.schema.json").write_text(
        json.dumps(catalogue.json_schema(), indent=2, sort_keys=True) + "\n"
    )
    (docs / "events.md").write_text(catalogue.markdown())
    written = ["events.schema.json", "events.md"]
    for name, document in apidocs.documents().items():
        (docs / name).write_text(apidocs.dumps(document), encoding="utf-8")
        written.append(name)
    typer.echo(f"wrote {', '.join(written)} in {docs}")


def main() -> None:
    """The console script. A command that cannot reach NATS says where it looked and exits 2,
    instead of a traceback (commands connect with shared.eventstore.link.COMMAND_CONNECT)."""
    try:
        app()
    except NoServersError:
        where = mask(Settings.from_env().nats_url)
        typer.echo(
            f"klachten: cannot reach NATS at {where}. Is the stack running (klachten up)? "
            "KLACHTEN_NATS_URL names another server.",
            err=True,
        )
        raise SystemExit(2) from None
