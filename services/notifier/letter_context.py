"""What a letter may say (`letter_context`): the complaint's recorded facts and dates, the
organisation's letterhead, the complainant's private links and reply address, and the policy's
words. Pure: the policy, calendar and letterhead are arguments; no clock. A letter reads the
dates recorded in the log (shared/rules/terms.py `current_terms`); it never computes one.
What the public typed and a letter repeats (name, subject, file names) is `echoed`: one line,
its links defanged. (A little over 300 lines: what a letter may say is decided in one place;
the committee's and the Wkkgz route's fields are procedure_context.py's.)"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from services.notifier.letter_kinds import (
    TO_CONDUCT_SUBJECT,
    LetterContext,
    LetterKind,
    RefusedFile,
)
from services.notifier.letter_words import ExternalRoute, committee_name, policy_words
from services.notifier.procedure_context import NEEDS_PERSONAL, procedure_fields
from shared.config.policy import policy_in_force
from shared.contract import events as ev
from shared.privacy import replyaddress, statuslink, surveylink
from shared.rules.calendar import BusinessCalendar
from shared.rules.complaint import Complaint
from shared.rules.policy import Policy


@dataclass(frozen=True)
class Letterhead:
    """What the organisation says about itself in every letter."""

    organisation_name: str
    route: ExternalRoute | None = None
    # The return address on paper letters (lines; KLACHTEN_ORGANISATION_ADDRESS).
    organisation_address: str = ""
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
    # Who the klachtenfunctionaris is and how to reach them (KLACHTEN_COMPLAINTS_OFFICER).
    complaints_officer: str = ""


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
    policy: Policy | None = None,
    addressee: ev.ConductSubjectRecorded | None = None,
) -> LetterContext | None:
    """What the letter may say, or None when the personal data needed was erased. `terms` are
    the dates recorded up to `event` (shared/rules/terms.py `current_terms`): a letter reads
    them, it never computes one. A complaint registered after its internal dates had passed
    (a late paper letter) is promised only the statutory date, never a day already past.
    `addressee`: the person complained about, for the letters to them (TO_CONDUCT_SUBJECT)."""
    if submitted.personal is None or (_needs_text(kind) and _text(event) is None):
        return None
    if kind in NEEDS_PERSONAL and getattr(event, "personal", None) is None:
        return None
    if kind in TO_CONDUCT_SUBJECT and (addressee is None or addressee.personal is None):
        return None
    personal = submitted.personal
    respond_by = None if terms.registered_late else terms.respond_by
    fields: dict[str, object] = {
        "complaint_id": str(submitted.complaint_id),
        "reference": submitted.reference,
        "language": submitted.language,
        "complainant_name": echoed(personal.complainant.name),
        "complainant_email": personal.complainant.email,
        "complainant_address": personal.complainant.address,
        "organisation_address": letterhead.organisation_address or None,
        "subject": echoed(personal.subject),
        "received_at": submitted.received_at,
        "organisation_name": letterhead.organisation_name,
        "respond_by": _day(respond_by, calendar),
        "statutory_by": _day(terms.statutory_by, calendar),
        "external_route": letterhead.route,
        "status_url": own_url(letterhead, event)
        if kind in (LetterKind.STATUS_LINK, LetterKind.QUESTION)
        else _status_url(letterhead, submitted, event),
        "review_url": own_url(letterhead, event) + "/review",
        "refused_files": [
            RefusedFile(
                filename=echoed(f.filename) or "?",
                reason=f.reason,
                max_mb=letterhead.attachment_max_mb,
            )
            for f in personal.refused_attachments
        ],
    }
    if kind not in TO_CONDUCT_SUBJECT:
        fields.update(_representative(personal.representative))
    fields.update(_event_fields(event, calendar))
    # Words from the policy, never codes: ladder, judgement, the category's body.
    policy = policy or policy_in_force()[0]
    fields.update(policy_words(event, policy, submitted.category, submitted.language))
    facts = complaint.facts[: event.version]  # type: ignore[attr-defined]
    officer, lang = letterhead.complaints_officer, submitted.language
    fields.update(procedure_fields(kind, event, facts, policy, lang, calendar, officer))
    if kind is LetterKind.ACKNOWLEDGEMENT and terms.committee:  # Awb 9:15 lid 1, as recorded
        fields["committee_name"] = committee_name(terms.committee, policy, lang)
        fields["committee_advises"] = True
    if fields.get("closure_outcome") == "withdrawn":
        # The complainant ended it: nothing was decided to take to an external body.
        fields["external_route"] = None
    elif kind is LetterKind.CLOSURE:  # the survey after closure (issue 18 item 4)
        secret, url = letterhead.status_link_secret, letterhead.public_url
        fields["survey_url"] = surveylink.survey_url(url, secret, submitted.complaint_id)
    if kind in TO_CONDUCT_SUBJECT:
        assert addressee is not None and addressee.personal is not None
        fields.update(_to_conduct_subject(addressee.personal, personal, letterhead))
    return LetterContext(**fields)  # type: ignore[arg-type]


def _to_conduct_subject(
    person: ev.ConductSubjectPersonal, complaint: ev.SubmittedPersonal, letterhead: Letterhead
) -> dict[str, object]:
    """A letter to the person complained about: to their address, with the complaint as it
    came in (Awb 9:9: its text and the names of the files sent with it), and none of the
    complainant's private links (status page, review) or contact details."""
    return {
        "recipient_name": clean_line(person.name or ""),
        "recipient_email": (person.email or "").strip() or None,
        "recipient_role": clean_line(person.role or "") or None,
        "complaint_description": complaint.description,
        "desired_outcome": complaint.desired_outcome,
        "attachment_names": [echoed(a.filename) or "?" for a in complaint.attachments],
        "status_url": None,
        "review_url": None,
        "privacy_url": f"{letterhead.public_url.rstrip('/')}/privacy",
        "refused_files": [],
    }


