"""`klachten recover --accept-shrunken-log`: let `klachten up` start again after it refused a
shrunken log (docs/operations.md)."""

from __future__ import annotations

import typer
from rich.console import Console

from shared.config.settings import Settings
from shared.eventstore import highwater

console = Console()


def recover(
    accept_shrunken_log: bool = typer.Option(
        False, help="The log was restored (or its loss accepted): forget the high-water marks."
    ),
) -> None:
    """Let `klachten up` start again after it refused a shrunken log (docs/operations.md)."""
    if not accept_shrunken_log:
        console.print("Nothing to do: pass --accept-shrunken-log after restoring the log.")
        raise typer.Exit(2)
    data_dir = Settings.from_env().data_dir.resolve()
    removed = highwater.accept(data_dir)
    console.print(f"High-water marks cleared ({len(removed)} files); `klachten up` may start.")
