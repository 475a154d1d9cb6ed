"""The letters of the advisory committee and the Wkkgz route (issue 16 items 6 and 7) on a real
nats-server, a real SMTP server (the mail sink) and the post room, the notifier in process: the
referral to the committee (to the complainant and to the person complained about, with the
recorded ten-week end), the answer that departs from the committee's advice (its reasons, the
advice sent along), the klachtenfunctionaris's mediation (who and how to reach them), the
judgement's measures with their recorded days, and for a care complaint the answer naming the
disputes body (geschilleninstantie). Each arrives once, also when every event comes again; a
complainant without e-mail gets the measures on paper."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.notifier.app import bootstrap
from services.notifier.letter_kinds import LetterKind
from services.notifier.letters import format_date, render
from services.notifier.mailsink import MailSink, load_message, read_maildir
from services.notifier.postroom import PostRoom
from services.notifier.settings import CONSUMER_NAME, NotifierSettings
from shared.config.calendar import business_calendar
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Complaint
from tests.services.notifier.test_letters import context_for
from tests.services.notifier.test_postal_pdf import pdftotext
from tests.support import letter_flows
from tests.support.letter_flows import STAFF, consumer_idle, letters_recorded
from tests.support.notifier import events_of, notifier_settings
from tests.support.polling import wait_until

CALENDAR = business_calendar("NL")
OFFICER = "Mw. A. de Wit, 030 123 45 67, klachtenfunctionaris@zorg.example"
PIET = "p.bakker@voorbeeld.nl"
COMMITTEE = "de Commissie klachtadvisering"
ADVICE = "De commissie adviseert de klacht gegrond te verklaren."
REASONS = "Het dossier laat zien dat de brief wel op tijd is verstuurd."
MEASURES = ("Werkinstructie voor de balie aangepast.", "Team geschoold in bejegening.")
STEP = Callable[[Complaint, datetime], None]


@pytest.fixture
def settings(provisioned_nats: EmbeddedNats, sink: MailSink, tmp_path: Path) -> NotifierSettings:
    return notifier_settings(
        provisioned_nats.url, sink.port, tmp_path, complaints_officer=OFFICER,
        organisation_address="Postbus 12, 1000 AA Amsterdam",
    )  # fmt: skip


def submit(
    app: ComplaintsApplication, language: ev.Language, number: int, *, care: bool, post: bool
) -> UUID:
    """A complaint (category zorg: the Wkkgz route in the shipped policy), by e-mail or, for a
    complainant without one, by post."""
    return letter_flows.submit(app, language, number, post=post, category="zorg" if care else None)


def to_the_committee(c: Complaint, now: datetime) -> None:
    """Piet recorded, the complaint referred, heard by the committee, advised; the answer
    departs from the advice."""
    c.record_conduct_subject(employee="piet", name="Piet Bakker", email=PIET, now=now,
                             cause=STAFF)  # fmt: skip
    c.refer_to_committee(committee=COMMITTEE, now=now, cause=STAFF)
    c.record_committee_hearing(held_at=now, mode="in_person", report="Gehoord.", now=now,
                               cause=STAFF)  # fmt: skip
    c.record_committee_advice(advice="well_founded", advised_at=now, text=ADVICE, now=now,
                              cause=STAFF)  # fmt: skip
    c.respond(text="Wij vinden uw klacht ongegrond.", resolution="unfounded", now=now,
              departs_from_advice=True, departure_reasons=REASONS, cause=STAFF)  # fmt: skip


def care(c: Complaint, now: datetime) -> None:
    """The klachtenfunctionaris mediated, the judgement's measures promised, then answered."""
    c.record_mediation(kind="mediation", held_at=now - timedelta(hours=1), agreed=True,
                       text="Gesprek op de afdeling.", wkkgz=True, now=now,
                       cause=STAFF)  # fmt: skip
    measures = [(MEASURES[0], due_day(0)), (MEASURES[1], due_day(1))]
    c.promise_measures(measures=measures, wkkgz=True, calendar=CALENDAR, now=now, cause=STAFF)
    c.respond(text="Uw klacht is gegrond.", resolution="well_founded", now=now, cause=STAFF)


def measures_only(c: Complaint, now: datetime) -> None:
    c.promise_measures(measures=[(MEASURES[0], due_day(0))], wkkgz=True, calendar=CALENDAR,
                       now=now, cause=STAFF)  # fmt: skip


def due_day(n: int) -> date:
    return date.today() + timedelta(days=30 * (n + 1))


CASES: dict[str, tuple[ev.Language, bool, bool, STEP, list[str]]] = {
    # name: language, care, by post, the staff's steps, the letters besides the acknowledgement
    "committee_nl": ("nl", False, False, to_the_committee, [
        "committee_referral", "conduct_subject_committee_referral", "conduct_subject_copy",
        "response"]),
    "care_en": ("en", True, False, care, ["measures", "mediation", "response"]),
    "care_post_nl": ("nl", True, True, measures_only, ["measures"]),
}  # fmt: skip


