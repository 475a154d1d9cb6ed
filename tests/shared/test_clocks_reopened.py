"""A reopened complaint is open again for the deadline rules: the SLA monitor can breach it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from shared import events as ev
from shared.clocks import clock_state
from shared.complaint import Cause, Complaint

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
STAFF = Cause(actor="staff:anna")


def test_reopening_clears_the_closure_the_clocks_see() -> None:
    c = Complaint.submit(
        complaint_id=uuid4(),
        reference="KL-2025-000001",
        channel="web",
        language="nl",
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name="Jan", email="jan@example.nl"),
            subject="Balie",
            description="Lang gewacht.",
        ),
        received_at=T0,
        now=T0,
        cause=Cause(actor="complainant"),
    )
    c.close(outcome="referred", now=T0 + timedelta(days=2), cause=STAFF)
    closed = clock_state([e.fact for e in c.pending_events])  # type: ignore[attr-defined]
    assert closed.closed_at == T0 + timedelta(days=2)
    c.reopen(reason="Toch niet doorverwezen.", now=T0 + timedelta(days=3), cause=STAFF)
    reopened = clock_state([e.fact for e in c.pending_events])  # type: ignore[attr-defined]
    assert reopened.closed_at is None
    assert reopened.received_at == T0  # the same term, not a new one
