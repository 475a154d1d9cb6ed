"""The one subject parser (shared/contract/subjects.py) and the readers that use it."""

from __future__ import annotations

from uuid import uuid4

import pytest

from shared.contract import subjects
from shared.eventstore.link import RawMsg
from shared.integrity import audit


def test_an_event_subject_reads_back_into_its_parts() -> None:
    cid = uuid4()
    subject = subjects.event_subject(cid, 12, "escalated")
    parsed = subjects.parse_event_subject(subject)
    assert parsed == subjects.EventSubject(str(cid), 12, "escalated")
    assert parsed.complaint_uuid == cid
    assert str(parsed) == subject
    snapshot = subjects.parse_event_subject(f"snapshots.{cid}.3.snapshot", prefix="snapshots")
    assert snapshot is not None and snapshot.version == 3


@pytest.mark.parametrize(
    "subject",
    [
        "complaints.x.1",
        "complaints.x.1.submitted.extra",
        "complaints.x.one.submitted",
        "complaints.x.01.submitted",
        "complaints.x.١.submitted",  # a digit, but not one we write
        "snapshots.x.1.submitted",
        "tracking.reporting",
    ],
)
def test_other_shapes_are_not_event_subjects(subject: str) -> None:
    assert subjects.parse_event_subject(subject) is None


def test_the_complaint_of_an_event_or_timer_subject() -> None:
    cid = uuid4()
    assert subjects.complaint_of(subjects.event_subject(cid, 1, "submitted")) == cid
    assert subjects.complaint_of(subjects.timer_fired_subject(cid, "check")) == cid
    assert subjects.parse_timer_subject(subjects.timer_schedule_subject(cid, "check")) == (
        subjects.TimerSubject("schedule", cid, "check")
    )
    for other in ("timers.fired.not-a-uuid.check", "tracking.reporting", "deadletter.notifier"):
        assert subjects.complaint_of(other) is None
    assert subjects.claimed_complaint("complaints.abc") == "abc"
    assert subjects.claimed_type(f"complaints.{cid}.2.closed") == "closed"


def test_a_metric_label_hides_ids_and_numbers() -> None:
    subject = subjects.event_subject(uuid4(), 12, "closed")
    assert subjects.subject_pattern(subject) == "complaints.*.*.closed"
    assert subjects.subject_pattern("deadletter.notifier") == "deadletter.notifier"


def test_the_audit_reports_a_message_whose_subject_is_not_an_event_subject() -> None:
    """It used to stop the whole audit with a ValueError (the subject split into too few parts)."""
    messages = [RawMsg("complaints.forged", 1, {}, b"{}", "")]
    verdict = audit.check(messages)
    assert [b.problem for b in verdict.breaks] == [
        f"{audit.NOT_AN_EVENT_SUBJECT} (complaints.forged)"
    ]
    link = audit.check_event(RawMsg("complaints.x.v.submitted", 2, {}, b"{}", ""), "", None)
    assert not link.ok and link.problem == audit.NOT_AN_EVENT_SUBJECT