async def test_the_committee_and_wkkgz_letters_arrive_once_with_their_recorded_dates(
    settings: NotifierSettings,
    sink: MailSink,
    nc: nats.NATS,
    complaints: ComplaintsApplication,
    tmp_path: Path,
) -> None:
    ids = {
        name: await asyncio.to_thread(submit, complaints, lang, n, care=care_, post=post)
        for n, (name, (lang, care_, post, _, _)) in enumerate(CASES.items(), start=1)
    }
    expected = {name: sorted(["acknowledgement", *c[4]]) for name, c in CASES.items()}
    async with bootstrap(settings):
        await wait_until(lambda: letters_recorded(nc, ids, {n: ["acknowledgement"] for n in ids}),
                         timeout=20, message="acknowledged")  # fmt: skip
        for name, (_, _, _, steps, _) in CASES.items():
            now = datetime.now(UTC)
            act = lambda c, steps=steps, now=now: steps(c, now)  # noqa: E731
            await asyncio.to_thread(complaints.change, ids[name], act)
        await wait_until(
            lambda: letters_recorded(nc, ids, expected), timeout=30, message="recorded"
        )
        await wait_until(lambda: consumer_idle(nc), timeout=20, message="consumer idle")
    first = sorted(m.key for m in read_maildir(sink.maildir))
    room = PostRoom(settings.post_room)
    printed = sorted(p.name for p in room.folder.iterdir())

    texts = {name: await _texts(sink, nc, ids[name]) for name in ("committee_nl", "care_en")}
    # The referral: the recorded ten-week end, the committee, to both; the person's letter
    # carries none of the complainant's links.
    history = await events_of(nc, ids["committee_nl"])
    [referred] = [e for e in history if isinstance(e, ev.ReferredToCommittee)]
    end = format_date(CALENDAR.due_date(referred.statutory_by), "nl")
    [to_complainant] = texts["committee_nl"]["committee_referral"]
    [to_piet] = texts["committee_nl"]["conduct_subject_committee_referral"]
    assert end in to_complainant and COMMITTEE in to_complainant and "tien weken" in to_complainant
    assert end in to_piet and "/status/" not in to_piet and "k1@ex.nl" not in to_piet
    # The answer departs from the advice: its reasons, and the advice sent along.
    [answer] = texts["committee_nl"]["response"]
    assert "wijkt af van het advies" in answer and REASONS in answer and ADVICE in answer
    # The Wkkgz route: who mediates and how to reach them; the measures with their recorded
    # days, in the measures letter and again in the judgement, which names the disputes body.
    [mediation] = texts["care_en"]["mediation"]
    assert OFFICER in mediation and "article 15" in mediation and "agreed" in mediation
    care_history = await events_of(nc, ids["care_en"])
    [promised] = [e for e in care_history if isinstance(e, ev.MeasuresPromised)]
    days = [format_date(CALENDAR.due_date(m.due_by), "en") for m in promised.measures]
    [judgement] = texts["care_en"]["response"]
    for letter in (texts["care_en"]["measures"][0], judgement):
        for measure, day in zip(MEASURES, days, strict=True):
            assert f"{measure}\n   Carried out by: {day}" in letter
    assert "disputes body (geschilleninstantie)" in judgement and "Geschillencommissie" in judgement
    assert "binding decision" in judgement and "ombudsman" not in judgement.lower()
    # On paper: the measures letter as a PDF in the post room, with the measure and its day.
    post_history = await events_of(nc, ids["care_post_nl"])
    [on_paper] = [e.letter for e in post_history if isinstance(e, ev.LetterSent)]
    assert (on_paper.kind, on_paper.delivery) == ("measures", "post")
    [entry] = [e for e in room.entries() if e.document_sha256 == on_paper.document_sha256]
    pdf = " ".join(pdftotext(room.pdf_path(entry).read_bytes(), tmp_path).split())
    [measure] = next(e for e in post_history if isinstance(e, ev.MeasuresPromised)).measures
    assert MEASURES[0] in pdf and format_date(CALENDAR.due_date(measure.due_by), "nl") in pdf
    assert "artikel 17" in pdf

    # Every event delivered again (a new durable): nothing is sent, printed or recorded twice.
    await nc.jetstream().delete_consumer(subjects.COMPLAINTS_STREAM, CONSUMER_NAME)
    async with bootstrap(settings):
        await wait_until(lambda: consumer_idle(nc), timeout=30, message="redelivered, idle")
    assert sorted(m.key for m in read_maildir(sink.maildir)) == first
    assert sorted(p.name for p in room.folder.iterdir()) == printed
    assert await letters_recorded(nc, ids, expected)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_an_answer_that_follows_the_advice_says_so_and_sends_no_advice(language: str) -> None:
    words = {"nl": "Ons oordeel volgt het advies", "en": "Our judgement follows the committee"}
    follows = context_for(LetterKind.RESPONSE, language, departs_from_advice=False,
                          committee_name=COMMITTEE, committee_advice=None)  # fmt: skip
    letter = render(LetterKind.RESPONSE, follows, letter_key="9")
    assert words[language] in letter.text and words[language] in letter.html
    plain = render(LetterKind.RESPONSE, context_for(LetterKind.RESPONSE, language), letter_key="9")
    assert COMMITTEE not in plain.text  # no committee, no word of one


async def _texts(sink: MailSink, nc: nats.NATS, complaint_id: UUID) -> dict[str, list[str]]:
    """The plain text of each e-mailed letter of the complaint, by kind, read from the mail
    sink as the recipient gets it."""
    history = await events_of(nc, complaint_id)
    out: dict[str, list[str]] = {}
    for record in [e.letter for e in history if isinstance(e, ev.LetterSent)]:
        message = load_message(sink.maildir, record.message_id)
        assert message is not None, record
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        out.setdefault(record.kind, []).append(text)
    return out
