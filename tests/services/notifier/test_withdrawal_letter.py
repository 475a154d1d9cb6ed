"""A complainant who withdraws (status page, issue 25: `closed` with the outcome `withdrawn`)
gets a letter that confirms it: nothing further happens, they may complain again; no quoted
"explanation", no review invitation, no external body to turn to. Other closures unchanged.

Real nats-server and a real SMTP server (the mail sink); the notifier runs in process.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from uuid import UUID

import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.notifier.app import bootstrap
from services.notifier.mailsink import MailSink, load_message
from services.notifier.settings import NotifierSettings
from shared.contract import events as ev
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause
from tests.support.notifier import events_of, mails_by_complaint, notifier_settings, submit
from tests.support.polling import wait_until

REASON = "Het is inmiddels opgelost, dank u."

# What the letter must say in each language, and what it must not.
CONFIRMS = {
    "nl": ("is ingetrokken", "niets meer", "opnieuw een klacht indienen"),
    "en": ("has been withdrawn", "no further action", "submit a complaint again"),
}
NEVER = {
    "nl": ("Toelichting", "leidinggevende", "opnieuw bekeken", "nationaleombudsman", REASON),
    "en": ("Explanation", "manager", "I want this reviewed", "nationaleombudsman", REASON),
}


@pytest.fixture
def settings(provisioned_nats: EmbeddedNats, sink: MailSink, tmp_path: Path) -> NotifierSettings:
    return notifier_settings(provisioned_nats.url, sink.port, tmp_path)


async def test_a_withdrawal_is_confirmed_without_a_review_invitation(
    settings: NotifierSettings, sink: MailSink, nc: nats.NATS, complaints: ComplaintsApplication
) -> None:
    ids = {
        lang: await asyncio.to_thread(submit, complaints, language=lang, number=n)
        for n, lang in enumerate(("nl", "en"), start=1)
    }
    resolved = await asyncio.to_thread(submit, complaints, language="nl", number=3)
    async with bootstrap(settings):
        everyone = [*ids.values(), resolved]
        await wait_until(lambda: _sent(nc, everyone, "acknowledgement"), timeout=20)

        def end_them() -> None:
            now = datetime.now(UTC)
            for complaint_id in ids.values():
                complaints.change(
                    complaint_id,
                    lambda c: c.withdraw(
                        now=now, cause=Cause(actor="complainant:web"), reason=REASON
                    ),
                )
            staff = Cause(actor="staff:ann")
            complaints.change(
                resolved,
                lambda c: c.respond(
                    text="Excuses.", resolution="well_founded", now=now, cause=staff
                ),
            )
            complaints.change(
                resolved,
                lambda c: c.close(outcome="resolved", now=now, cause=staff, note="Opgelost."),
            )

        await asyncio.to_thread(end_them)
        await wait_until(lambda: _sent(nc, everyone, "closure"), timeout=20, message="closure")

    for lang, complaint_id in ids.items():
        message = _closure(sink, complaint_id)
        assert str(message["X-Klachten-Template"]).startswith(f"{lang}/closure_withdrawn@")
        withdrawn_word = "ingetrokken" if lang == "nl" else "withdrawn"
        assert withdrawn_word in str(message["Subject"])
        for part in ("plain", "html"):
            body = " ".join(message.get_body((part,)).get_content().split())
            for words in CONFIRMS[lang]:
                assert words in body, (lang, part, words)
            for words in NEVER[lang]:
                assert words not in body, (lang, part, words)
            assert "/review" not in body
            assert "/privacy" in body  # the privacy statement stays under the signature
        [sent] = [e for e in await events_of(nc, complaint_id) if isinstance(e, ev.LetterSent)]
        assert (sent.letter.kind, sent.letter.template) == ("closure", f"{lang}/closure_withdrawn")

    # Any other closure keeps its wording: the explanation and the review invitation.
    other = _closure(sink, resolved)
    assert str(other["X-Klachten-Template"]).startswith("nl/closure@")
    text = other.get_body(("plain",)).get_content()
    assert "Toelichting" in text and "Opgelost." in text and "/review" in text


def _closure(sink: MailSink, complaint_id: UUID) -> EmailMessage:
    mails = mails_by_complaint(sink.maildir)[str(complaint_id)]
    [mail] = [m for m in mails if m.letter_kind == "closure"]
    message = load_message(sink.maildir, mail.message_id or "")
    assert message is not None
    return message


async def _sent(nc: nats.NATS, complaint_ids: list[UUID], kind: str) -> bool:
    """Each complaint's letter of this kind recorded (Acknowledged or LetterSent)."""
    for complaint_id in complaint_ids:
        history = await events_of(nc, complaint_id)
        letters = [e.letter for e in history if isinstance(e, ev.Acknowledged | ev.LetterSent)]
        if not any(letter is not None and letter.kind == kind for letter in letters):
            return False
    return True
