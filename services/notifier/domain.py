"""Pure decisions of the notifier: whether a delivered event is what it claims, which letters
it obliges us to send and to whom (the complainant; the person complained about for Awb 9:9 and
9:11 lid 2), what they say, and how their sending is recorded (`letters_to_send` decides it
all; application.py does the reading, sending and appending around it). No faststream, nats,
SMTP or clock here: the policy and time are arguments. A message that can never lead to a
letter raises `Hopeless` (shared/runtime/verdicts.py), or a kind of it.
(About 340 lines: which letters, to whom, on paper or not, and their record are one decision,
kept whole.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec

from services.notifier.letter_context import (
    Letterhead,
    address_lines,
    letter_context,
    reply_to,
)
from services.notifier.letter_kinds import TO_CONDUCT_SUBJECT, LetterKind
from services.notifier.letters import RenderedLetter, render
from shared.contract import events as ev
from shared.contract import subjects
from shared.rules.calendar import BusinessCalendar
from shared.rules.complaint import Cause, Complaint, IllegalTransition
from shared.rules.policy import Policy
from shared.rules.terms import current_terms
from shared.runtime.verdicts import Hopeless

LETTER_OF_EVENT: dict[type[ev.Event], LetterKind] = {
    ev.Submitted: LetterKind.ACKNOWLEDGEMENT,
    ev.Responded: LetterKind.RESPONSE,
    ev.Escalated: LetterKind.ESCALATION_NOTICE,
    ev.Extended: LetterKind.EXTENSION_NOTICE,
    ev.Closed: LetterKind.CLOSURE,
    ev.ReactionReceived: LetterKind.REACTION_RECEIPT,
    ev.StatusLinkRequested: LetterKind.STATUS_LINK,
    ev.HearingInvited: LetterKind.HEARING_INVITATION,
    ev.ResolvedInformally: LetterKind.INFORMAL_RESOLUTION,
    ev.Declined: LetterKind.DECLINING,
    ev.ConductSubjectRecorded: LetterKind.CONDUCT_SUBJECT_COPY,  # to that person (Awb 9:9)
    ev.QuestionAsked: LetterKind.QUESTION,  # answered on the status page (issue 25)
    ev.FollowUpAnswered: LetterKind.FOLLOW_UP_ANSWER,  # after the answer (issue 17)
    # The advisory committee (Awb 9.1.3) and the Wkkgz route (issue 16 items 6 and 7).
    ev.ReferredToCommittee: LetterKind.COMMITTEE_REFERRAL,
    ev.MediationRecorded: LetterKind.MEDIATION,
    ev.MeasuresPromised: LetterKind.MEASURES,
}
# What each person complained about is told besides the complainant: an extension (Awb 9:11
# lid 2) and the referral to the advisory committee (afdeling 9.1.3).
CONDUCT_SUBJECT_NOTICE: dict[type[ev.Event], LetterKind] = {
    ev.Extended: LetterKind.CONDUCT_SUBJECT_EXTENSION_NOTICE,
    ev.ReferredToCommittee: LetterKind.CONDUCT_SUBJECT_COMMITTEE_REFERRAL,
}


ACTOR = "notifier"
VISIBILITY_ATTEMPTS = 5


class LetterOutcome(StrEnum):
    """How one delivered event ended for the notifier (counted per event type in metrics)."""

    SENT = "sent"
    RECORDED = "recorded"  # accepted by the relay before; only the record step was left
    ALREADY_RECORDED = "already_recorded"
    NOT_NEEDED = "not_needed"
    ERASED = "erased"
    # A letter to the person complained about, who has no e-mail address on record: logged
    # for the handler to send it another way (the log has no event for a letter not sent).
    NO_ADDRESS = "no_address"


class NotYetVisible(Hopeless):
    """The complaint as read does not hold the delivered event (yet): a replica catching up
    gets a few deliveries; with leader reads it is a message the log's recorder never wrote."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, attempts=VISIBILITY_ATTEMPTS)


class Unbuildable(Hopeless):
    """The letter cannot be built from what the log holds (a bug or an old event no template
    fits): rebuilding it gives the same result, so it is dead-lettered at once, with an alert."""


def letter_for(event: ev.Event, complaint: Complaint) -> LetterKind | None:
    """The letter this event obliges us to send, or None (not a letter event, or moot)."""
    kind = LETTER_OF_EVENT.get(type(event))
    if complaint.outcome == "duplicate":  # handled, and written to, in the complaint it repeats
        return None
    if isinstance(event, ev.ReactionReceived) and not _deserves_receipt(event):
        return None
    if isinstance(event, ev.ConductSubjectRecorded) and not event.employee_named:
        return None  # a unit only: no person to send the copy to
    if kind is LetterKind.ACKNOWLEDGEMENT and (complaint.acknowledged or not complaint.is_open):
        # Acknowledged already, or closed (e.g. withdrawn) before we got to it: the closure
        # letter is then the one the complainant needs.
        return None
    return kind


