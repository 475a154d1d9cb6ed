"""The `klachten` command: one root that mounts each command module of klachten/commands/
(composition root)."""

from __future__ import annotations

import os

import typer
from nats.errors import NoServersError

from klachten.commands import audit, demo, privacy, projections, recover, schema, sla, streams, up
from klachten.commands.postroom import app as post_room
from klachten.commands.trace import trace
from klachten.stack import launch
from shared.config.permissions import mask
from shared.config.settings import Settings

app = typer.Typer(help="Event-sourced complaint handling on NATS JetStream.", no_args_is_help=True)
app.command()(up.up)
app.command()(streams.streams)
app.command()(demo.demo)
app.command()(recover.recover)
app.add_typer(projections.app, name="projections", help="Read models: rebuild and compare.")
audit.app.command("history")(projections.audit_history_command)
app.add_typer(audit.app, name="audit", help="Audit trail, chain and checkpoint checks.")
app.add_typer(privacy.app, name="privacy", help="Erasure and retention of personal data.")
app.add_typer(post_room, name="post-room", help="Paper letters: list, print, mark posted.")
app.command("export")(projections.export_command)
app.command("yearly-report")(projections.yearly_report_command)
app.add_typer(sla.app, name="sla", help="Deadlines: what-if simulation of a policy.")
app.command("trace")(trace)
app.command()(schema.schema)


def main() -> None:
    """The console script. A command that cannot reach NATS says where it looked and exits 2,
    instead of a traceback (commands connect with shared.eventstore.link.COMMAND_CONNECT).
    What a command writes (a rebuilt read model, an export, a case file) is its owner's only."""
    os.umask(launch.PRIVATE_UMASK)
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
