"""Pure decisions of the notifier: which letter an event needs and what it says (what to do
when a delivery fails is shared/runtime/consumer.py's RetryPolicy). No faststream, nats, SMTP or
clock here: time is an argument."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from services.notifier.letter_words import ExternalRoute, policy_words
from services.notifier.letters import LetterContext, LetterKind, RefusedFile, RenderedLetter
from shared.config.calendar import BusinessCalendar
from shared.config.policy import policy_in_force
from shared.contract import events as ev
from shared.contract import subjects
from shared.privacy import replyaddress, statuslink
from shared.rules.complaint import Complaint

LETTER_OF_EVENT: dict[type[ev.Event], LetterKind] = {
    ev.Submitted: LetterKind.ACKNOWLEDGEMENT,
    ev.Responded: LetterKind.RESPONSE,
    ev.Escalated: LetterKind.ESCALATION_NOTICE,
    ev.Extended: LetterKind.EXTENSION_NOTICE,
    ev.Closed: LetterKind.CLOSURE,
    ev.ReactionReceived: LetterKind.REACTION_RECEIPT,
    ev.StatusLinkRequested: LetterKind.STATUS_LINK,
}


VISIBILITY_ATTEMPTS = 5


class Undeliverable(Exception):
    """This delivery can never lead to a letter: dead-letter it with `reason`.

    `attempts` is how many deliveries it gets first: 1 for garbage, more where the cause may be
    a replica that has not caught up yet (a complaint we cannot see yet).
    """

    def __init__(self, reason: str, attempts: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts


class NotYetVisible(Undeliverable):
    """The complaint as read does not hold the delivered event (yet): a replica catching up
    gets a few deliveries; with leader reads it is a message the log's recorder never wrote."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, attempts=VISIBILITY_ATTEMPTS)


class Unbuildable(Undeliverable):
    """The letter cannot be built from what the log holds (a bug or an old event no template
    fits): rebuilding it gives the same result, so it is dead-lettered at once, with an alert."""


def letter_for(event: ev.Event, complaint: Complaint) -> LetterKind | None:
    """The letter this event obliges us to send, or None (not a letter event, or moot)."""
    kind = LETTER_OF_EVENT.get(type(event))
    if isinstance(event, ev.ReactionReceived) and not _deserves_receipt(event):
        return None
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
        raise Undeliverable(f"subject {subject} does not match the body ({body})")


def check_visible(event: ev.Event, complaint_version: int | None) -> None:
    """We must see the complaint at least up to this event (a replica may lag: retry first)."""
    if complaint_version is None:
        raise NotYetVisible(f"complaint {event.complaint_id} is not visible yet")
    if complaint_version < event.version:
        raise NotYetVisible(
            f"complaint {event.complaint_id} is at version {complaint_version}, "
            f"behind event version {event.version}"
        )


@dataclass(frozen=True)
class Letterhead:
    """What the organisation says about itself in every letter."""

    organisation_name: str
    route: ExternalRoute | None = None
    # e.g. "http://127.0.0.1:8080/status/{complaint_id}/{token}" (the private link of
    # shared/privacy/statuslink.py) or ".../status?reference={reference}" (the lookup form).
    status_url_template: str = ""
    status_link_secret: bytes = b""
    # "<public url>/status/<id>/<token>/review" is the review link; replies go to the
    # per-complaint address <reply_mailbox>+<tag>@<mail_domain> (shared/privacy/replyaddress.py).
    public_url: str = "http://127.0.0.1:8080"
    reply_mailbox: str = "klachten"
    mail_domain: str = "klachten.local"
    attachment_max_mb: int = 10


def reply_to(letterhead: Letterhead, complaint_id: UUID) -> str:
    return replyaddress.reply_address(
        letterhead.status_link_secret, complaint_id, letterhead.reply_mailbox,
        letterhead.mail_domain,
    )  # fmt: skip


def own_url(letterhead: Letterhead, event: ev.Event) -> str:
    """The private status link, issued on the day of the event the letter answers (so a letter
    rendered again says the same link)."""
    path = statuslink.status_path(
        letterhead.status_link_secret, event.complaint_id, event.occurred_at
    )
    return f"{letterhead.public_url.rstrip('/')}{path}"


