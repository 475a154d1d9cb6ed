"""Helpers for tests of the staff workspace: reporting as a process, a complainant's message
recorded on the log as intake's mail side records it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from klachten.stack import launch
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def reporting_process(nats_url: str, data_dir: Path, token: str, **env: str) -> Iterator[str]:
    """`python -m services.reporting` on a free port; yields its base URL (not yet caught up)."""
    port = free_port()
    environment = {
        **os.environ,
        "KLACHTEN_NATS_URL": nats_url,
        "KLACHTEN_REPORTING_PORT": str(port),
        "KLACHTEN_DATA_DIR": str(data_dir),
        "KLACHTEN_STAFF_TOKEN": token,
        **env,
    }
    with open(data_dir / "reporting.log", "w") as log:
        proc = launch.spawn(launch.command("reporting"), env=environment, output=log, cwd=ROOT)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def record_reply(app: ComplaintsApplication, complaint_id: str, text: str, **how: Any) -> str:
    """A message by e-mail on the complaint (``how``: verified, sender, auto_reply, …);
    returns its event id."""
    complaint = app.complaint(UUID(complaint_id))
    complaint.record_reaction(
        text=text,
        disagrees=False,
        channel="email",
        now=datetime.now(UTC),
        cause=Cause(actor="complainant:email"),
        **how,
    )
    event_id = str(complaint.pending_events[-1].fact.event_id)  # type: ignore[attr-defined]
    app.save(complaint)
    return event_id
