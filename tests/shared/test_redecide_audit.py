"""`audit.verify` replays each complaint and re-decides (shared/integrity/redecide.py), against a
real nats-server with each writer's own credentials and signing key: what the writers'
allow-lists permit but the rules refuse is named; a journey written as the services write it is
clean."""

from __future__ import annotations

from datetime import timedelta

from shared.rules.complaint import Cause
from tests.shared.test_authorship import app_as, audit, stack  # noqa: F401 (the fixture)
from tests.support.domain import NOW, letter, submitted

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
