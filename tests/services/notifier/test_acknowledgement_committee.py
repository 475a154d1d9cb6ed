"""The acknowledgement of a complaint the policy sends to the advisory committee from the start
(issue 16; Awb 9:15 lid 1, 9:11 lid 1): it names the committee, says the committee hears the
complainant, and gives the recorded ten-week end as the day of the decision. Real nats-server,
real SMTP (the mail sink) and the post room, the notifier in process. The words come from the
terms recorded at registration: the notifier runs with the shipped policy, which names no
committee, and still says what was decided. Without a committee the letter says nothing of one.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import msgspec
import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.notifier.app import bootstrap
from services.notifier.letters import format_date
from services.notifier.mailsink import MailSink, load_message
from services.notifier.postroom import PostRoom
from services.notifier.settings import NotifierSettings
from shared.config.policy import DEFAULT_POLICY_FILE
from shared.config.policy_file import build_calendar, load_policy
from shared.contract import events as ev
from shared.eventstore.application import ComplaintsApplication
from shared.rules import terms as rules
from shared.rules.deadlines import ClockState
from shared.rules.policy import Committee
from tests.services.notifier.test_postal_pdf import pdftotext
from tests.support import letter_flows
from tests.support.notifier import events_of, notifier_settings
from tests.support.polling import wait_until

COMMITTEE = "de Commissie klachtadvisering"
SHIPPED = load_policy(DEFAULT_POLICY_FILE)
# The policy in force at registration; the notifier later runs with the shipped one.
AT_REGISTRATION = msgspec.structs.replace(
    SHIPPED, committee=Committee(name=COMMITTEE, categories=("bejegening",))
)
CAL = build_calendar(SHIPPED.calendar)
WORDS = {
    "nl": ("De commissie hoort u eerst", "tien weken", "uiterlijk op"),
    "en": ("The committee will hear you first", "ten weeks", "at the latest"),
}


@pytest.fixture
def settings(provisioned_nats: EmbeddedNats, sink: MailSink, tmp_path: Path) -> NotifierSettings:
    return notifier_settings(provisioned_nats.url, sink.port, tmp_path,
                             organisation_address="Postbus 12, 1000 AA Amsterdam")  # fmt: skip


def submit(
    app: ComplaintsApplication, language: ev.Language, number: int, category: str, *, post: bool
) -> tuple[UUID, ev.Terms]:
    """The complaint with the terms the policy in force at registration gives it."""
    now = datetime.now(UTC)
    received = now - timedelta(hours=1)
    state = ClockState(complaint_id="-", received_at=received, channel="web", category=category)
    terms = rules.registration_terms(state, AT_REGISTRATION, CAL, now)
    made = letter_flows.submit(app, language, number, post=post, category=category,
                               terms=terms, received_at=received)  # fmt: skip
    return made, terms


async def test_the_acknowledgement_names_the_committee_and_its_recorded_ten_weeks(
    settings: NotifierSettings,
    sink: MailSink,
    nc: nats.NATS,
    complaints: ComplaintsApplication,
    tmp_path: Path,
) -> None:
    cases = {  # name: language, category, by post
        "nl": ("nl", "bejegening", False),
        "en": ("en", "bejegening", False),
        "post": ("nl", "bejegening", True),
        "plain": ("nl", "parkeren", False),
    }
    made = {
        name: await asyncio.to_thread(submit, complaints, lang, n, category, post=post)
        for n, (name, (lang, category, post)) in enumerate(cases.items(), start=1)
    }
    assert made["nl"][1].committee == COMMITTEE and made["plain"][1].committee is None
    async with bootstrap(settings):
        await wait_until(lambda: _all_acknowledged(nc, made), timeout=20, message="acknowledged")

    for name in ("nl", "en"):
        complaint_id, terms = made[name]
        end = format_date(CAL.due_date(terms.statutory_by), name)
        text, html = await _letter(sink, nc, complaint_id)
        for body in (text, html):
            assert COMMITTEE in body and end in body
            assert all(words in body for words in WORDS[name]), body
        # The recorded ten weeks, not the six the category would have had without it.
        assert terms.statutory_by - datetime.now(UTC) > timedelta(weeks=9)

    # On paper: the same words in the PDF the post room prints.
    complaint_id, terms = made["post"]
    history = await events_of(nc, complaint_id)
    [ack] = [e for e in history if isinstance(e, ev.Acknowledged)]
    assert ack.letter.delivery == "post"
    room = PostRoom(settings.post_room)
    [entry] = [e for e in room.entries() if e.document_sha256 == ack.letter.document_sha256]
    pdf = " ".join(pdftotext(room.pdf_path(entry).read_bytes(), tmp_path).split())
    end = format_date(CAL.due_date(terms.statutory_by), "nl")
    assert COMMITTEE in pdf and end in pdf and "tien weken" in pdf

    # Without a committee: not a word of one, the six-week legal deadline as before.
    text, html = await _letter(sink, nc, made["plain"][0])
    assert "commissie" not in text.lower() and "tien weken" not in text
    assert "streven ernaar" in text


async def _all_acknowledged(nc: nats.NATS, made: dict[str, tuple[UUID, ev.Terms]]) -> bool:
    for complaint_id, _ in made.values():
        history = await events_of(nc, complaint_id)
        if not any(isinstance(e, ev.Acknowledged) for e in history):
            return False
    return True


async def _letter(sink: MailSink, nc: nats.NATS, complaint_id: UUID) -> tuple[str, str]:
    """The acknowledgement's plain text and HTML as the recipient gets them from the sink."""
    history = await events_of(nc, complaint_id)
    [ack] = [e for e in history if isinstance(e, ev.Acknowledged)]
    message = load_message(sink.maildir, ack.letter.message_id)
    assert message is not None
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return text, html
