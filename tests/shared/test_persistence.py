"""The persistence module's own promises beyond eventsourcing's conformance suites."""

from __future__ import annotations

import json
from collections.abc import Iterator
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.link import JetStreamLink
from shared.eventstore.persistence import (
    HASH_HEADER,
    PREV_HASH_HEADER,
    TOPIC_HEADER,
    JetStreamApplicationRecorder,
)
from shared.integrity.audit import verify
from shared.rules.complaint import Cause
from tests.support.domain import NOW, submitted

STAFF = Cause(actor="staff:handler")


@pytest.fixture
def app(provisioned_nats: EmbeddedNats) -> Iterator[ComplaintsApplication]:
    application = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    yield application
    application.close()


@pytest.fixture
def link(provisioned_nats: EmbeddedNats) -> Iterator[JetStreamLink]:
    handle = JetStreamLink(provisioned_nats.url)
    yield handle
    handle.close()


def test_analysts_see_the_contract_on_the_documented_subject(
    app: ComplaintsApplication, link: JetStreamLink
) -> None:
    complaint = submitted()
    app.save(complaint)
    app.change(
        complaint.id,
        lambda c: c.respond(text="Sorry", resolution="well_founded", now=NOW, cause=STAFF),
    )
    first = link.run(link.direct_get("COMPLAINTS", {"seq": 1}))
    second = link.run(link.direct_get("COMPLAINTS", {"seq": 2}))
    assert first is not None and second is not None
    assert first.subject == f"complaints.{complaint.id}.1.submitted"
    assert second.subject == f"complaints.{complaint.id}.2.responded"
    body = json.loads(second.data)
    assert body["type"] == "complaint.responded"
    assert body["complaint_id"] == str(complaint.id) and body["version"] == 2
    assert second.headers["Nats-Msg-Id"] == body["event_id"]
    assert second.headers[PREV_HASH_HEADER] == first.headers[HASH_HEADER]
    assert first.headers[PREV_HASH_HEADER] == ""


def test_a_retried_append_whose_ack_was_lost_is_success_not_a_double(
    link: JetStreamLink,
) -> None:
    recorder = JetStreamApplicationRecorder(link)
    oid = uuid4()
    events = [StoredEvent(oid, v, "topic", b"{}") for v in (1, 2)]
    ids = recorder.insert_events(events)
    # Replay the very same publish (same Msg-Ids), as a retry after a lost ack would.
    messages = link.run(_resend_last_batch(link, ids))
    assert messages == ids[-1]
    assert len(recorder.select_events(oid)) == 2
    assert recorder.max_notification_id() == ids[-1]


async def _resend_last_batch(link: JetStreamLink, ids: list[int]) -> int:
    stored = [await link.direct_get("COMPLAINTS", {"seq": i}) for i in ids]
    messages = [
        (
            m.subject,
            m.data,
            {
                k: v
                for k, v in m.headers.items()
                if not k.startswith("Nats-")
                or k
                in (
                    "Nats-Msg-Id",
                    "Nats-Expected-Last-Subject-Sequence",
                    "Nats-Expected-Last-Subject-Sequence-Subject",
                )
            },
        )
        for m in stored
        if m is not None
    ]
    recorder = JetStreamApplicationRecorder(link)
    return await recorder._publish(messages)


def test_a_different_append_at_the_same_version_is_a_conflict(link: JetStreamLink) -> None:
    writer1, writer2 = JetStreamApplicationRecorder(link), JetStreamApplicationRecorder(link)
    oid = uuid4()
    writer1.insert_events([StoredEvent(oid, 1, "topic", b"{}")])
    writer2.select_events(oid)
    writer1.insert_events([StoredEvent(oid, 2, "topic", b"{}")])
    with pytest.raises(IntegrityError):
        writer2.insert_events([StoredEvent(oid, 2, "topic", b'{"other": 1}')])
    with pytest.raises(IntegrityError):  # a stale "new aggregate" claim is refused too
        JetStreamApplicationRecorder(link).insert_events([StoredEvent(oid, 1, "t", b"{}")])


def test_concurrent_staff_actions_are_serialised_not_lost(
    app: ComplaintsApplication, provisioned_nats: EmbeddedNats, link: JetStreamLink
) -> None:
    other = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    complaint = submitted()
    app.save(complaint)
    other.complaint(complaint.id)  # caches the head at version 1
    app.change(complaint.id, lambda c: c.pause(reason="documents", now=NOW, cause=STAFF))
    other.change(
        complaint.id, lambda c: c.respond(text="t", resolution="unfounded", now=NOW, cause=STAFF)
    )
    other.close()
    assert [e.fact.version for e in app.events.get(complaint.id)] == [1, 2, 3]
    verdict = link.run(verify(link))
    assert verdict.ok and verdict.events == 3


def test_a_forged_version_that_only_looks_like_a_number_is_skipped_not_fatal(
    link: JetStreamLink,
) -> None:
    """ "²".isdigit() is true and int("²") raises: such a subject must not stop a reader."""
    recorder = JetStreamApplicationRecorder(link)
    oid = uuid4()
    recorder.insert_events([StoredEvent(oid, 1, "topic", b"{}")])
    forged = f"complaints.{oid}.\u00b2.responded"
    link.run(link.publish(forged, b"{}", {TOPIC_HEADER: "topic"}))
    assert [e.originator_version for e in recorder.select_events(oid)] == [1]
    notifications = recorder.select_notifications(start=None, limit=10)
    assert [n.topic for n in notifications] == ["topic", ""]  # handed on, to be dead-lettered
    assert notifications[1].originator_id == forged
