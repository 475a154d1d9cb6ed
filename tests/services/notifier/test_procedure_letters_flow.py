"""The procedure's letters (issue 16) on a real nats-server and a real SMTP server (the mail
sink), the notifier in process: each letter arrives once, also when every event is delivered
again, in the complaint's language, with the hearing's time in the organisation's zone; the
copy and the extension notice for the person complained about go to their address, not the
complainant's; without an address nothing goes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.notifier.app import bootstrap
from services.notifier.letters import format_date
from services.notifier.mailsink import MailSink, load_message, read_maildir
from services.notifier.settings import CONSUMER_NAME, NotifierSettings
from shared.config.calendar import business_calendar
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause, Complaint
from tests.support.letter_flows import consumer_idle as _consumer_idle
from tests.support.letter_flows import letters_recorded as _recorded_are
from tests.support.notifier import (
    acknowledgements,
    events_of,
    mails_by_complaint,
    notifier_settings,
    submit,
)
from tests.support.polling import wait_until

CALENDAR = business_calendar("NL")
STAFF = Cause(actor="staff:ann")
PIET = "p.bakker@voorbeeld.nl"
HEARING = datetime(2030, 1, 15, 12, 45, tzinfo=UTC)  # 13:45 in Amsterdam
AT = {"nl": "dinsdag 15 januari 2030 om 13:45", "en": "Tuesday 15 January 2030 at 13:45"}


@pytest.fixture
def settings(provisioned_nats: EmbeddedNats, sink: MailSink, tmp_path: Path) -> NotifierSettings:
    return notifier_settings(provisioned_nats.url, sink.port, tmp_path)


def heard_and_extended(mode: ev.HearingMode, place: str) -> Callable[[Complaint, datetime], None]:
    """The person complained about recorded, the complainant invited, the term extended."""

    def steps(c: Complaint, now: datetime) -> None:
        c.record_conduct_subject(employee="piet", name="Piet Bakker", email=PIET, now=now,
                                 cause=STAFF)  # fmt: skip
        c.invite_to_hearing(at=HEARING, mode=mode, place=place, now=now, cause=STAFF)
        c.extend(weeks=4, reason="Advies nodig.", statutory_by=c.statutory_by, now=now,  # type: ignore[arg-type]
                 cause=STAFF)  # fmt: skip

    return steps


def declined(c: Complaint, now: datetime) -> None:
    c.decline(grounds=["appeal_possible"], explanation="U kunt in beroep.", now=now, cause=STAFF)


def resolved(c: Complaint, now: datetime) -> None:
    c.resolve_informally(means="fix", confirmed_by="email", confirmed_at=now, now=now,
                         text="We fixed the form.", cause=STAFF)  # fmt: skip


def nobody_to_write_to(c: Complaint, now: datetime) -> None:
    c.record_conduct_subject(employee="kees", now=now, cause=STAFF)


def link_asked(c: Complaint, now: datetime) -> None:
    c.request_status_link(now=now, cause=Cause(actor="public:lookup"))


CASES: dict[str, tuple[ev.Language, Any, list[str]]] = {
    # name: language, the staff's steps, the letters expected besides the acknowledgement
    "heard_nl": (
        "nl",
        heard_and_extended("in_person", "Stadhuis, Markt 1"),
        [
            "conduct_subject_copy",
            "conduct_subject_extension_notice",
            "extension_notice",
            "hearing_invitation",
        ],
    ),
    "heard_en": (
        "en",
        heard_and_extended("phone", "+31 20 123 4567"),
        [
            "conduct_subject_copy",
            "conduct_subject_extension_notice",
            "extension_notice",
            "hearing_invitation",
        ],
    ),
    "declined_nl": ("nl", declined, ["declining"]),
    "resolved_en": ("en", resolved, ["informal_resolution"]),
    "no_address": ("nl", nobody_to_write_to, []),
    # Not a procedure step: its letter was never sent (the consumer did not receive the event).
    "status_link": ("nl", link_asked, ["status_link"]),
}


async def test_each_procedure_letter_arrives_once_at_its_address_in_its_language(
    settings: NotifierSettings, sink: MailSink, nc: nats.NATS, complaints: ComplaintsApplication
) -> None:
    ids = {
        name: await asyncio.to_thread(
            submit, complaints, language=lang, number=n, email=f"{name}@example.org"
        )
        for n, (name, (lang, _, _)) in enumerate(CASES.items(), start=1)
    }
    async with bootstrap(settings):
        await wait_until(lambda: _acknowledged(nc, ids.values()), timeout=20, message="acks")
        for name, (_, steps, _) in CASES.items():
            now = datetime.now(UTC)
            act = lambda c, steps=steps, now=now: steps(c, now)  # noqa: E731
            await asyncio.to_thread(complaints.change, ids[name], act)
        expected = {
            name: sorted(["acknowledgement", *kinds]) for name, (_, _, kinds) in CASES.items()
        }
        await wait_until(
            lambda: _recorded_are(nc, ids, expected), timeout=30, message="every letter recorded"
        )
        await wait_until(lambda: _consumer_idle(nc), timeout=20, message="consumer idle")
    first = sorted(m.key for m in read_maildir(sink.maildir))

    mails = mails_by_complaint(sink.maildir)
    for name, (lang, _, _) in CASES.items():
        letters = mails[str(ids[name])]
        assert sorted(m.letter_kind or "" for m in letters) == expected[name], name
        for mail in letters:
            to_person = (mail.letter_kind or "").startswith("conduct_subject")
            assert mail.to == [PIET if to_person else f"{name}@example.org"], (name, mail)
            message = load_message(sink.maildir, mail.message_id or "")
            assert message is not None
            assert str(message["X-Klachten-Template"]).startswith(f"{lang}/")
            text = message.get_body(("plain",)).get_content()
            if mail.letter_kind == "hearing_invitation":
                assert AT[lang] in text and "12:45" not in text  # the organisation's zone
                local = HEARING.astimezone(ZoneInfo("Europe/Amsterdam"))
                assert f"{local:%H:%M}" == "13:45"
            if to_person:
                assert f"/status/{ids[name]}" not in text and f"{name}@example.org" not in text
            if mail.letter_kind == "conduct_subject_extension_notice":
                history = await events_of(nc, ids[name])
                [extended] = [e for e in history if isinstance(e, ev.Extended)]
                for moment in (extended.previous_statutory_by, extended.statutory_by):
                    assert format_date(CALENDAR.due_date(moment), lang) in text

    # Every event delivered again (a new durable): nothing is sent or recorded twice.
    await nc.jetstream().delete_consumer(subjects.COMPLAINTS_STREAM, CONSUMER_NAME)
    async with bootstrap(settings):
        await wait_until(lambda: _consumer_idle(nc), timeout=30, message="redelivered, idle")
    assert sorted(m.key for m in read_maildir(sink.maildir)) == first
    assert await _recorded_are(nc, ids, expected)
    print(f"\nprocedure letters: {len(first)} mails, none again after redelivering every event")


async def _acknowledged(nc: nats.NATS, ids: Any) -> bool:
    acks = await acknowledgements(nc)
    return all(acks[str(i)] == 1 for i in ids)


async def test_a_durable_from_before_takes_the_new_events_on_start(
    settings: NotifierSettings, nc: nats.NATS
) -> None:
    """An upgraded notifier finds its durable with the old filter and widens it."""
    old = ["submitted", "responded", "escalated", "extended", "closed", "reaction_received"]
    js = nc.jetstream()
    config = nats.js.api.ConsumerConfig(
        durable_name=CONSUMER_NAME,
        filter_subjects=[subjects.events_of_type(t) for t in old],
        ack_policy=nats.js.api.AckPolicy.EXPLICIT,
    )
    await js.add_consumer(subjects.COMPLAINTS_STREAM, config)
    async with bootstrap(settings):
        info = await js.consumer_info(subjects.COMPLAINTS_STREAM, CONSUMER_NAME)
    assert subjects.events_of_type("hearing_invited") in (info.config.filter_subjects or [])
    assert subjects.events_of_type("status_link_requested") in (info.config.filter_subjects or [])