def _deserves_receipt(event: ev.ReactionReceived) -> bool:
    """Only the complainant's own e-mail gets a receipt: an unverified message may come from
    anyone (a receipt would tell a stranger about the complaint) and an auto-reply answered
    starts a mail loop."""
    return event.verified and not event.auto_reply and event.channel == "email"


def letter_key(event: ev.Event) -> str:
    """Tells letters of one kind apart: the causing event's version (stable across retries)."""
    return str(event.version)


def check_subject(subject: str, event: ev.Event) -> None:
    """The message must be the event it claims to be."""
    token = ev.subject_token(type(event))
    expected = subjects.event_subject(event.complaint_id, event.version, token)
    if subject != expected:
        body = expected.removeprefix("complaints.")
        raise Hopeless(f"subject {subject} does not match the body ({body})")


def check_visible(event: ev.Event, complaint_version: int | None) -> None:
    """We must see the complaint at least up to this event (a replica may lag: retry first)."""
    if complaint_version is None:
        raise NotYetVisible(f"complaint {event.complaint_id} is not visible yet")
    if complaint_version < event.version:
        raise NotYetVisible(
            f"complaint {event.complaint_id} is at version {complaint_version}, "
            f"behind event version {event.version}"
        )


def decode(subject: str, data: bytes) -> ev.Event:
    """The delivered event, if it is one and it is the event its subject says."""
    try:
        event = ev.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise Hopeless(f"undecodable event: {error}") from error
    check_subject(subject, event)
    return event


@dataclass(frozen=True)
class Planned:
    """A letter an event obliges: its kind, its key (tells letters of one kind apart) and, for
    the letters to the person complained about, the fact that recorded them (else None: the
    letter is to the complainant)."""

    kind: LetterKind
    key: str
    addressee: ev.ConductSubjectRecorded | None = None


def letters_for(event: ev.Event, complaint: Complaint) -> list[Planned]:
    """Every letter this event obliges: the complainant's (or, for a recorded person
    complained about, their copy of the complaint, Awb 9:9), and for an extension or a
    referral to the committee the notice to each person complained about recorded before it
    (Awb 9:11 lid 2, afdeling 9.1.3)."""
    planned = []
    kind = letter_for(event, complaint)
    if kind is not None:
        addressee = event if isinstance(event, ev.ConductSubjectRecorded) else None
        planned.append(Planned(kind, letter_key(event), addressee))
    notice = CONDUCT_SUBJECT_NOTICE.get(type(event))
    if notice is not None:
        for person in conduct_subjects(complaint.facts[: event.version]):  # type: ignore[attr-defined]
            key = f"{letter_key(event)}-{person.version}"
            planned.append(Planned(notice, key, person))
    return planned


def conduct_subjects(facts: list[ev.Event]) -> list[ev.ConductSubjectRecorded]:
    """The persons complained about, once each (the latest record of the same address or
    staff reference counts); a unit without a person gets no letters."""
    latest: dict[str, ev.ConductSubjectRecorded] = {}
    for fact in facts:
        if isinstance(fact, ev.ConductSubjectRecorded) and fact.employee_named:
            person = fact.personal
            who = ((person.email or person.employee or "") if person else "").strip().casefold()
            key = who or str(fact.event_id)
            latest.pop(key, None)  # the latest record of a person, at its place in time
            latest[key] = fact
    return list(latest.values())


@dataclass(frozen=True)
class Letter:
    """A letter to send: what it says, to whom, and what its record must carry."""

    rendered: RenderedLetter
    recipient_name: str
    reply_to: str | None  # the complaint's reply address; None in letters to others
    deadlines: ev.Terms | None  # the dates an acknowledgement records; None for other letters
    # A paper letter (rendered.delivery "post"): the address block's lines under the name.
    address: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """A paper letter as put in the post room: its PDF's SHA-256 and the layout's version."""

    sha256: str
    layout_version: str


def letters_to_send(
    event: ev.Event,
    complaint: Complaint | None,
    submitted: ev.Submitted | None,
    policy: Policy,
    calendar: BusinessCalendar,
    letterhead: Letterhead,
) -> list[Letter | LetterOutcome]:
    """Each letter `event` obliges us to send now, or why it does not go: not needed,
    personal data erased, no address, or sent and recorded already. `complaint` and
    `submitted` are as read after the event was delivered (None: not visible). Building a
    letter gives the same result every time, so one that cannot be built is `Unbuildable`
    (dead-lettered at once; the letters recorded before it are not sent again)."""
    check_visible(event, complaint.version if complaint else None)
    assert complaint is not None
    planned = letters_for(event, complaint)
    if not planned:
        return [LetterOutcome.NOT_NEEDED]
    if submitted is None:
        raise Hopeless(f"complaint {event.complaint_id} has no submission event")
    facts = _Facts(event, submitted, complaint, policy, calendar, letterhead)
    return [_to_send(letter, facts) for letter in planned]