def letter_context(
    kind: LetterKind,
    event: ev.Event,
    submitted: ev.Submitted,
    complaint: Complaint,
    terms: ev.Terms,
    calendar: BusinessCalendar,
    letterhead: Letterhead,
) -> LetterContext | None:
    """What the letter may say, or None when the personal data needed was erased. `terms` are
    the dates recorded up to `event` (shared/rules/terms.py `current_terms`): a letter reads
    them, it never computes one. A complaint registered after its internal dates had passed
    (a late paper letter) is promised only the statutory date, never a day already past."""
    if submitted.personal is None or (_needs_text(kind) and _text(event) is None):
        return None
    personal = submitted.personal
    respond_by = None if terms.registered_late else terms.respond_by
    fields: dict[str, object] = {
        "complaint_id": str(submitted.complaint_id),
        "reference": submitted.reference,
        "language": submitted.language,
        "complainant_name": clean_line(personal.complainant.name),
        "complainant_email": personal.complainant.email,
        "subject": clean_line(personal.subject),
        "received_at": submitted.received_at,
        "organisation_name": letterhead.organisation_name,
        "respond_by": _day(respond_by, calendar),
        "statutory_by": _day(terms.statutory_by, calendar),
        "external_route": letterhead.route,
        "status_url": own_url(letterhead, event)
        if kind is LetterKind.STATUS_LINK
        else _status_url(letterhead, submitted, event),
        "review_url": own_url(letterhead, event) + "/review",
        "refused_files": [
            RefusedFile(
                filename=clean_line(f.filename) or "?",
                reason=f.reason,
                max_mb=letterhead.attachment_max_mb,
            )
            for f in personal.refused_attachments
        ],
    }
    fields.update(_event_fields(event, calendar))
    # Words from the policy in force, never codes: ladder, judgement, the category's body.
    policy = policy_in_force()[0]
    fields.update(policy_words(event, policy, submitted.category, submitted.language))
    return LetterContext(**fields)  # type: ignore[arg-type]


def _needs_text(kind: LetterKind) -> bool:
    return kind in (LetterKind.RESPONSE, LetterKind.EXTENSION_NOTICE)


def _text(event: ev.Event) -> str | None:
    return getattr(getattr(event, "personal", None), "text", None)


def _event_fields(event: ev.Event, calendar: BusinessCalendar) -> dict[str, object]:
    text = _text(event)
    match event:
        case ev.Responded():
            return {"response_text": text}
        case ev.Extended():
            return {
                "statutory_by": _day(event.previous_statutory_by, calendar),
                "extension_weeks": event.weeks,
                "extension_reason": text,
                "new_statutory_by": _day(
                    event.terms.statutory_by if event.terms else event.statutory_by, calendar
                ),
            }
        case ev.Escalated():
            return {
                "escalation_level": event.level,
                "escalation_target": event.target,
                "escalation_reason": text or event.reason,
                "escalation_respond_by": _day(
                    event.terms.respond_by if event.terms else event.respond_by, calendar
                ),
            }
        case ev.Closed():
            return {"closure_reason": text}
    return {}


def _day(deadline: datetime | None, calendar: BusinessCalendar) -> date | None:
    # A deadline is the first instant late (local midnight after the due day): letters state
    # the due day itself, never the day the deadline instant falls on.
    return None if deadline is None else calendar.due_date(deadline)


def _status_url(letterhead: Letterhead, submitted: ev.Submitted, event: ev.Event) -> str | None:
    template = letterhead.status_url_template
    if not template or ("{token}" in template and not letterhead.status_link_secret):
        return None
    secret = letterhead.status_link_secret
    token = statuslink.link_token(secret, submitted.complaint_id, event.occurred_at)
    return template.format(
        reference=submitted.reference, complaint_id=submitted.complaint_id, token=token
    )


def letter_record(rendered: RenderedLetter, sent_at: datetime) -> ev.LetterRecord:
    return ev.LetterRecord(
        kind=rendered.kind.value,  # type: ignore[arg-type]
        template=rendered.template_name,
        template_version=rendered.template_version,
        language=rendered.language,
        content_sha256=rendered.sha256,
        message_id=rendered.message_id,
        sent_at=sent_at,
    )


def record_event_id(message_id: str) -> UUID:
    """Deterministic id of the event recording a letter, so JetStream's dedupe sees doubles."""
    return uuid5(NAMESPACE_URL, f"klachten:letter:{message_id}")


def clean_line(text: str) -> str:
    """One readable line for a mail header or a letter, whatever an old event holds: control
    characters and line breaks become spaces, format characters (bidi overrides, zero-width)
    go. Intake refuses them in new complaints; events from before that still carry them."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        kept.append(" " if category in ("Cc", "Zl", "Zp") else char)
    return " ".join("".join(kept).split())
