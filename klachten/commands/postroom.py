"""`klachten post-room`: the paper letters for complainants without e-mail (issue 16 item 8).

`list` shows what waits to be printed and posted (`--all`: posted ones too), `show` one letter
(`--output FILE` writes its PDF there to print, recorded as printed), `posted` marks letters as
posted (recorded with who and when; the first mark counts). The post room is the folder the
notifier writes (KLACHTEN_POST_ROOM_DIR, default $KLACHTEN_DATA_DIR/post-room); a letter is
named by the first characters of its hash (at least 6) or by the complaint's reference when
one letter of it waits. Every action is a line in the post room's journal.jsonl.
"""

from __future__ import annotations

import getpass
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from services.notifier.postroom import PostEntry, PostRoom, UnknownLetter
from services.notifier.settings import NotifierSettings

app = typer.Typer(help="Paper letters: list, print and mark posted.")
console = Console(soft_wrap=True)

FOLDER = typer.Option(
    None, "--folder", help="The post room (default: KLACHTEN_POST_ROOM_DIR or the data folder's)."
)


def _room(folder: Path | None) -> PostRoom:
    return PostRoom(folder or NotifierSettings.from_env().post_room)


def _you() -> str:
    """Who runs the command, as the operating system names them (recorded with the action)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (a bare container)
        return f"uid:{os.getuid()}"


def _find(room: PostRoom, key: str) -> PostEntry:
    try:
        return room.find(key)
    except UnknownLetter as error:
        console.print(f"[bold red]{escape(str(error))}[/] (see `klachten post-room list --all`)")
        raise typer.Exit(2) from error


@app.command("list")
def list_letters(
    every: bool = typer.Option(False, "--all", help="Posted letters too."),
    folder: Path | None = FOLDER,
) -> None:
    """The letters waiting to be printed and posted, oldest first."""
    room = _room(folder)
    entries = room.entries() if every else room.waiting()
    # One line per letter (no table: a reference or an address is never cut or wrapped).
    for entry in entries:
        mark = room.posted(entry.document_sha256)
        posted = f"  posted {mark.posted_at:%Y-%m-%d} by {mark.posted_by}" if mark else ""
        console.print(
            f"{entry.document_sha256[:12]}  {entry.queued_at:%Y-%m-%d %H:%M}  {entry.reference}"
            f"  {entry.kind} ({entry.language}, {entry.pages} p.)  to {escape(entry.recipient)}"
            f"{escape(posted)}",
            highlight=False,
        )
    console.print(f"{len(entries)} letter(s){'' if every else ' waiting'} in {room.folder}")


@app.command("show")
def show(
    letter: str = typer.Argument(..., help="Hash prefix (6+ characters) or reference."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the PDF here."),
    by: str | None = typer.Option(None, "--by", help="Who prints it (default: you)."),
    folder: Path | None = FOLDER,
) -> None:
    """One letter: what, to whom, where its PDF is; with --output a copy to print."""
    room = _room(folder)
    entry = _find(room, letter)
    mark = room.posted(entry.document_sha256)
    console.print(f"letter    {entry.document_sha256}")
    console.print(f"reference {entry.reference}  ({entry.kind}, {entry.language})")
    console.print(f"to        {escape(entry.recipient)}")
    console.print(f"waiting   since {entry.queued_at.isoformat()}  ({entry.pages} page(s))")
    state = f"{mark.posted_at.isoformat()} by {escape(mark.posted_by)}" if mark else "not yet"
    console.print(f"posted    {state}")
    console.print(f"pdf       {room.pdf_path(entry)}")
    if output is not None:
        shutil.copyfile(room.pdf_path(entry), output)
        room.printed(entry, datetime.now(UTC), by or _you())
        console.print(f"written to {output}")


@app.command("posted")
def posted(
    letters: list[str] = typer.Argument(..., help="Hash prefixes or references."),
    by: str | None = typer.Option(None, "--by", help="Who posted them (default: you)."),
    folder: Path | None = FOLDER,
) -> None:
    """Mark letters as posted (put in the mail); the first mark of a letter counts."""
    room = _room(folder)
    entries = [_find(room, key) for key in letters]  # all found, or none marked
    now = datetime.now(UTC)
    for entry in entries:
        mark, new = room.mark_posted(entry, now, by or _you())
        when = f"{mark.posted_at:%Y-%m-%d %H:%M} by {escape(mark.posted_by)}"
        said = "posted" if new else "already posted"
        console.print(f"{entry.document_sha256[:12]} {entry.reference}: {said} {when}")
