"""Exports for analysts: events and read models as JSON Lines, CSV or Parquet, never personal
data.

Events come from the log itself (contract JSON minus ``personal``/``sealed``, plus the stream
sequence and store time); read models come from the view, or (Parquet from the CLI, which an
analyst runs with only the NATS credential) from a fold of the log. Parquet is incremental: each
run writes the events, and the read-model rows, that changed after a stream position, as one
part per table (``<table>/<from>-<to>.parquet``) and records the last sequence written in
``klachten-export.json`` so the next run continues there. docs/analysts.md has the recipes.
A CSV cell that a spreadsheet would take for a formula (it starts with = + - @, a tab or a
carriage return: public fields such as the category reach analysts) gets a leading quote
(OWASP, "CSV injection"); JSON Lines stay as they are.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.reporting import fold, log
from services.reporting.fold import INT_COLUMNS, TABLES, ReadModel, Row, tables_of
from services.reporting.view import ReportingView
from shared.contract import events as ev
from shared.eventstore.link import JetStreamLink

FORMATS = ("jsonl", "csv")
NAMES = ("events", *TABLES)
EVENT_COLUMNS = (
    "seq",
    "stored_at",
    "type",
    "complaint_id",
    "version",
    "occurred_at",
    "actor",
    "event_id",
    "correlation_id",
    "causation_id",
    "data",
)


def event_records(
    link: JetStreamLink, start: int = 1, stop: int | None = None
) -> Iterator[dict[str, Any]]:
    for msg in log.messages(link, start, stop):
        item = log.item_of(msg)
        if item is not None and isinstance(item[1], ev.Event):
            yield _record(msg.seq, msg.timestamp, item[1])


def _record(seq: int, stored: Any, fact: ev.Event) -> dict[str, Any]:
    return {"seq": seq, "stored_at": fold.ts(stored), **log.public_event(fact)}


def _flat_event(record: dict[str, Any]) -> dict[str, Any]:
    out = {k: record.get(k) for k in EVENT_COLUMNS if k != "data"}
    rest = {k: v for k, v in record.items() if k not in out}
    out["data"] = json.dumps(rest, sort_keys=True, default=str)
    return out


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """`value`, with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export(name: str, fmt: str, link: JetStreamLink, view: ReportingView) -> Iterator[str]:
    """Lines of text (each ending in a newline) of one export."""
    if name not in NAMES or fmt not in FORMATS:
        raise ValueError(f"unknown export {name}.{fmt}")
    if name == "events":
        records: Iterator[dict[str, Any]] = event_records(link)
        columns: tuple[str, ...] = EVENT_COLUMNS
        if fmt == "csv":
            records = map(_flat_event, records)
    else:
        records, columns = iter(view.rows(name)), TABLES[name][0]
    if fmt == "jsonl":
        for r in records:
            yield json.dumps(r, sort_keys=True, default=str) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow({k: spreadsheet_safe(v) for k, v in r.items()})
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# --- Parquet, incremental ---------------------------------------------------------------------

STATE_FILE = "klachten-export.json"
TIME_SUFFIXES = ("_at", "_by", "_by_norm", "_by_initial")


class ExportError(ValueError):
    """An export cannot run as asked (HTTP 422, CLI exit 2); the message says why."""


@dataclass
class ParquetRun:
    since: int  # the position the run continued from
    last: int  # the last stream sequence it covers (recorded for the next run)
    rows: dict[str, int]  # rows written per table


def _pyarrow() -> Any:
    try:
        import pyarrow  # 170 MB: the analytics extra (bin/setup installs it)
        import pyarrow.parquet
    except ImportError:
        raise ExportError(
            "Parquet needs pyarrow: run bin/setup, or pip install 'klachten[analytics]'"
        ) from None
    return pyarrow


