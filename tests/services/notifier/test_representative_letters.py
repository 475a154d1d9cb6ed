"""A complaint made on the complainant's behalf (issue 25): the letters go to the representative
(their e-mail, else on paper to their address), addressed to them and naming the complainant
("namens …" / "on behalf of …"), in Dutch and English. Real nats-server and mail sink; the
notifier runs in process. The person complained about still gets their own letter, no word of
the representative in it (tested on the rendered letter)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses
from pathlib import Path
from uuid import UUID, uuid4

import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.notifier.app import bootstrap
from services.notifier.letter_context import Letterhead, letter_context
from services.notifier.letter_kinds import LetterKind
from services.notifier.letters import format_date, render
from services.notifier.mailsink import MailSink, load_message
from services.notifier.postroom import PostRoom
from services.notifier.settings import NotifierSettings
from shared.config.calendar import business_calendar
from shared.config.policy import policy_in_force
from shared.contract import events as ev
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause, Complaint
from shared.rules.terms import current_terms
from tests.services.notifier.test_postal_pdf import pdftotext
from tests.support.notifier import events_of, mails_by_complaint, notifier_settings
from tests.support.polling import wait_until

STAFF = Cause(actor="staff:ann")
COMPLAINANT = ev.Complainant(name="Els Jansen", email="els@example.org")
BY_EMAIL = ev.Representative(name="Sanne Jansen", relation="dochter", email="sanne@example.org")
BY_POST = ev.Representative(
    name="Mr. P. de Wit", relation="advocaat", address="Kanaalweg 8\n3500 AB Utrecht"
)
SAID = {
    "nl": (
        "Geachte heer/mevrouw Sanne Jansen,",
        "Wij schrijven u als vertegenwoordiger van Els Jansen.",
        "namens Els Jansen is ingediend",
    ),
    "en": (
        "Dear Sanne Jansen,",
        "We are writing to you as the representative of Els Jansen.",
        "the complaint made on behalf of Els Jansen",
    ),
}


@pytest.fixture
def settings(provisioned_nats: EmbeddedNats, sink: MailSink, tmp_path: Path) -> NotifierSettings:
    return notifier_settings(
        provisioned_nats.url, sink.port, tmp_path, organisation_address="Postbus 12, 1000 AA A"
    )


def submit(
    app: ComplaintsApplication, language: ev.Language, number: int, agent: ev.Representative
) -> UUID:
    now = datetime.now(UTC)
    complaint = Complaint.submit(
        complaint_id=uuid4(),
        reference=f"KL-2026-{number:06d}",
        channel="web",
        language=language,
        personal=ev.SubmittedPersonal(
            complainant=COMPLAINANT,
            subject="Geen reactie op de aanvraag van mijn moeder",
            description="Mijn moeder wacht al maanden.",
            representative=agent,
        ),
        received_at=now - timedelta(minutes=5),
        now=now,
        cause=Cause(actor="complainant"),
    )
    app.save(complaint)
    return complaint.id


async def acknowledgement(nc: nats.NATS, complaint_id: UUID) -> ev.Acknowledged | None:
    found = [e for e in await events_of(nc, complaint_id) if isinstance(e, ev.Acknowledged)]
    return found[0] if found else None


async def test_the_acknowledgement_goes_to_the_representative_and_names_the_complainant(
    settings: NotifierSettings, sink: MailSink, nc: nats.NATS, complaints: ComplaintsApplication
) -> None:
    ids = {
        lang: await asyncio.to_thread(submit, complaints, lang, n, BY_EMAIL)
        for n, lang in enumerate(("nl", "en"), start=1)
    }
    async with bootstrap(settings):
        for complaint_id in ids.values():
            await wait_until(lambda i=complaint_id: acknowledgement(nc, i), timeout=20)

    mails = mails_by_complaint(sink.maildir)
    for lang, complaint_id in ids.items():
        [mail] = mails[str(complaint_id)]
        assert mail.to == ["sanne@example.org"]  # the representative, not els@example.org
        message = load_message(sink.maildir, mail.message_id or "")
        assert message is not None
        assert getaddresses([str(message["To"])]) == [("Sanne Jansen", "sanne@example.org")]
        text = " ".join(message.get_body(("plain",)).get_content().split())
        html = " ".join(message.get_body(("html",)).get_content().split())
        for said in SAID[lang]:
            assert said in text
            assert said in html
        assert "els@example.org" not in message.as_string()
        # Still the acknowledgement, with the dates decided at registration, recorded once.
        history = await events_of(nc, complaint_id)
        terms = current_terms(history[:1], *policy_in_force())
        for deadline in (terms.respond_by, terms.statutory_by):
            assert format_date(business_calendar("NL").due_date(deadline), lang) in text
        ack = await acknowledgement(nc, complaint_id)
        assert ack is not None and ack.letter.message_id == mail.message_id
        assert ack.letter.delivery == "email" and ack.letter.language == lang
        assert ack.letter.content_sha256 == str(message["X-Klachten-Content-SHA256"]).strip()


async def test_a_representative_with_only_a_postal_address_gets_the_letter_on_paper(
    settings: NotifierSettings, sink: MailSink, nc: nats.NATS, complaints: ComplaintsApplication
) -> None:
    """Even though the complainant has e-mail: the letters are the representative's."""
    complaint_id = await asyncio.to_thread(submit, complaints, "nl", 3, BY_POST)
    async with bootstrap(settings):
        await wait_until(lambda: acknowledgement(nc, complaint_id), timeout=20)
    assert mails_by_complaint(sink.maildir) == {}
    ack = await acknowledgement(nc, complaint_id)
    assert ack is not None and ack.letter.delivery == "post"
    room = PostRoom(settings.post_room)
    [entry] = room.entries()
    assert entry.document_sha256 == ack.letter.document_sha256
    assert entry.recipient == "Mr. P. de Wit, Kanaalweg 8, 3500 AB Utrecht"
    pdf = room.pdf_path(entry).read_bytes()
    window = " ".join(pdftotext(pdf, settings.data_dir, crop=(20, 45, 85, 45)).split())
    assert window.endswith("Mr. P. de Wit Kanaalweg 8 3500 AB Utrecht")
    text = " ".join(pdftotext(pdf, settings.data_dir).split())
    assert "Geachte heer/mevrouw Mr. P. de Wit," in text
    assert "vertegenwoordiger van Els Jansen" in text and "deze brief" in text
    assert "Els Jansen" not in window


