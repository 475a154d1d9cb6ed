"""A reopened complaint is open again for the deadline rules: the SLA monitor can breach it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.rules.clocks import clock_state
from shared.rules.complaint import Cause
from tests.support.domain import submitted

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
STAFF = Cause(actor="staff:anna")


def test_reopening_clears_the_closure_the_clocks_see() -> None:
    c = submitted(received_at=T0, now=T0)
    c.close(outcome="referred", now=T0 + timedelta(days=2), cause=STAFF)
    closed = clock_state([e.fact for e in c.pending_events])  # type: ignore[attr-defined]
    assert closed.closed_at == T0 + timedelta(days=2)
    c.reopen(reason="Toch niet doorverwezen.", now=T0 + timedelta(days=3), cause=STAFF)
    reopened = clock_state([e.fact for e in c.pending_events])  # type: ignore[attr-defined]
    assert reopened.closed_at is None
    assert reopened.received_at == T0  # the same term, not a new one
