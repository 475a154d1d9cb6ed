"""Exports for analysts: events and read models as JSON Lines or CSV, never personal data.

Events come from the log itself (contract JSON minus ``personal``/``sealed``, plus the stream
sequence and store time); read models come from the view. See README.md for recipes.
A CSV cell that a spreadsheet would take for a formula (it starts with = + - @, a tab or a
carriage return: public fields such as the category reach analysts) gets a leading quote
(OWASP, "CSV injection"); JSON Lines stay as they are.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from services.reporting import fold, log
from services.reporting.fold import TABLES
from services.reporting.projections import ReportingView
from shared import events as ev
from shared.jsclient import JetStreamLink

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


def event_records(link: JetStreamLink) -> Iterator[dict[str, Any]]:
    for msg in log.messages(link):
        item = log.item_of(msg)
        if item is None or not isinstance(item[1], ev.Event):
            continue
        record = {"seq": msg.seq, "stored_at": fold.ts(msg.timestamp), **log.public_event(item[1])}
        yield record


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
