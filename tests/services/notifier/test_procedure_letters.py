"""The procedure's letters (issue 16) through the notifier's use case, on eventsourcing's
in-memory store with the contract mapper: the hearing invitation, the informal resolution's
confirmation, the declining letter, and the copy and extension notice for the person complained
about. Sent once (also when the event comes again), recorded with their proof, in Dutch or
English, dates in the organisation's zone, never a code. JetStream and SMTP themselves:
test_procedure_letters_flow.py."""

from __future__ import annotations

import logging
import typing
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from test_letters import context_for
from test_notifier_use_case import IN_MEMORY, Relay, service

from services.notifier.app import LETTER_EVENTS
from services.notifier.application import NotifierApplication
from services.notifier.domain import LETTER_OF_EVENT, LetterOutcome
from services.notifier.letter_kinds import LetterKind
from services.notifier.letters import render
from shared.contract import events as ev
from shared.contract import subjects
from shared.rules.complaint import Cause, Complaint
from tests.support.domain import NOW, submitted

STAFF = Cause(actor="staff:ann")
PERSON = {"employee": "piet", "name": "Piet Bakker", "email": "p.bakker@voorbeeld.nl"}
# Every code a procedure letter could print; codes with an underscore are never a word.
CODES = [
    code
    for literal in (ev.DeclineGround, ev.HearingMode, ev.Confirmation, ev.InformalMeans)
    for code in typing.get_args(literal)
    if "_" in code
] + list(typing.get_args(ev.HearingWaiverGround))


@pytest.fixture
def app() -> NotifierApplication:
    return NotifierApplication(env=IN_MEMORY)


def saved(app: NotifierApplication, complaint: Complaint) -> list[tuple[str, bytes]]:
    """Save the complaint; its new events as the consumer receives them (subject, body)."""
    facts = [e.fact for e in complaint.pending_events]  # type: ignore[attr-defined]
    app.save(complaint)
    return [
        (subjects.event_subject(f.complaint_id, f.version, ev.subject_token(type(f))), ev.encode(f))
        for f in facts
    ]


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def recorded(app: NotifierApplication, complaint: Complaint) -> list[ev.LetterRecord]:
    _, facts = app.complaint_and_facts(complaint.id)
    return [f.letter for f in facts if isinstance(f, ev.LetterSent)]


def test_the_consumer_receives_every_event_a_letter_answers() -> None:
    """A letter no consumer receives is never sent (the status link's was not)."""
    tokens = {ev.subject_token(t) for t in LETTER_OF_EVENT} | {"conduct_subject_recorded"}
    assert tokens <= set(LETTER_EVENTS)


@pytest.mark.parametrize(
    ("language", "moment", "words"),
    [
        ("nl", "donderdag 3 december 2026 om 09:30", ("hoorgesprek", "artikel 9:10", "Stadhuis")),
        ("en", "Thursday 3 December 2026 at 09:30", ("hearing", "article 9:10", "Stadhuis")),
    ],
)
async def test_a_hearing_invitation_names_the_moment_in_the_organisations_zone_once(
    app: NotifierApplication, language: ev.Language, moment: str, words: tuple[str, ...]
) -> None:
    complaint = submitted(language=language)
    saved(app, complaint)
    at = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)  # 09:30 in Amsterdam
    complaint.invite_to_hearing(
        at=at, mode="in_person", place="Stadhuis, Markt 1", now=NOW, cause=STAFF
    )
    [(subject, body)] = saved(app, complaint)
    relay = Relay()
    letters = service(app, relay)
    assert await letters.handle(subject, body) == LetterOutcome.SENT
    assert await letters.handle(subject, body) == LetterOutcome.ALREADY_RECORDED  # again
    [message] = relay.sent
    text = text_of(message)
    assert moment in text and all(w in text for w in words)
    assert str(message["To"]).endswith("<jan@example.nl>")
    assert str(message["Reply-To"]).startswith("klachten+")  # replying reschedules
    [record] = recorded(app, complaint)
    assert (record.kind, record.language) == ("hearing_invitation", language)
    assert record.content_sha256 == str(message["X-Klachten-Content-SHA256"])
    assert record.template == f"{language}/hearing_invitation"


async def test_an_informal_resolution_is_confirmed_with_the_formal_route_open(
    app: NotifierApplication,
) -> None:
    complaint = submitted()
    saved(app, complaint)
    complaint.resolve_informally(
        means="apology", confirmed_by="phone", confirmed_at=NOW - timedelta(hours=2),
        text="Wij hebben u gebeld en excuses aangeboden.", now=NOW, cause=STAFF,
    )  # fmt: skip
    [(subject, body)] = saved(app, complaint)
    relay = Relay()
    assert await service(app, relay).handle(subject, body) == LetterOutcome.SENT
    text = text_of(relay.sent[0])
    assert "woensdag 25 november 2026 hebt u ons telefonisch laten weten" in text
    assert "Wij hebben u gebeld en excuses aangeboden." in text
    assert "formele klachtprocedure (artikel 9:5" in text
    assert "Ik wil dat mijn klacht toch formeel behandeld wordt: http" in text
    assert [r.kind for r in recorded(app, complaint)] == ["informal_resolution"]


