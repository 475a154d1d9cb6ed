"""Submit → exactly one acknowledgement mail (language, dates) → exactly one Acknowledged.

Real nats-server and a real SMTP server (the mail sink); the notifier runs in process.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from nats.aio.msg import Msg

from klachten.stack.natsserver import EmbeddedNats
from services.notifier.app import bootstrap
from services.notifier.letters import format_date
from services.notifier.mailsink import MailSink, load_message
from services.notifier.settings import NotifierSettings
from shared.config.calendar import business_calendar
from shared.config.policy import policy_in_force
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.privacy import replyaddress, statuslink
from shared.rules.complaint import Cause, Complaint
from shared.rules.terms import current_terms
from tests.support.notifier import (
    acknowledgements,
    events_of,
    mails_by_complaint,
    notifier_settings,
    percentile,
    submit,
)
from tests.support.polling import wait_until

CALENDAR = business_calendar("NL")


@pytest.fixture
def settings(provisioned_nats: EmbeddedNats, sink: MailSink, tmp_path: Path) -> NotifierSettings:
    return notifier_settings(provisioned_nats.url, sink.port, tmp_path)


async def test_submission_gets_one_letter_in_its_language_and_one_acknowledged(
    settings: NotifierSettings, sink: MailSink, nc: nats.NATS, complaints: ComplaintsApplication
) -> None:
    received = datetime(2026, 4, 20, 9, 30, tzinfo=UTC)  # a Monday; King's Day in the term
    ids = {
        lang: await asyncio.to_thread(submit, complaints, language=lang, received_at=received)
        for lang in ("nl", "en")
    }
    async with bootstrap(settings):
        acks = await wait_until(
            lambda: _all_acknowledged(nc, ids.values()), timeout=20, message="acknowledged"
        )
    assert all(acks[str(i)] == 1 for i in ids.values()), acks

    mails = mails_by_complaint(sink.maildir)
    for lang, complaint_id in ids.items():
        [mail] = mails[str(complaint_id)]
        message = load_message(sink.maildir, mail.message_id or "")
        assert message is not None
        # senders.build_message sets Content-Language before set_content(), which drops it
        # (reported); the template path carries the language as well.
        assert str(message["X-Klachten-Template"]).strip().startswith(f"{lang}/")
        text = message.get_body(("plain",)).get_content()
        history = await events_of(nc, complaint_id)
        expected = current_terms(history[:1], *policy_in_force())  # decided at registration
        for deadline in (expected.respond_by, expected.statutory_by):
            assert format_date(CALENDAR.due_date(deadline), lang) in text
        assert "KL-2026-000001" in text
        history = await events_of(nc, complaint_id)
        [acknowledged] = [e for e in history if isinstance(e, ev.Acknowledged)]
        assert acknowledged.letter.message_id == mail.message_id
        assert acknowledged.letter.language == lang
        assert (
            acknowledged.letter.content_sha256 == str(message["X-Klachten-Content-SHA256"]).strip()
        )
        assert (acknowledged.respond_by, acknowledged.statutory_by) == (
            expected.respond_by,
            expected.statutory_by,
        )
        # The acknowledgement records the dates, acknowledge_by included (it was always empty).
        assert acknowledged.acknowledge_by == expected.acknowledge_by is not None
        assert acknowledged.terms == expected
        assert acknowledged.causation_id == history[0].event_id
    print(f"\nletters: nl={ids['nl']} en={ids['en']}, each 1 mail, 1 Acknowledged")


async def test_later_letters_are_sent_and_recorded_as_letter_sent(
    settings: NotifierSettings, sink: MailSink, nc: nats.NATS, complaints: ComplaintsApplication
) -> None:
    complaint_id = await asyncio.to_thread(submit, complaints, language="en")
    async with bootstrap(settings):
        await wait_until(lambda: _all_acknowledged(nc, [complaint_id]), timeout=20)

        def respond_and_close() -> None:
            now = datetime.now(UTC)
            cause = Cause(actor="staff:ann")
            complaints.change(
                complaint_id,
                lambda c: c.respond(
                    text="We apologise.", resolution="well_founded", now=now, cause=cause
                ),
            )
            complaints.change(
                complaint_id, lambda c: c.close(outcome="resolved", now=now, cause=cause)
            )

        await asyncio.to_thread(respond_and_close)

        async def two_letters_recorded() -> bool:
            history = await events_of(nc, complaint_id)
            return sum(isinstance(e, ev.LetterSent) for e in history) == 2

        await wait_until(two_letters_recorded, timeout=20, message="two LetterSent")
    kinds = sorted(m.letter_kind or "" for m in mails_by_complaint(sink.maildir)[str(complaint_id)])
    assert kinds == ["acknowledgement", "closure", "response"]
    history = await events_of(nc, complaint_id)
    sent = [e for e in history if isinstance(e, ev.LetterSent)]
    assert {e.letter.kind for e in sent} == {"response", "closure"}
    print(f"\nletters of {complaint_id}: {kinds}")


async def test_two_instances_steady_rate_latency(
    settings: NotifierSettings, sink: MailSink, nc: nats.NATS, complaints: ComplaintsApplication
) -> None:
    rate, count = 25.0, 150
    submitted_at: dict[str, float] = {}
    acknowledged_at: dict[str, float] = {}
    async with bootstrap(settings), bootstrap(settings):

        async def stamp(msg: Msg) -> None:
            acknowledged_at.setdefault(msg.subject.split(".")[1], time.monotonic())

        sub = await nc.subscribe(subjects.events_of_type("acknowledged"), cb=stamp)
        start = time.monotonic()
        for n in range(count):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            complaint_id = await asyncio.to_thread(submit, complaints, number=n)
            submitted_at[str(complaint_id)] = time.monotonic()
        await wait_until(lambda: len(acknowledged_at) >= count, timeout=30, message="all acked")
        await sub.unsubscribe()
    acks = await acknowledgements(nc)
    assert len(acks) == count and set(acks.values()) == {1}
    mails = mails_by_complaint(sink.maildir)
    assert all(len(mails[c]) == 1 for c in submitted_at)
    latencies = [1000 * (acknowledged_at[c] - submitted_at[c]) for c in submitted_at]
    print(
        f"\nsubmit→Acknowledged at {rate:.0f}/s, {count} complaints, 2 instances: "
        f"p50 {percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
        f"max {max(latencies):.1f} ms"
    )


async def _all_acknowledged(nc: nats.NATS, ids: object) -> dict[str, int] | None:
    acks = await acknowledgements(nc)
    return dict(acks) if all(acks[str(i)] >= 1 for i in ids) else None  # type: ignore[attr-defined]


async def test_letters_carry_the_reply_address_and_only_own_mail_gets_a_receipt(
    settings: NotifierSettings, sink: MailSink, nc: nats.NATS, complaints: ComplaintsApplication
) -> None:
    complaint_id = await asyncio.to_thread(submit, complaints, language="en")
    now = datetime.now(UTC)
    reactions = {  # message id -> what the reaction was
        "own": {"verified": True, "verified_by": "reply_address"},
        "stranger": {"verified": False, "sender": "someone@elsewhere.example"},
        "auto": {"verified": True, "verified_by": "reply_address", "auto_reply": True},
    }

    def react(complaint: Complaint) -> None:
        for message_id, how in reactions.items():
            complaint.record_reaction(
                text=f"secret words of {message_id}", disagrees=False, channel="email",
                now=now, cause=Cause(actor="complainant"), message_id=f"<{message_id}@x>",
                **how,  # type: ignore[arg-type]
            )  # fmt: skip

    await asyncio.to_thread(complaints.change, complaint_id, react)
    async with bootstrap(settings):
        await wait_until(
            lambda: len(mails_by_complaint(sink.maildir).get(str(complaint_id), [])) >= 2,
            timeout=20,
            message="acknowledgement and receipt",
        )
        await wait_until(lambda: _consumer_idle(nc), timeout=20, message="consumer idle")
    letters = mails_by_complaint(sink.maildir)[str(complaint_id)]
    assert sorted(m.letter_kind or "" for m in letters) == ["acknowledgement", "reaction_receipt"]
    secret = statuslink.link_secret(settings.data_dir)
    for mail in letters:
        message = load_message(sink.maildir, mail.message_id or "")
        assert message is not None
        reply_to = str(message["Reply-To"])
        assert replyaddress.complaint_of_reply_address(secret, reply_to) == complaint_id
        text = message.get_body(("plain",)).get_content()
        assert "secret words" not in text
        if mail.letter_kind == "reaction_receipt":
            assert "We have received your message about your complaint KL-2026-000001" in text
        else:
            assert "I want this reviewed" in text and f"/status/{complaint_id}/" in text
    history = await events_of(nc, complaint_id)
    recorded = [e.letter.kind for e in history if isinstance(e, ev.LetterSent)]
    assert recorded == ["reaction_receipt"]


async def _consumer_idle(nc: nats.NATS) -> bool:
    info = await nc.jetstream().consumer_info(subjects.COMPLAINTS_STREAM, "notifier")
    return info.num_pending == 0 and info.num_ack_pending == 0
