"""Given events → when the complainant acts from the status page → then events (or error).

Withdrawing ends the complaint as ``closed`` with the outcome ``withdrawn`` (which every reader
knows), with the complainant's own reason; refused once it has ended or its data was erased.
"""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from shared.contract import events as ev
from shared.rules.complaint import Cause, Complaint, IllegalTransition
from tests.support.domain import NOW, personal

COMPLAINANT = Cause(actor="complainant:web")
STAFF = Cause(actor="staff:handler")


def test_withdrawing_closes_with_the_outcome_withdrawn_and_the_reason() -> None:
    c = _submitted()
    c.withdraw(now=NOW, cause=COMPLAINANT, reason="Het is al opgelost.")
    closed = [e.fact for e in c.collect_events()][-1]
    assert isinstance(closed, ev.Closed) and closed.outcome == "withdrawn"
    assert closed.actor == "complainant:web"
    assert closed.personal == ev.TextPersonal(text="Het is al opgelost.")
    assert (c.status, c.outcome, c.is_open) == ("closed", "withdrawn", False)


def test_a_withdrawal_without_a_reason_records_none() -> None:
    c = _submitted()
    c.withdraw(now=NOW, cause=COMPLAINANT, reason="  ")
    assert [e.fact for e in c.collect_events()][-1].personal is None  # type: ignore[attr-defined]


def test_withdrawing_an_ended_complaint_is_refused() -> None:
    c = _submitted()
    c.withdraw(now=NOW, cause=COMPLAINANT)
    with pytest.raises(IllegalTransition, match="closed"):
        c.withdraw(now=NOW, cause=COMPLAINANT)


def test_withdrawing_after_erasure_is_refused() -> None:
    c = _submitted()
    c.erase(key_id="k", legal_basis="AVG art. 17", now=NOW, cause=STAFF)
    with pytest.raises(IllegalTransition, match="erased"):
        c.withdraw(now=NOW, cause=COMPLAINANT)


def test_submission_records_the_event_date_and_the_department() -> None:
    c = _submitted(event_date=date(2026, 2, 27), department_involved="publiekszaken")
    fact = next(e.fact for e in c.collect_events())
    assert isinstance(fact, ev.Submitted)
    assert (fact.event_date, fact.department_involved) == (date(2026, 2, 27), "publiekszaken")


def _submitted(**extra: object) -> Complaint:
    return Complaint.submit(
        complaint_id=uuid4(),
        reference="KL-2026-000001",
        channel="web",
        language="nl",
        personal=personal(),
        received_at=NOW,
        now=NOW,
        cause=Cause(actor="complainant"),
        **extra,  # type: ignore[arg-type]
    )
