"""Command line of reporting; the main CLI mounts ``app`` as ``klachten projections`` and
``export_app``/``audit_app`` as ``klachten export`` / ``klachten audit``, and
``yearly_report_command`` as ``klachten yearly-report``.

    klachten projections rebuild [--backend sqlite|postgres] [--db …] [--no-compare]
    klachten projections history <reference|complaint id> [--as-of T | --as-of-seq N] [--lang en]
    klachten export <events|complaints_status_and_deadlines|…> [--format jsonl|csv] [--out FILE]
    klachten export parquet --out DIR [--since-seq N] [--as-of-seq M]
    klachten yearly-report YEAR --out FILE.pdf|FILE.html [--lang en] [--as-of T]
    klachten audit history <reference|complaint id> [--lang en]

Above 300 lines: the commands of reporting's four command groups side by side, each a few
lines over the modules that do the work (rebuild.py, log.py, snapshots.py, exports.py).
"""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from services.reporting import (
    event_words,
    exports,
    log,
    reads,
    snapshot_reads,
    snapshots,
    yearly_pdf,
    yearly_web,
)
from services.reporting.domain import ReportInputError, parse_as_of
from services.reporting.fold import Row, tables_of
from services.reporting.rebuild import SequenceGap, rebuild
from services.reporting.settings import ReportingSettings
from services.reporting.view import ReportingView
from services.reporting.view_backends import open_view
from shared.eventstore.link import COMMAND_CONNECT, JetStreamLink

app = typer.Typer(
    help="Reporting read models: rebuild from the log, audit trail.", no_args_is_help=True
)
audit_app = typer.Typer(help="Audit trail of complaints.", no_args_is_help=True)
export_app = typer.Typer(help="Export events and read models for analysts.")
console = Console(stderr=True)


@audit_app.callback()
def _audit() -> None:
    """Audit trail of complaints."""


def fresh_store(live_db: str, backend: str) -> tuple[str, str | None]:
    """A new, empty store next to the live one: ``<file>.rebuild`` or schema reporting_rebuild."""
    if backend == "postgres":
        return live_db, "reporting_rebuild"
    target = Path(live_db + ".rebuild")
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    return str(target), None


def _drop_schema(view: ReportingView, schema: str) -> None:
    with view._tx(commit=True) as c:
        c.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@app.command("rebuild")
