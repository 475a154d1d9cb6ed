"""Every reader agrees with the writer's claim, and the audit knows who wrote each event.

Against a real nats-server with the users of config/nats-permissions.conf and each writer's own
signing key (shared/integrity/signing.py): an insider with one service's credentials and key forges
events; readers skip or refuse them and `audit.verify` names sequence, subject and writer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.notifier import domain as notifier_domain
from services.reporting import log as reporting_log
from services.reporting.fold import Undecodable
from shared.config import permissions
from shared.contract import events as ev
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.buckets import provision_buckets
from shared.eventstore.link import JetStreamLink
from shared.eventstore.persistence import HASH_HEADER, PREV_HASH_HEADER, TOPIC_HEADER, chain_hash
from shared.eventstore.streams import provision
from shared.integrity import signing
from shared.integrity.audit import verify
from shared.rules.complaint import Cause
from tests.support.domain import NOW, submitted

CLOSED_TOPIC = "shared.complaint:Complaint.Closed"
RESPONDED_TOPIC = "shared.complaint:Complaint.Responded"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[EmbeddedNats, Path]]:
    APPS.clear()
    credentials, _ = permissions.ensure_credentials(tmp_path)
    signing.ensure_writer_keys(tmp_path, signing.writers())
    server = EmbeddedNats(tmp_path / "nats", credentials=credentials).start()

    async def setup() -> None:
        nc = await nats.connect(server.url_for("admin"))
        await provision(nc)
        await provision_buckets(nc)
        await nc.close()

    asyncio.run(setup())
    try:
        yield server, tmp_path
    finally:
        for app in APPS:
            app.close()
        server.stop()


APPS: list[ComplaintsApplication] = []


def app_as(server: EmbeddedNats, data: Path, user: str, sealed: bool) -> ComplaintsApplication:
    env = {"KLACHTEN_NATS_URL": server.url_for(user), "KLACHTEN_DATA_DIR": str(data)}
    app = ComplaintsApplication(env | ({} if sealed else {"KLACHTEN_KEYSTORE": "none"}))
    APPS.append(app)
    return app


def forge(
    link: JetStreamLink, signer: signing.Signer | None, subject: str, topic: str, fact: ev.Event
) -> int:
    """Append `fact` on `subject` as an insider would: chained and signed with `signer`."""
    cid = subject.split(".")[1]
    head = link.run(link.leader_get("COMPLAINTS", {"last_by_subj": f"complaints.{cid}.>"}))
    prev = head.headers[HASH_HEADER]
    body = ev.encode(fact)
    digest = chain_hash(prev, subject, topic, body)
    headers = {TOPIC_HEADER: topic, PREV_HASH_HEADER: prev, HASH_HEADER: digest}
    assert signer is not None
    headers[signing.SIGNATURE_HEADER] = signer.header(subject, digest)
    return int(link.run(link.publish(subject, body, headers))["seq"])


def audit(server: EmbeddedNats, data: Path) -> list[str]:
    link = JetStreamLink(server.url_for("admin"))
    try:
        ring = signing.load_keyring(data / signing.KEYRING_FILE)
        return [str(b) for b in link.run(verify(link, keyring=ring)).breaks]
    finally:
        link.close()


def meta(cid: UUID, version: int, actor: str) -> dict[str, object]:
    return {"event_id": uuid4(), "complaint_id": cid, "version": version} | {
        "occurred_at": NOW,
        "actor": actor,
    }


def test_every_event_a_service_appends_is_signed_by_it_and_verifies(stack) -> None:
    server, data = stack
    intake = app_as(server, data, "intake", sealed=True)
    complaint = submitted()
    intake.save(complaint)
    assert intake.complaint(complaint.id).version == 1
    assert audit(server, data) == []


def test_a_closure_forged_by_the_notifier_on_an_acknowledged_subject_is_refused(stack) -> None:
    server, data = stack
    intake = app_as(server, data, "intake", sealed=False)
    complaint = submitted()
    intake.save(complaint)
    closed = ev.Closed(**meta(complaint.id, 2, "staff:hank"), outcome="resolved")
    subject = f"complaints.{complaint.id}.2.acknowledged"
    link = JetStreamLink(server.url_for("notifier"))
    try:
        seq = forge(link, signing.load_signer(data, "notifier"), subject, CLOSED_TOPIC, closed)
        stored = link.run(link.leader_get("COMPLAINTS", {"seq": seq}))
    finally:
        link.close()

    loaded = intake.complaint(complaint.id)  # intake's mapper: skipped, with the reason kept
    assert loaded.status == "submitted" and loaded.version == 2
    assert "acknowledged" in loaded.unreadable[seq]
    with pytest.raises(notifier_domain.Hopeless):
        notifier_domain.check_subject(subject, ev.decode(stored.data))
    item = reporting_log.item_of(stored)
    assert item is not None and isinstance(item[1], Undecodable), item
    found = audit(server, data)
    assert any(f"stream sequence {seq}" in b and "acknowledged" in b for b in found), found
    assert any("'closed'" in b and "notifier may not append" in b for b in found), found
    assert any("only intake can attest" in b and "notifier" in b for b in found), found


def test_an_escalation_claiming_a_staff_member_written_by_the_sla_monitor_is_reported(
    stack,
) -> None:
    server, data = stack
    intake = app_as(server, data, "intake", sealed=False)
    complaint = submitted()
    intake.save(complaint)
    sla = app_as(server, data, "sla_monitor", sealed=False)
    forged = sla.complaint(complaint.id)
    forged.escalate(
        level=1,
        target="ombudsman",
        reason="staff_decision",
        now=NOW,
        cause=Cause(actor="staff:alice"),
    )
    sla.save(forged)  # the sla_monitor's own credentials and signing key

    found = audit(server, data)
    assert any(
        "stream sequence 2" in b
        and "complaint" in b
        and "'staff:alice'" in b
        and "only intake can attest" in b
        and "sla_monitor" in b
        for b in found
    ), found


def test_a_body_carrying_another_events_sealed_part_does_not_make_the_complaint_unreadable(
    stack,
) -> None:
    server, data = stack
    intake = app_as(server, data, "intake", sealed=True)
    victim, other = submitted(), submitted(reference="KL-2026-000002")
    intake.save(victim)
    intake.save(other)
    link = JetStreamLink(server.url_for("intake"))
    try:
        theirs = link.run(
            link.leader_get("COMPLAINTS", {"last_by_subj": f"complaints.{other.id}.>"})
        )
        blob = ev.decode(theirs.data).sealed
        moved = ev.Responded(
            **meta(victim.id, 2, "staff:hank"), resolution="unfounded", sealed=blob
        )
        subject = f"complaints.{victim.id}.2.responded"
        seq = forge(link, signing.load_signer(data, "intake"), subject, RESPONDED_TOPIC, moved)
    finally:
        link.close()

    loaded, facts = intake.complaint_and_facts(victim.id)  # was MapperDeserialisationError (500)
    assert loaded.version == 2 and loaded.status == "submitted"
    assert "does not authenticate" in loaded.unreadable[seq]
    assert [type(f) for f in facts] == [ev.Submitted]