def _representative(agent: ev.Representative | None) -> dict[str, object]:
    """The complainant's representative, when there is one to write to (issue 25): an e-mail
    address, else a postal one. One that cannot be reached (not accepted by intake; an old
    event) is left out, and the letter goes to the complainant as before."""
    email = (agent.email or "").strip() if agent else ""
    address = (agent.address or "").strip() if agent else ""
    name = echoed(agent.name) if agent else ""
    if not name or not (email or address_lines(address)):
        return {}
    return {
        "representative_name": name,
        "representative_email": email or None,
        "representative_address": address or None,
    }


def _needs_text(kind: LetterKind) -> bool:
    return kind in (
        LetterKind.RESPONSE,
        LetterKind.EXTENSION_NOTICE,
        LetterKind.INFORMAL_RESOLUTION,
        LetterKind.DECLINING,
        LetterKind.QUESTION,
        LetterKind.FOLLOW_UP_ANSWER,
    )


def _text(event: ev.Event) -> str | None:
    return getattr(getattr(event, "personal", None), "text", None)


def _event_fields(event: ev.Event, calendar: BusinessCalendar) -> dict[str, object]:
    text = _text(event)
    match event:
        case ev.Responded() | ev.FollowUpAnswered():
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
            return {"closure_reason": text, "closure_outcome": event.outcome}
        case ev.HearingInvited():
            where = event.personal
            return {
                "hearing_at": event.at,
                "hearing_mode": event.mode,
                "hearing_place": (clean_line(where.place or "") or None) if where else None,
                "hearing_note": where.note if where else None,
                "conduct_subject_invited": event.conduct_subject_invited,
            }
        case ev.ResolvedInformally():
            return {
                "informal_text": text,
                "confirmed_by": event.confirmed_by,
                "confirmed_at": event.confirmed_at,
            }
        case ev.Declined():
            return {"decline_grounds": list(event.grounds), "decline_explanation": text}
        case ev.QuestionAsked():
            return {"question_text": text}
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


def address_lines(address: str | None) -> list[str]:
    """A postal address as the lines of an address block: as typed, or a one-line address cut
    at its commas ("Dorpsstraat 1, 1234 AB Dorp"); every line cleaned, blank ones dropped."""
    raw = (address or "").replace("\r\n", "\n").replace("\r", "\n")
    parts = raw.split("\n") if "\n" in raw.strip() else raw.split(",")
    return [line for line in (clean_line(part) for part in parts) if line]


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


def echoed(text: str) -> str:
    """Text from the public as a letter repeats it: one clean line, links defanged."""
    return defang(clean_line(text))


# Mail programs make a link of anything that looks like one: a scheme, "www.", a bare domain
# ("evil.example/login"), an e-mail address. A stranger who typed one as their name or subject
# would have the organisation mail it, as a link, to any address they gave (phishing). So the
# text is defanged the way threat reports write indicators (CyberChef's "Defang URL", the
# ioc-fanger convention): "https://evil.example" -> "hxxps[://]evil[.]example". Still readable
# and restorable by hand; no client links it; applied twice it changes nothing. A dot before
# two letters (every TLD is letters, "xn--" included) is taken for a domain's: "St.Jansstraat"
# becomes "St[.]Jansstraat", a price paid rarely, and only in text the public typed. The
# addresses a letter is sent to are headers, never defanged.
_SCHEME = re.compile(r"(?i)\b(h)tt(ps?:)|\b(f)t(ps?:)")
_SEPARATOR = re.compile(r"(?<!\[)://")
# "." and the dots IDNA also reads as one ("evil\u3002example" is a link in a browser); a file
# type that is no TLD keeps its dot ("scan.pdf": a complainant should recognise their file).
_FILE_TYPES = "pdf|docx?|odt|rtf|txt|xlsx?|ods|jpe?g|png|gif|heic|tiff?|eml|msg"
_DOMAIN_DOT = re.compile(
    rf"(?<=[^\W_])[.\u3002\uff0e\uff61](?!(?i:{_FILE_TYPES})\b)(?=[^\W\d_]{{2}})"
)
_IP_ADDRESS = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")


def defang(text: str) -> str:
    """`text` with nothing a mail program would make a link of (see above)."""
    text = _SCHEME.sub(lambda m: f"{m[1]}xx{m[2]}" if m[1] else f"{m[3]}x{m[4]}", text)
    text = _SEPARATOR.sub("[://]", text)
    text = _IP_ADDRESS.sub(lambda m: m[0].replace(".", "[.]"), text)
    return _DOMAIN_DOT.sub("[.]", text)