def rebuild_command(
    backend: Annotated[
        str | None, typer.Option(help="sqlite or postgres (default: from settings)")
    ] = None,
    db: Annotated[
        str | None, typer.Option(help="the live store (default KLACHTEN_REPORTING_DB)")
    ] = None,
    compare: Annotated[bool, typer.Option(help="compare with the live store")] = True,
    replace: Annotated[
        bool, typer.Option(help="SQLite: make the rebuilt store the live one")
    ] = False,
) -> None:
    """Replay the whole log into a fresh store, check the sequence, compare with the live store."""
    settings = ReportingSettings.from_env()
    snapshots.keep(settings.reporting_snapshots_kept)
    live_db = db or settings.db
    kind = "postgres" if live_db.startswith(("postgres://", "postgresql://")) else "sqlite"
    if backend is not None and backend != kind:
        raise typer.BadParameter(f"the live store {live_db!r} is {kind}; pass --db for {backend}")
    target, schema = fresh_store(live_db, kind)
    live = open_view(live_db) if compare else None
    if schema:
        _drop_schema(live or open_view(live_db), schema)
    fresh = open_view(target, schema=schema)
    link = JetStreamLink(settings.nats_url, name="klachten-rebuild", **COMMAND_CONNECT)
    columns = (
        TextColumn("replay"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>8.0f} events/s"),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("replay", total=None, rate=0.0)

            def progress(reached: int, last: int, rate: float) -> None:
                bar.update(task, completed=reached, total=last, rate=rate)

            result = rebuild(link, fresh, live, progress)
    except SequenceGap as gap:
        console.print(f"[bold red]UNEXPLAINED GAP IN THE LOG[/]: {gap}")
        raise typer.Exit(3) from None
    finally:
        link.close()
    console.print(
        f"replayed {result.events} events ({result.messages} messages, up to sequence "
        f"{result.position}) in {result.seconds:.2f} s: {result.rate:.0f} events/s into {target}"
        + (f" schema {schema}" if schema else "")
    )
    for dead in result.dead_letters:
        console.print(
            f"[yellow]dead letter[/] sequence {dead.seq} ({dead.complaint_id}): {dead.reason}"
        )
    for b in result.chain_breaks:
        console.print(f"[yellow]hash chain[/] {b}")
    if result.equal is None and compare:
        console.print(result.difference or "no live store to compare with (it is empty)")
    elif result.equal:
        console.print(
            f"[green]equal[/]: live and rebuilt stores agree at sequence {result.live_position} "
            f"(sha256 {result.rebuilt_hash})"
        )
    elif compare:
        console.print(
            f"[bold red]DIFFERENT[/] at sequence {result.live_position}: {result.difference}"
        )
        raise typer.Exit(1)
    if replace and kind == "sqlite":
        for suffix in ("-wal", "-shm"):
            Path(live_db + suffix).unlink(missing_ok=True)
        shutil.move(target, live_db)
        console.print(f"the rebuilt store replaced {live_db} (stop the reporting service first)")


AsOf = Annotated[
    str | None, typer.Option("--as-of", help="as known at this moment (RFC 3339 with offset)")
]
AsOfSeq = Annotated[
    int | None, typer.Option("--as-of-seq", min=0, help="as known at this stream sequence")
]
Lang = Annotated[str, typer.Option("--lang", help="nl (default) or en: the words of each event")]


def _history(
    key: str, as_of: str | None = None, as_of_seq: int | None = None, lang: str = "nl"
) -> None:
    settings = ReportingSettings.from_env()
    at = None
    if as_of is not None:
        if as_of_seq is not None:
            raise typer.BadParameter("give --as-of or --as-of-seq, not both")
        try:
            at = parse_as_of(as_of, datetime.now(UTC))
        except ReportInputError as e:
            raise typer.BadParameter(e.message, param_hint="--as-of") from None
    cid: str | None = key
    if not (len(key) == 36 and key.count("-") == 4):
        cid = reads.complaint_id_of(open_view(settings.db), key)  # by its index
        if cid is None:
            console.print(f"no complaint with reference {key!r} in the read model")
            raise typer.Exit(2)
    # A history is the complaint's own events with their hash links: read from the log by its
    # subjects (no replay of other complaints), cut at the moment; a snapshot holds rows only.
    link = JetStreamLink(settings.nats_url, name="klachten-audit", **COMMAND_CONNECT)
    try:
        names = event_words.names_for(settings.organisation_file, lang)
        say = lambda fact: event_words.describe(fact, lang, names)  # noqa: E731
        events = log.history_as_of(log.history(link, str(cid), say), as_of_seq, at)
    finally:
        link.close()
    table = Table(title=f"complaint {cid}")
    columns = ("seq", "stored at", "occurred at", "actor", "type", "what", "causation", "hash link")
    for col in columns:
        table.add_column(col)
    for e in events:
        ok = "[green]ok[/]" if e["hash_link_ok"] else f"[red]BROKEN[/] {e['problem']}"
        table.add_row(
            str(e["seq"]),
            e["stored_at"],
            e["occurred_at"] or "—",
            e["actor"] or "—",
            e["type"],
            e["what"] or "—",
            e["causation_id"] or "—",
            ok,
        )
    (Console() if sys.stdout.isatty() else Console(width=240)).print(table)
    if not events:
        raise typer.Exit(2)
    if not all(e["hash_link_ok"] for e in events):
        raise typer.Exit(1)


@app.command("history")
@audit_app.command("history")
def history_command(
    key: Annotated[str, typer.Argument(help="reference or complaint id")],
    as_of: AsOf = None,
    as_of_seq: AsOfSeq = None,
    lang: Lang = "nl",
) -> None:
    """Every event of one complaint with sequence, time, actor, type and what it says in
    words, causation, hash check."""
    _history(key, as_of, as_of_seq, lang)


audit_history_command = history_command  # `klachten audit history` too (klachten/cli.py)


@export_app.command("export")
def export_command(
    name: Annotated[
        str, typer.Argument(help=f"parquet (every export, incremental) or one of: {exports.NAMES}")
    ],
    format: Annotated[str, typer.Option("--format", "-f", help="jsonl or csv")] = "jsonl",
    out: Annotated[
        Path | None,
        typer.Option(help="file to write (default: standard output); parquet: the folder"),
    ] = None,
    since_seq: Annotated[
        int | None,
        typer.Option(min=0, help="parquet: after this stream sequence (default: where it stopped)"),
    ] = None,
    as_of_seq: Annotated[
        int | None, typer.Option(min=0, help="parquet: up to this stream sequence (default: all)")
    ] = None,
) -> None:
    """Export events (from the log) or a read model, without personal data. `parquet` writes
    every export into a folder, continuing from the last run; the analyst NATS user suffices."""
    settings = ReportingSettings.from_env()
    if name == "parquet":
        if out is None:
            raise typer.BadParameter("parquet writes a folder: give --out DIR")
        link = JetStreamLink(settings.nats_url, name="klachten-export", **COMMAND_CONNECT)
        try:
            run = exports.write_parquet(link, out, since_seq, as_of_seq)
        except exports.ExportError as e:
            console.print(f"klachten export: {e}")
            raise typer.Exit(2) from None
        finally:
            link.close()
        counts = ", ".join(f"{n} {t}" for t, n in run.rows.items())
        said = f"sequences {run.since + 1}..{run.last}: {counts}; the next run continues there"
        console.print(said if run.rows else f"nothing new after sequence {run.since}")
        return
    if name not in exports.NAMES or format not in exports.FORMATS:
        raise typer.BadParameter(f"use parquet or one of {exports.NAMES} and --format jsonl|csv")
    if since_seq is not None or as_of_seq is not None:
        raise typer.BadParameter(
            "a jsonl/csv export is of the log as it is now; for a position use parquet"
        )
    link = JetStreamLink(settings.nats_url, name="klachten-export", **COMMAND_CONNECT)
    try:
        stream = out.open("w", encoding="utf-8") if out else sys.stdout
        for chunk in exports.export(name, format, link, open_view(settings.db)):
            stream.write(chunk)
        if out:
            stream.close()
    finally:
        link.close()


def yearly_report_command(
    year: Annotated[int, typer.Argument(help="the calendar year (the policy's time zone)")],
    out: Annotated[Path, typer.Option("--out", help="FILE.pdf or FILE.html")],
    lang: Annotated[str, typer.Option("--lang", help="nl (default) or en")] = "nl",
    as_of: AsOf = None,
    as_of_seq: AsOfSeq = None,
) -> None:
    """The yearly report (Awb 9:12a) as PDF or HTML, folded from the log (as of a moment or a
    stream sequence: the same moment gives the same bytes); the same document as the
    workspace's /reports/yearly/{year}."""
    if lang not in ("nl", "en"):
        raise typer.BadParameter("use nl or en", param_hint="--lang")
    if out.suffix not in (".pdf", ".html"):
        raise typer.BadParameter("name a .pdf or an .html file", param_hint="--out")
    if as_of is not None and as_of_seq is not None:
        raise typer.BadParameter("give --as-of or --as-of-seq, not both")
    settings = ReportingSettings.from_env()
    now = datetime.now(UTC)
    at = None
    if as_of is not None:
        try:
            at = parse_as_of(as_of, now)
        except ReportInputError as e:
            raise typer.BadParameter(e.message, param_hint="--as-of") from None
    link = JetStreamLink(settings.nats_url, name="klachten-yearly-report", **COMMAND_CONNECT)
    try:
        seq = as_of_seq if as_of_seq is not None or at is not None else log.last_sequence(link)
        tables, pit = _as_of(settings.db, link, seq, at)
    finally:
        link.close()
    moment = at or (pit.moment if as_of_seq is not None else None) or now
    doc, _ = yearly_web.make(tables, year, lang, settings, pit.position, moment)
    if out.suffix == ".pdf":
        out.write_bytes(yearly_pdf.render(doc, moment))
    else:
        out.write_text(yearly_web.html(doc, pdf=out.with_suffix(".pdf").name, switch=""), "utf-8")
    console.print(f"{out}: {doc.title}, log position {pit.position}, as of {moment.isoformat()}")


def _as_of(
    db: str, link: JetStreamLink, seq: int | None, at: datetime | None
) -> tuple[dict[str, list[Row]], log.PointInTime]:
    """The read models as of `seq` or `at`: from the view's nearest snapshot and the rest of the
    log (snapshot_reads.restored), or by a full replay where the store has no snapshots (yet)."""
    sqlite = not db.startswith(("postgres://", "postgresql://"))
    view = None if sqlite and not Path(db).exists() else open_view(db)  # no file made here
    if view is None or not view._answers(
        f"SELECT position FROM {view._table(snapshots.SNAPSHOTS)} WHERE 1 = 0"
    ):
        pit = log.replay_until(link, seq=seq, at=at)
        return tables_of(pit.model), pit
    store, pit = snapshot_reads.restored(view, link, seq=seq, at=at)
    try:
        return store.snapshot()[1], pit
    finally:
        store.close()