@dataclass(frozen=True)
class _Facts:
    """What every letter of one event is built from."""

    event: ev.Event
    submitted: ev.Submitted
    complaint: Complaint
    policy: Policy
    calendar: BusinessCalendar
    letterhead: Letterhead


def _to_send(planned: Planned, facts: _Facts) -> Letter | LetterOutcome:
    person = planned.addressee.personal if planned.addressee else None
    if person is not None and not (person.email or "").strip():
        return LetterOutcome.NO_ADDRESS
    try:
        letter = _build(planned, facts)
    except OSError:
        raise  # reading a template file: not the letter's fault
    except Exception as error:
        raise Unbuildable(
            f"cannot build the {planned.kind} letter: {type(error).__name__}: {error}"
        ) from error
    if letter is None:
        return LetterOutcome.ERASED
    if letter.rendered.message_id in facts.complaint.letters:
        return LetterOutcome.ALREADY_RECORDED
    return letter


def overall(outcomes: list[LetterOutcome]) -> LetterOutcome:
    """One outcome for the event (its metric): sent when any letter went now, recorded when
    any was recorded now, else the first letter's."""
    for done in (LetterOutcome.SENT, LetterOutcome.RECORDED):
        if done in outcomes:
            return done
    return outcomes[0]


def _build(planned: Planned, facts: _Facts) -> Letter | None:
    event, complaint, calendar, policy = facts.event, facts.complaint, facts.calendar, facts.policy
    # The dates recorded up to this event; the acknowledgement copies them into the log.
    terms = current_terms(complaint.facts[: event.version], policy, calendar)  # type: ignore[attr-defined]
    kind, to_complainant = planned.kind, planned.kind not in TO_CONDUCT_SUBJECT
    ctx = letter_context(
        kind, event, facts.submitted, complaint, terms, calendar, facts.letterhead, policy,
        planned.addressee,
    )  # fmt: skip
    if ctx is None:
        return None
    return Letter(
        rendered=render(kind, ctx, letter_key=planned.key),
        recipient_name=ctx.addressee_name,
        # A reply to the complaint's address counts as the complainant's own (intake verifies
        # it so): never in a letter to anyone else.
        reply_to=reply_to(facts.letterhead, event.complaint_id) if to_complainant else None,
        deadlines=terms if kind is LetterKind.ACKNOWLEDGEMENT else None,
        address=tuple(address_lines(ctx.addressee_address)) if ctx.by_post else (),
    )


def record_sent(
    complaint: Complaint,
    event: ev.Event,
    letter: Letter,
    sent_at: datetime,
    now: datetime,
    document: Document | None = None,
) -> None:
    """Record on `complaint` that `letter`, which `event` obliged, was accepted by the relay
    (or, on paper, `document` put in the post room) at `sent_at`: an acknowledgement records
    the dates it stated; any other letter, or one that crossed a closure on its way, is
    recorded as a letter."""
    record = letter_record(letter.rendered, sent_at, document)
    cause = Cause(
        actor=ACTOR,
        correlation_id=event.complaint_id,
        causation_id=event.event_id,
        event_id=record_event_id(letter.rendered.message_id),
    )
    terms = letter.deadlines
    if terms is not None:
        try:
            complaint.acknowledge(
                letter=record,
                acknowledge_by=terms.acknowledge_by,
                respond_by=terms.respond_by or terms.statutory_by,
                statutory_by=terms.statutory_by,
                terms=terms,
                now=now,
                cause=cause,
            )
            return
        except IllegalTransition:
            # Closed while the letter was on its way: it was sent, so it is still recorded,
            # as a letter rather than as an acknowledgement.
            pass
    complaint.record_letter(letter=record, cause_event_id=event.event_id, now=now, cause=cause)


def letter_record(
    rendered: RenderedLetter, sent_at: datetime, document: Document | None = None
) -> ev.LetterRecord:
    """The proof: on paper also the PDF's hash, and the layout that printed it next to the
    templates' version (`<templates>+pdf.<layout>`)."""
    layout = f"+pdf.{document.layout_version}" if document else ""
    return ev.LetterRecord(
        kind=rendered.kind.value,  # type: ignore[arg-type]
        template=rendered.template_name,
        template_version=rendered.template_version + layout,
        language=rendered.language,
        content_sha256=rendered.sha256,
        message_id=rendered.message_id,
        sent_at=sent_at,
        delivery="post" if document else "email",
        document_sha256=document.sha256 if document else None,
        subject=rendered.subject,  # the status page lists every letter by it (issue 25)
    )


def record_event_id(message_id: str) -> UUID:
    """Deterministic id of the event recording a letter, so JetStream's dedupe sees doubles."""
    return uuid5(NAMESPACE_URL, f"klachten:letter:{message_id}")
