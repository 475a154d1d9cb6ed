"""`klachten trace <complaint id | reference>`: one complaint's path through the services,
from the span files that `klachten up` writes (``KLACHTEN_TRACES_DIR``, default
``$KLACHTEN_DATA_DIR/traces``). A reference is looked up in intake's reference bucket.

The trace id is the complaint id (shared/runtime/tracing.py), so no index is needed: every span of
the complaint, from every service, is the lines of that trace id.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import nats
import typer
from nats.js.errors import KeyNotFoundError

from shared.config.permissions import REFERENCES_BUCKET
from shared.config.settings import Settings
from shared.eventstore.link import COMMAND_CONNECT

Span = dict[str, Any]


def read_spans(folder: Path, complaint_id: str) -> list[Span]:
    """Every exported span of the complaint's trace in `folder` (torn lines skipped)."""
    want = f"0x{UUID(complaint_id).int:032x}"
    out: list[Span] = []
    for path in sorted(folder.glob("*.jsonl*")):  # with the rotated generation (.jsonl.1)
        for line in path.read_text(errors="replace").splitlines():
            if want not in line:
                continue
            try:
                span = json.loads(line)
            except ValueError:
                continue  # a line cut short by a killed process
            if span.get("context", {}).get("trace_id") == want:
                out.append(span)
    return out


def tree(spans: Iterable[Span]) -> Iterator[tuple[int, Span]]:
    """Depth-first, children in start order; a span whose parent was never exported (not yet
    flushed, or the root of an older stack) is shown at the top."""
    spans = sorted(spans, key=lambda s: s["start_time"])
    ids = {s["context"]["span_id"] for s in spans}
    children: dict[str | None, list[Span]] = {}
    for s in spans:
        parent = s.get("parent_id")
        children.setdefault(parent if parent in ids else None, []).append(s)

    def walk(parent: str | None, depth: int) -> Iterator[tuple[int, Span]]:
        for s in children.get(parent, []):
            yield depth, s
            yield from walk(s["context"]["span_id"], depth + 1)

    yield from walk(None, 0)


def _line(depth: int, span: Span, start: datetime) -> str:
    begin = datetime.fromisoformat(span["start_time"])
    took = (datetime.fromisoformat(span["end_time"]) - begin).total_seconds() * 1000
    service = span.get("resource", {}).get("attributes", {}).get("service.name", "?")
    offset = (begin - start).total_seconds()
    return f"+{offset:10.3f} s {took:9.1f} ms  {'  ' * depth}{service}: {span['name']}"


def complaint_id_of(key: str, settings: Settings) -> str:
    """The complaint id itself, or the id a reference (KL-2026-000123) was given to, read from
    intake's reference bucket (which needs the log: NATS running)."""
    try:
        return str(UUID(key))
    except ValueError:
        pass
    reference = key.strip().upper()

    async def look_up() -> str | None:
        nc = await nats.connect(**settings.nats_connect, **COMMAND_CONNECT)
        try:
            bucket = await nc.jetstream().key_value(REFERENCES_BUCKET)
            entry = await bucket.get(f"ref.{reference}")
            return entry.value.decode() if entry.value else None
        except KeyNotFoundError:
            return None
        finally:
            await nc.close()

    try:
        found = asyncio.run(look_up())
    except Exception as error:
        raise typer.BadParameter(
            f"{key!r} is not a complaint id, and references cannot be looked up without NATS "
            f"({type(error).__name__}): give the complaint id",
            param_hint="COMPLAINT",
        ) from None
    if found is None:
        raise typer.BadParameter(f"no complaint has reference {reference}", param_hint="COMPLAINT")
    return found


def trace(
    complaint: str = typer.Argument(..., help="The complaint's id (its trace id) or reference."),
    traces_dir: Path = typer.Option(
        None, help="Span files; default $KLACHTEN_TRACES_DIR or $KLACHTEN_DATA_DIR/traces."
    ),
) -> None:
    """Print one complaint's trace: every service's work on it, as a tree in time order."""
    settings = Settings.from_env()
    complaint_id = complaint_id_of(complaint, settings)
    folder = traces_dir or Path(settings.traces_dir or settings.data_dir / "traces")
    spans = read_spans(folder, complaint_id)
    if not spans:
        typer.echo(f"no spans of {complaint_id} in {folder}", err=True)
        raise typer.Exit(1)
    ordered = list(tree(spans))
    start = datetime.fromisoformat(ordered[0][1]["start_time"])
    typer.echo(f"trace {UUID(complaint_id).int:032x} ({len(spans)} spans) from {start}")
    for depth, span in ordered:
        typer.echo(_line(depth, span, start))