def changed_rows(tables: dict[str, list[Row]], since: int) -> dict[str, list[Row]]:
    """Rows of each read model that changed after stream sequence `since`. Complaint rows are
    current states (the latest ``last_seq`` of a complaint wins); the others only grow."""
    key = {fold.COMPLAINTS: "last_seq"}
    return {n: [r for r in rows if r[key.get(n, "seq")] > since] for n, rows in tables.items()}


def parquet_bytes(name: str, rows: list[Row]) -> bytes:
    """One Parquet file of an export: integers as int64, times as UTC timestamps (µs)."""
    pa = _pyarrow()
    columns = EVENT_COLUMNS if name == "events" else TABLES[name][0]
    if name == "events":
        rows = [_flat_event(r) for r in rows]

    def kind(c: str) -> Any:
        if c in INT_COLUMNS:
            return pa.int64()
        return pa.timestamp("us", tz="UTC") if c.endswith(TIME_SUFFIXES) else pa.string()

    def value(c: str, v: Any) -> Any:
        return fold.parse_ts(v) if v is not None and c.endswith(TIME_SUFFIXES) else v

    schema = pa.schema([pa.field(c, kind(c)) for c in columns])
    table = pa.table({c: [value(c, r.get(c)) for r in rows] for c in columns}, schema=schema)
    sink = pa.BufferOutputStream()
    pa.parquet.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def parquet_of_view(
    name: str, link: JetStreamLink, view: ReportingView, since: int
) -> tuple[bytes, int]:
    """One Parquet export after `since` from reporting's view (the HTTP route), and the
    position it covers: the events up to the view's position, or the rows changed after it."""
    position, tables = view.snapshot()
    if since > position:
        raise ExportError(f"lies beyond the read models' position ({position})")
    if name != "events":
        return parquet_bytes(name, changed_rows(tables, since)[name]), position
    rows = list(event_records(link, since + 1, position)) if position > since else []
    return parquet_bytes(name, rows), position


def read_position(out: Path) -> int | None:
    state = out / STATE_FILE
    return int(json.loads(state.read_text())["last_seq"]) if state.exists() else None


def write_parquet(
    link: JetStreamLink, out: Path, since: int | None = None, until: int | None = None
) -> ParquetRun:
    """Export the events and every read model after `since` (default: where the last run in
    `out` stopped, else the start) up to `until` (default: the end of the log) into `out`."""
    _pyarrow()
    recorded, last = read_position(out), log.last_sequence(link)
    if since is not None and recorded is not None and since != recorded:
        raise ExportError(
            f"{out} continues from sequence {recorded}; start another position in an empty folder"
        )
    since = recorded if since is None else since
    since = since or 0
    until = last if until is None else until
    if since > last or until > last:
        raise ExportError(f"lies beyond the end of the log (last sequence {last})")
    for part in out.glob("*/*-*.parquet"):  # leftovers of an interrupted run
        if int(part.stem.split("-")[0]) > since:
            part.unlink()
    if until <= since:
        return ParquetRun(since, since, {})
    model, events = ReadModel(), []
    for msg in log.messages(link, 1, until):
        item = log.item_of(msg)
        if item is None:
            continue
        fold.apply(model, *item)
        if msg.seq > since and isinstance(item[1], ev.Event):
            events.append(_record(msg.seq, msg.timestamp, item[1]))
    written: dict[str, int] = {}
    for name, rows in {"events": events, **changed_rows(tables_of(model), since)}.items():
        if not (out / name).is_dir():  # an empty first part: a query finds every table's columns
            (out / name).mkdir(parents=True)
            (out / name / f"{0:012d}-{0:012d}.parquet").write_bytes(parquet_bytes(name, []))
        if rows:
            part = out / name / f"{since + 1:012d}-{until:012d}.parquet"
            part.write_bytes(parquet_bytes(name, rows))
        written[name] = len(rows)
    (out / STATE_FILE).write_text(json.dumps({"last_seq": until}) + "\n")
    return ParquetRun(since, until, written)