async def test_a_declining_letter_gives_each_ground_with_its_article_and_the_ombudsman(
    app: NotifierApplication,
) -> None:
    complaint = submitted(language="en")
    saved(app, complaint)
    complaint.decline(
        grounds=["older_than_a_year", "insufficient_interest"],
        explanation="What you describe happened in 2019.", now=NOW, cause=STAFF,
    )  # fmt: skip
    [(subject, body)] = saved(app, complaint)
    relay = Relay()
    assert await service(app, relay).handle(subject, body) == LetterOutcome.SENT
    text = text_of(relay.sent[0])
    assert "more than a year before you made your complaint (Awb article 9:8(1)(b))." in text
    assert "clearly too small for the complaint to be handled (Awb article 9:8(2))." in text
    assert "What you describe happened in 2019." in text
    assert "Nationale ombudsman" in text
    assert not [code for code in CODES if code in text]


async def test_the_person_complained_about_gets_the_copy_at_their_own_address(
    app: NotifierApplication,
) -> None:
    complaint = submitted()
    saved(app, complaint)
    complaint.record_conduct_subject(unit="Publiekszaken", role="baliemedewerker", now=NOW,
                                     cause=STAFF, **PERSON)  # fmt: skip
    [(subject, body)] = saved(app, complaint)
    relay = Relay()
    letters = service(app, relay)
    assert await letters.handle(subject, body) == LetterOutcome.SENT
    assert await letters.handle(subject, body) == LetterOutcome.ALREADY_RECORDED
    [message] = relay.sent
    assert str(message["To"]) == "Piet Bakker <p.bakker@voorbeeld.nl>"
    # A reply to the complaint's address would count as the complainant's own.
    assert message["Reply-To"] is None
    text = text_of(message) + str(message.get_body(("html",)))
    assert "My parcel never arrived." in text and "Jan Jansen" in text
    assert "artikel 9:9" in text and "als baliemedewerker" in text
    assert "jan@example.nl" not in text and "/status/" not in text  # none of the complainant's
    assert [r.kind for r in recorded(app, complaint)] == ["conduct_subject_copy"]


async def test_no_address_for_the_person_complained_about_sends_nothing_and_says_why(
    app: NotifierApplication, caplog: pytest.LogCaptureFixture
) -> None:
    complaint = submitted()
    saved(app, complaint)
    complaint.record_conduct_subject(employee="piet", name="Piet Bakker", now=NOW, cause=STAFF)
    complaint.record_conduct_subject(unit="Publiekszaken", now=NOW, cause=STAFF)
    named, unit = saved(app, complaint)
    relay = Relay()
    letters = service(app, relay)
    with caplog.at_level(logging.WARNING, "klachten.notifier"):
        assert await letters.handle(*named) == LetterOutcome.NO_ADDRESS
    assert "no e-mail address" in caplog.text and str(complaint.id) in caplog.text
    assert await letters.handle(*unit) == LetterOutcome.NOT_NEEDED  # a unit is no person
    assert relay.sent == [] and recorded(app, complaint) == []


async def test_an_extension_also_notifies_each_person_complained_about_once(
    app: NotifierApplication,
) -> None:
    complaint = submitted(language="en")
    saved(app, complaint)
    complaint.record_conduct_subject(now=NOW, cause=STAFF, **PERSON)
    complaint.record_conduct_subject(now=NOW, cause=STAFF, role="team lead", **PERSON)  # again
    complaint.record_conduct_subject(employee="kees", now=NOW, cause=STAFF)  # no address
    saved(app, complaint)
    due = NOW + timedelta(weeks=6)
    complaint.extend(weeks=4, reason="We need an expert's advice.", statutory_by=due, now=NOW,
                     cause=STAFF)  # fmt: skip
    [(subject, body)] = saved(app, complaint)
    relay = Relay()
    letters = service(app, relay)
    assert await letters.handle(subject, body) == LetterOutcome.SENT
    assert await letters.handle(subject, body) == LetterOutcome.ALREADY_RECORDED
    to = sorted(str(m["To"]) for m in relay.sent)
    assert to == ["Jan Jansen <jan@example.nl>", "Piet Bakker <p.bakker@voorbeeld.nl>"]
    notice = next(m for m in relay.sent if "Piet" in str(m["To"]))
    text = text_of(notice)
    assert "Wednesday 6 January 2027" in text and "Wednesday 3 February 2027" in text
    assert "article 9:11(2)" in text and "expert" not in text  # the reason is the complainant's
    kinds = sorted(r.kind for r in recorded(app, complaint))
    assert kinds == ["conduct_subject_extension_notice", "extension_notice"]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("mode", typing.get_args(ev.HearingMode))
@pytest.mark.parametrize("confirmed_by", typing.get_args(ev.Confirmation))
def test_the_procedure_letters_say_every_code_in_words(
    language: str, mode: str, confirmed_by: str
) -> None:
    grounds = list(typing.get_args(ev.DeclineGround))
    for kind in (
        LetterKind.HEARING_INVITATION,
        LetterKind.INFORMAL_RESOLUTION,
        LetterKind.DECLINING,
        LetterKind.CONDUCT_SUBJECT_COPY,
        LetterKind.CONDUCT_SUBJECT_EXTENSION_NOTICE,
    ):
        ctx = context_for(
            kind, language, hearing_mode=mode, hearing_place=None, confirmed_by=confirmed_by,
            decline_grounds=grounds, conduct_subject_invited=True,
        )  # fmt: skip
        letter = render(kind, ctx, letter_key="1")
        for body in (letter.text, letter.html):
            assert not [code for code in CODES if code in body], kind
            assert "None" not in body and "{{" not in body
        if kind is LetterKind.DECLINING:
            assert letter.text.count("Awb") >= len(grounds)
