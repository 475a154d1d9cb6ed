"""`audit.verify` replays each complaint and re-decides (shared/integrity/redecide.py), against a
real nats-server with each writer's own credentials and signing key: what the writers'
allow-lists permit but the rules refuse is named; a journey written as the services write it is
clean."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from shared.contract import events as ev
from shared.eventstore.link import JetStreamLink
from shared.rules import procedure
from shared.rules.complaint import Cause, Complaint
from tests.shared.test_authorship import app_as, audit, stack  # noqa: F401 (the fixture)
from tests.support.domain import NOW, letter, personal, submitted

STAFF = Cause(actor="staff:handler")
SLA = Cause(actor="sla_monitor")
LATER = NOW + timedelta(days=1)


def journey(server, data):  # type: ignore[no-untyped-def]
    """Submitted, acknowledged, escalated by the SLA monitor, answered and closed: each event
    appended by the service that appends it in the running system."""
    intake = app_as(server, data, "intake", sealed=False)
    notifier = app_as(server, data, "notifier", sealed=False)
    sla = app_as(server, data, "sla_monitor", sealed=False)
    complaint = submitted()
    intake.save(complaint)
    c = notifier.complaint(complaint.id)
    c.acknowledge(letter=letter(), respond_by=LATER, statutory_by=NOW + timedelta(weeks=6),
                  now=NOW, cause=Cause(actor="notifier"))  # fmt: skip
    notifier.save(c)
    c = sla.complaint(complaint.id)
    c.escalate(level=1, target="team lead", reason="deadline_missed", breach_id="b1",
               now=LATER, cause=SLA)  # fmt: skip
    sla.save(c)
    c = intake.complaint(complaint.id)
    c.respond(text="Sorry", resolution="well_founded", now=LATER, cause=STAFF)
    c.close(outcome="resolved", now=LATER, cause=STAFF)
    intake.save(c)
    return sla, complaint.id


def test_a_journey_written_by_the_services_verifies_clean(stack) -> None:  # noqa: F811
    server, data = stack
    journey(server, data)
    assert audit(server, data) == []


def test_an_escalation_the_sla_monitor_may_write_but_the_rules_refuse_is_reported(
    stack,  # noqa: F811
) -> None:
    server, data = stack
    sla, cid = journey(server, data)  # versions 1..5: level 1, closed at 5
    closed = sla.complaint(cid)
    closed.status, closed.level = "escalated", 2  # the insider bypasses the rules
    closed.escalate(level=3, target="ombudsman", reason="deadline_missed", breach_id="b9",
                    now=LATER, cause=SLA)  # fmt: skip
    sla.save(closed)  # the sla_monitor's own credentials and signing key: its allow-list says yes

    found = audit(server, data)
    assert found == [
        f"stream sequence 6: complaint {cid} version 6 the rules refuse it: "
        "cannot escalate: the complaint is closed"
    ], found


def test_the_procedure_steps_written_by_intake_are_sealed_and_verify_clean(stack) -> None:  # noqa: F811
    """Issue 16's steps on the real log: intake's allow-list takes them, the person complained
    about is sealed like the complainant (the log shows no name), and the keyless audit
    re-decides the history clean (hearing before the answer)."""
    server, data = stack
    intake = app_as(server, data, "intake", sealed=True)
    complaint = Complaint.submit(
        complaint_id=uuid4(), reference="KL-2026-000001", channel="web", language="nl",
        personal=personal(), received_at=NOW, now=NOW, cause=Cause("complainant"),
        procedure=procedure.CURRENT,
    )  # fmt: skip
    complaint.assign(handler=None, team="balie", department="dienstverlening", now=NOW,
                     cause=STAFF)  # fmt: skip
    complaint.take(handler="staff:alice", teams=["balie"], now=NOW, cause=Cause("staff:alice"))
    complaint.record_conduct_subject(employee="staff:bob", name="Bob de Vries", unit="balie",
                                     now=NOW, cause=STAFF)  # fmt: skip
    complaint.invite_to_hearing(at=LATER, mode="phone", place="+31 20 123 4567", now=NOW,
                                cause=STAFF)  # fmt: skip
    complaint.record_hearing(held_at=LATER, mode="phone", report="Verslag", now=LATER,
                             cause=STAFF)  # fmt: skip
    complaint.respond(text="Sorry", resolution="well_founded", now=LATER, cause=STAFF)
    intake.save(complaint)

    link = JetStreamLink(server.url_for("admin"))
    try:
        raw = link.run(
            link.leader_get("COMPLAINTS", {"last_by_subj": f"complaints.{complaint.id}.4.>"})
        )
    finally:
        link.close()
    # whole values: a three-letter probe can occur in base64 ciphertext by chance
    assert b"Bob de Vries" not in raw.data and b"staff:bob" not in raw.data
    stored = ev.decode(raw.data)
    assert isinstance(stored, ev.ConductSubjectRecorded)
    assert stored.personal is None and stored.sealed is not None and stored.unit == "balie"
    loaded = intake.complaint(complaint.id)
    assert loaded.conduct_employees == {"staff:bob"} and loaded.handler == "staff:alice"
    assert audit(server, data) == []