def test_the_person_complained_about_gets_no_word_of_the_representative() -> None:
    """Their letter is theirs: to their address, no representative's name or address."""
    now = datetime(2026, 12, 7, 9, tzinfo=UTC)
    complaint = Complaint.submit(
        complaint_id=uuid4(), reference="KL-2026-000004", channel="web", language="en",
        personal=ev.SubmittedPersonal(
            complainant=COMPLAINANT, subject="Rude reply", description="He was rude.",
            representative=BY_EMAIL,
        ),
        received_at=now, now=now, cause=Cause(actor="complainant"),
    )  # fmt: skip
    complaint.record_conduct_subject(
        employee="piet", name="Piet Smit", email="piet@example.org", now=now, cause=STAFF
    )
    submitted, recorded = complaint.facts[0], complaint.facts[-1]
    policy, calendar = policy_in_force()
    terms = current_terms(complaint.facts, policy, calendar)
    kind = LetterKind.CONDUCT_SUBJECT_COPY
    ctx = letter_context(
        kind, recorded, submitted, complaint, terms, calendar, Letterhead("Gemeente"), policy,
        recorded,
    )  # fmt: skip
    assert ctx is not None
    letter = render(kind, ctx, letter_key="2")
    assert letter.recipient == "piet@example.org" and ctx.on_behalf_of is None
    assert "Sanne" not in letter.text + letter.html and "Dear Piet Smit," in letter.text
