"""Pure decisions of the notifier: which letter, what it states, what to do on failure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from services.notifier import domain
from services.notifier.domain import Letterhead
from services.notifier.letters import LetterKind, local_day, render
from services.notifier.settings import NotifierSettings
from shared import events as ev
from shared.calendar import BusinessCalendar
from shared.complaint import Cause
from tests.helpers_domain import NOW, letter, submitted

CALENDAR = BusinessCalendar(version="NL")
HEAD = Letterhead(organisation_name="Gemeente Voorbeeld")
STAFF = Cause(actor="staff:ann")


def test_stated_deadlines_skip_weekends_and_holidays_and_run_six_weeks() -> None:
    received = datetime(2026, 4, 20, 9, 30, tzinfo=UTC)  # Monday; King's Day is 27 April
    deadlines = domain.stated_deadlines(received, CALENDAR)
    # 10 business days: 21-24 Apr, 28-30 Apr, 1 May, 4-5 May (27 Apr is a holiday).
    assert CALENDAR.due_date(deadlines.respond_by) == date(2026, 5, 5)
    assert CALENDAR.due_date(deadlines.statutory_by) == date(2026, 6, 1)


def test_which_letter_each_event_needs() -> None:
    complaint = submitted()
    first = complaint.pending_events[0].fact  # type: ignore[attr-defined]
    assert domain.letter_for(first, complaint) is LetterKind.ACKNOWLEDGEMENT
    complaint.acknowledge(letter=letter(), respond_by=NOW, statutory_by=NOW, now=NOW, cause=STAFF)
    assert domain.letter_for(first, complaint) is None  # already acknowledged
    complaint.respond(text="Sorry.", resolution="well_founded", now=NOW, cause=STAFF)
    responded = complaint.pending_events[-1].fact  # type: ignore[attr-defined]
    assert domain.letter_for(responded, complaint) is LetterKind.RESPONSE
    assert domain.letter_for(complaint.pending_events[1].fact, complaint) is None  # type: ignore[attr-defined]


def test_no_acknowledgement_for_a_complaint_closed_before_it() -> None:
    complaint = submitted()
    first = complaint.pending_events[0].fact  # type: ignore[attr-defined]
    complaint.close(outcome="withdrawn", now=NOW, cause=STAFF)
    assert domain.letter_for(first, complaint) is None


def test_context_states_due_days_not_deadline_instants() -> None:
    complaint = submitted()
    first: ev.Submitted = complaint.pending_events[0].fact  # type: ignore[attr-defined]
    deadlines = domain.stated_deadlines(first.received_at, CALENDAR)
    ctx = domain.letter_context(
        LetterKind.ACKNOWLEDGEMENT, first, first, complaint, deadlines, CALENDAR, HEAD
    )
    assert ctx is not None
    assert ctx.statutory_by == CALENDAR.due_date(deadlines.statutory_by)
    assert ctx.statutory_by == date(2027, 1, 6)  # received 25 November 2026 + 6 weeks
    # Passing the instant itself would have promised a day too late:
    assert local_day(deadlines.statutory_by) == date(2027, 1, 7)
    rendered = render(LetterKind.ACKNOWLEDGEMENT, ctx, letter_key=domain.letter_key(first))
    assert rendered.message_id == f"<acknowledgement.{first.complaint_id}.1@klachten.local>"


def test_erased_personal_data_means_no_letter() -> None:
    complaint = submitted()
    first: ev.Submitted = complaint.pending_events[0].fact  # type: ignore[attr-defined]
    erased = ev.Submitted(**{**_fields(first), "personal": None, "erased": True})
    assert (
        domain.letter_context(
            LetterKind.ACKNOWLEDGEMENT, erased, erased, complaint, None, CALENDAR, HEAD
        )
        is None
    )


def test_subject_must_match_the_body() -> None:
    fact = submitted().pending_events[0].fact  # type: ignore[attr-defined]
    domain.check_subject(f"complaints.{fact.complaint_id}.1.submitted", fact)
    with pytest.raises(domain.Undeliverable):
        domain.check_subject(f"complaints.{uuid4()}.1.submitted", fact)
    with pytest.raises(domain.Undeliverable, match="behind"):
        domain.check_visible(
            ev.Responded(
                **{
                    **_fields(
                        fact,
                        "reference",
                        "channel",
                        "language",
                        "received_at",
                        "category",
                        "priority",
                        "subject_key",
                        "idempotency_key",
                        "personal",
                    ),
                    "version": 3,
                    "resolution": "unfounded",
                }
            ),
            2,
        )


def test_settings_from_env() -> None:
    settings = NotifierSettings.from_env(
        {
            "KLACHTEN_SMTP_RELAY_HOST": "smtp.example.nl",
            "KLACHTEN_SMTP_RELAY_PORT": "587",
            "KLACHTEN_SMTP_RELAY_STARTTLS": "true",
            "KLACHTEN_SMTP_RELAY_USER": "klachten",
            "KLACHTEN_SMTP_RELAY_PASSWORD": "s3cret",
            "KLACHTEN_DATA_DIR": "/var/lib/klachten",
        }
    )
    relay = settings.relay
    assert (relay.host, relay.port, relay.start_tls, relay.username) == (
        "smtp.example.nl",
        587,
        True,
        "klachten",
    )
    assert str(settings.maildir) == "/var/lib/klachten/mail"
    assert NotifierSettings().relay.port == 1025  # the embedded mail sink


def _fields(fact: ev.Event, *without: str) -> dict[str, object]:
    return {f: getattr(fact, f) for f in fact.__struct_fields__ if f not in without}
