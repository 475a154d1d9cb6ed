"""Pure decisions of the notifier: which letter, what it states, what to do on failure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from services.notifier import domain
from services.notifier import letter_context as context
from services.notifier.letter_context import Letterhead
from services.notifier.letters import LetterKind, render
from services.notifier.settings import NotifierSettings
from shared.config.calendar import business_calendar
from shared.config.policy import DEFAULT_POLICY_FILE
from shared.config.policy_file import load_policy
from shared.contract import events as ev
from shared.privacy import replyaddress
from shared.rules.clocks import clock_state
from shared.rules.complaint import Cause
from shared.rules.terms import current_terms, registration_terms
from shared.runtime import words
from shared.runtime.verdicts import Hopeless
from tests.support.domain import NOW, letter, submitted

CALENDAR = business_calendar("NL")
POLICY = load_policy(DEFAULT_POLICY_FILE)
HEAD = Letterhead(organisation_name="Gemeente Voorbeeld", status_link_secret=b"s3cret")
STAFF = Cause(actor="staff:ann")


def terms_of(complaint: object) -> ev.Terms:
    """The dates recorded so far (completed from the shipped policy for these old-style facts)."""
    return current_terms(complaint.facts, POLICY, CALENDAR)  # type: ignore[attr-defined]


def test_stated_deadlines_skip_weekends_and_holidays_and_run_six_weeks() -> None:
    received = datetime(2026, 4, 20, 9, 30, tzinfo=UTC)  # Monday; King's Day is 27 April
    deadlines = terms_of(submitted(received_at=received, now=received))
    # 10 business days: 21-24 Apr, 28-30 Apr, 1 May, 4 and 6 May (27 Apr, 5 May: ATW holidays).
    assert CALENDAR.due_date(deadlines.respond_by) == date(2026, 5, 6)
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
    deadlines = terms_of(complaint)
    ctx = context.letter_context(
        LetterKind.ACKNOWLEDGEMENT, first, first, complaint, deadlines, CALENDAR, HEAD
    )
    assert ctx is not None
    assert ctx.statutory_by == CALENDAR.due_date(deadlines.statutory_by)
    assert ctx.statutory_by == date(2027, 1, 6)  # received 25 November 2026 + 6 weeks
    # Passing the instant itself would have promised a day too late:
    assert words.day_of(deadlines.statutory_by) == date(2027, 1, 7)
    rendered = render(LetterKind.ACKNOWLEDGEMENT, ctx, letter_key=domain.letter_key(first))
    assert rendered.message_id == f"<acknowledgement.{first.complaint_id}.1@klachten.local>"


def test_erased_personal_data_means_no_letter() -> None:
    complaint = submitted()
    first: ev.Submitted = complaint.pending_events[0].fact  # type: ignore[attr-defined]
    erased = ev.Submitted(**{**_fields(first), "personal": None, "erased": True})
    assert (
        context.letter_context(
            LetterKind.ACKNOWLEDGEMENT,
            erased,
            erased,
            complaint,
            terms_of(complaint),
            CALENDAR,
            HEAD,
        )
        is None
    )


def test_subject_must_match_the_body() -> None:
    fact = submitted().pending_events[0].fact  # type: ignore[attr-defined]
    domain.check_subject(f"complaints.{fact.complaint_id}.1.submitted", fact)
    with pytest.raises(Hopeless):
        domain.check_subject(f"complaints.{uuid4()}.1.submitted", fact)
    # A complaint read behind its delivered event is a replica catching up: retried, never
    # dead-lettered (a lagging replica once dead-lettered acknowledgements).
    with pytest.raises(domain.NotYetVisible, match="behind"):
        domain.check_visible(
            ev.Responded(
                **{
                    **_shared_fields(fact, ev.Responded),
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


def _shared_fields(fact: ev.Event, into: type[ev.Event]) -> dict[str, object]:
    """The fields of `fact` that an event of type `into` has too (its envelope)."""
    return {f: getattr(fact, f) for f in into.__struct_fields__ if hasattr(fact, f)}


def _fields(fact: ev.Event, *without: str) -> dict[str, object]:
    return {f: getattr(fact, f) for f in fact.__struct_fields__ if f not in without}


def _reaction(**changes: object) -> tuple[ev.ReactionReceived, object]:
    complaint = submitted()
    complaint.record_reaction(text="Dank u, maar ik wacht nog steeds.", disagrees=False,
                              channel="email", now=NOW, cause=STAFF, **changes)  # fmt: skip
    return complaint.pending_events[-1].fact, complaint  # type: ignore[attr-defined]


def test_only_the_complainants_own_mail_gets_a_receipt() -> None:
    event, complaint = _reaction(verified=True, verified_by="reply_address")
    assert domain.letter_for(event, complaint) is LetterKind.REACTION_RECEIPT  # type: ignore[arg-type]
    for changes in ({"verified": False, "sender": "x@evil.example"}, {"auto_reply": True}):
        event, complaint = _reaction(**changes)
        assert domain.letter_for(event, complaint) is None  # type: ignore[arg-type]


def test_the_receipt_never_quotes_the_message() -> None:
    event, complaint = _reaction(verified=True, verified_by="reply_address")
    first = complaint.pending_events[0].fact  # type: ignore[attr-defined]
    ctx = context.letter_context(
        LetterKind.REACTION_RECEIPT,
        event,
        first,
        complaint,
        terms_of(complaint),
        CALENDAR,
        HEAD,  # type: ignore[arg-type]
    )
    assert ctx is not None
    text = render(LetterKind.REACTION_RECEIPT, ctx, letter_key="2").text
    assert "wacht nog steeds" not in text


def test_every_letter_names_its_reply_address_and_review_link() -> None:
    complaint = submitted()
    first: ev.Submitted = complaint.pending_events[0].fact  # type: ignore[attr-defined]
    address = context.reply_to(HEAD, first.complaint_id)
    assert replyaddress.complaint_of_reply_address(b"s3cret", address) == first.complaint_id
    assert address.startswith("klachten+") and address.endswith("@klachten.local")
    ctx = context.letter_context(
        LetterKind.ACKNOWLEDGEMENT, first, first, complaint, terms_of(complaint), CALENDAR, HEAD
    )
    assert ctx is not None and ctx.review_url is not None
    assert ctx.review_url.startswith(f"http://127.0.0.1:8080/status/{first.complaint_id}/")
    assert ctx.review_url.endswith("/review")


def test_control_characters_never_reach_a_header_or_a_letter() -> None:
    assert context.clean_line("Jan\r\nBcc: x@evil.example") == "Jan Bcc: x@evil.example"
    assert context.clean_line("Piet\u202egnp.exe\u200b\x00") == "Pietgnp.exe"
    assert context.clean_line("\u2028 a \t b ") == "a b"


def test_refused_files_come_from_the_submission() -> None:
    complaint = submitted()
    first: ev.Submitted = complaint.pending_events[0].fact  # type: ignore[attr-defined]
    assert first.personal is not None
    refused = ev.RefusedAttachment(
        filename="foto\r\n.heic", declared_type="image/heic", size=10, reason="type_not_accepted"
    )
    personal = ev.SubmittedPersonal(
        **{**_fields(first.personal), "refused_attachments": [refused]}  # type: ignore[arg-type]
    )
    with_refusal = ev.Submitted(**{**_fields(first), "personal": personal})
    ctx = context.letter_context(
        LetterKind.ACKNOWLEDGEMENT,
        with_refusal,
        with_refusal,
        complaint,
        terms_of(complaint),
        CALENDAR,
        HEAD,
    )
    assert ctx is not None
    assert [(f.filename, f.reason, f.max_mb) for f in ctx.refused_files] == [
        ("foto .heic", "type_not_accepted", 10)
    ]
    assert UUID(ctx.complaint_id) == first.complaint_id


def test_a_late_paper_letter_is_promised_no_day_already_past() -> None:
    # Received 2 March, registered 30 March: the 10-day internal norm ended 16 March. The
    # acknowledgement used to promise that day; now it states only the statutory end.
    received, now = datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 30, 9, tzinfo=UTC)
    complaint = submitted(received_at=received, now=now, channel="letter")
    first: ev.Submitted = complaint.pending_events[0].fact  # type: ignore[attr-defined]
    terms = registration_terms(clock_state([first]), POLICY, CALENDAR, now)
    assert terms.registered_late
    ctx = context.letter_context(
        LetterKind.ACKNOWLEDGEMENT, first, first, complaint, terms, CALENDAR, HEAD
    )
    assert ctx is not None and ctx.respond_by is None
    assert ctx.statutory_by == date(2026, 4, 13)
    rendered = render(LetterKind.ACKNOWLEDGEMENT, ctx, letter_key="1")
    assert all(day >= date(2026, 3, 30) for day in rendered.stated_dates.values())
