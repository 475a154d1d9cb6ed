"""An unreadable FIRST event (version 1) of a complaint (issue 19): loading it answers
ComplaintNotFound with the reason logged (never a 500 on every read, for good), and the audit
names the message. An insider with intake's credentials and key appends, on a new complaint's
``…1.submitted`` subject, a body that is another complaint's submission."""

from __future__ import annotations

import logging
from uuid import UUID, uuid4

import pytest

from shared.contract import events as ev
from shared.eventstore.application import ComplaintNotFound
from shared.eventstore.link import JetStreamLink
from shared.eventstore.persistence import HASH_HEADER, PREV_HASH_HEADER, TOPIC_HEADER, chain_hash
from shared.integrity import signing
from tests.shared import test_authorship as authorship
from tests.shared.test_authorship import app_as, audit
from tests.support.domain import submitted

stack = authorship.stack  # the fixture: a secured server, writer keys, credentials
SUBMITTED_TOPIC = "shared.complaint:Complaint.Submitted"


def forge_first(stack_: tuple, body: bytes) -> tuple[str, int]:
    server, data = stack_
    cid = str(uuid4())
    subject = f"complaints.{cid}.1.submitted"
    digest = chain_hash("", subject, SUBMITTED_TOPIC, body)
    headers = {TOPIC_HEADER: SUBMITTED_TOPIC, PREV_HASH_HEADER: "", HASH_HEADER: digest}
    headers[signing.SIGNATURE_HEADER] = signing.load_signer(data, "intake").header(subject, digest)
    link = JetStreamLink(server.url_for("intake"))
    try:
        return cid, int(link.run(link.publish(subject, body, headers))["seq"])
    finally:
        link.close()


def test_an_unreadable_first_event_is_not_found_with_its_reason_and_named_by_the_audit(
    stack, caplog: pytest.LogCaptureFixture
) -> None:
    server, data = stack
    intake = app_as(server, data, "intake", sealed=False)
    other = submitted()
    intake.save(other)
    body = ev.encode(intake.complaint_and_facts(other.id)[1][0])  # another complaint's body
    cid, seq = forge_first(stack, body)

    caplog.set_level(logging.ERROR)
    for load in (intake.complaint, intake.complaint_and_facts):
        with pytest.raises(ComplaintNotFound) as missing:
            load(UUID(cid))
        assert f"stream sequence {seq}" in str(missing.value), missing.value
        assert "first event" in str(missing.value)
    assert any(f"sequence {seq}" in r.getMessage() for r in caplog.records)
    found = audit(server, data)
    assert any(f"stream sequence {seq}" in b for b in found), found
