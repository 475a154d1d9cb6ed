"""Pure intake decisions: validating submissions and staff actions, references, staff roles.

Validation returns every problem at once as ``[{field, message}]`` in the caller's language
(nl or en), never the first one only. Nothing here does I/O or reads the clock.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

import email_validator

from shared.config.policy_file import Policy
from shared.contract import events as ev

Lang = Literal["nl", "en"]
FieldError = dict[str, str]

CHANNELS: tuple[str, ...] = ("web", "email", "phone", "letter", "api")
PUBLIC_CHANNELS = ("web", "api")
RESOLUTIONS: tuple[str, ...] = ("well_founded", "partly_well_founded", "unfounded", "no_judgement")
OUTCOMES: tuple[str, ...] = ("resolved", "not_handled", "withdrawn", "referred")
ESCALATION_REASONS = ("complainant_request", "staff_decision")
FUTURE_TOLERANCE = timedelta(minutes=5)  # clock skew between an agent's PC and ours
REFERENCE_PREFIX = "KL"
# Also the patterns of the OpenAPI document (services/intake/openapi.py), so written to mean the
# same in ECMA-262: no needless escapes, and the spaces Python's \s has beyond ECMA's spelt out.
EMAIL = re.compile(
    r'^[^@\s\x1c-\x1f\x85<>(),;:"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$'
)
# The longest texts a complaint may carry, in characters; the form states them up front.
TEXT_LIMITS = {"description": 20_000, "desired_outcome": 5_000}
PHONE = re.compile(r"^\+?[0-9 ()./-]{6,20}$")
_REFERENCE = re.compile(r"\bKL-([0-9]{4})-([0-9]{6,})\b", re.IGNORECASE | re.ASCII)  # ASCII digits
# Characters no name, subject or text needs: controls (C0, C1; a CR LF in a name breaks the
# letter's headers), bidi overrides and isolates (text that reads otherwise than it is stored)
# and zero-width characters (hidden in names and references). Multi-line texts keep \t, \n
# and \r (read as \n). Written for ECMA-262 too: the OpenAPI document uses them.
_SHOWN_WRONG = r"\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff"
UNSAFE_SINGLE_LINE = rf"[\x00-\x1f\x7f-\x9f\u2028\u2029{_SHOWN_WRONG}]"
UNSAFE_MULTI_LINE = rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_SHOWN_WRONG}]"
_UNSAFE = {True: re.compile(UNSAFE_MULTI_LINE), False: re.compile(UNSAFE_SINGLE_LINE)}
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")

MESSAGES: dict[str, dict[Lang, str]] = {
    "required": {"nl": "Dit veld is verplicht.", "en": "This field is required."},
    "key_reused": {
        "nl": "Deze Idempotency-Key is al gebruikt voor een verzoek met andere inhoud; "
        "gebruik een nieuwe sleutel voor een nieuw verzoek.",
        "en": "This Idempotency-Key was used before for a request with other content; "
        "use a new key for a new request.",
    },
    "string": {"nl": "Vul hier tekst in.", "en": "This must be text."},
    "object": {"nl": "Dit moet een object zijn.", "en": "This must be an object."},
    "integer": {"nl": "Vul een geheel getal in.", "en": "This must be a whole number."},
    "boolean": {"nl": "Dit moet waar of onwaar zijn.", "en": "This must be true or false."},
    "empty": {"nl": "Dit veld mag niet leeg zijn.", "en": "This field must not be empty."},
    "too_long": {
        "nl": "Gebruik hooguit {max} tekens.",
        "en": "Use at most {max} characters.",
    },
    "email": {
        "nl": "Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.",
        "en": "Enter a valid e-mail address, like name@example.com.",
    },
    "email_for_letters": {
        "nl": "Vul ook een e-mailadres in: wij sturen onze brieven over uw klacht nog alleen per "
        "e-mail, niet per post.",
        "en": "Please also enter an e-mail address: we send our letters about your complaint by "
        "e-mail only, not yet by post.",
    },
    "phone": {"nl": "Vul een geldig telefoonnummer in.", "en": "Enter a valid phone number."},
    "choice": {"nl": "Kies een van: {choices}.", "en": "Choose one of: {choices}."},
    "unknown_field": {"nl": "Onbekend veld.", "en": "Unknown field."},
    "datetime": {
        "nl": "Vul een tijdstip in volgens RFC 3339 met tijdzone (2026-01-31T14:00:00+01:00).",
        "en": "Enter a time in RFC 3339 with a time zone (2026-01-31T14:00:00+01:00).",
    },
    "future": {
        "nl": "Het tijdstip van ontvangst ligt in de toekomst.",
        "en": "The time of receipt lies in the future.",
    },
    "too_old": {
        "nl": "Het tijdstip van ontvangst ligt vóór 2000; controleer het jaartal.",
        "en": "The time of receipt lies before 2000; check the year.",
    },
    "staff_only": {
        "nl": "Alleen medewerkers mogen dit veld invullen.",
        "en": "Only staff may set this field.",
    },
    "channel_staff_only": {
        "nl": "Klachten via {channel} worden door medewerkers geregistreerd.",
        "en": "Complaints by {channel} are registered by staff.",
    },
    "json_object": {
        "nl": "Stuur een JSON-object.",
        "en": "Send a JSON object.",
    },
    "range": {
        "nl": "Kies een getal van {min} tot en met {max}.",
        "en": "Choose a number from {min} to {max}.",
    },
    "line_break": {
        "nl": "Gebruik hier één regel, zonder regeleinde.",
        "en": "Use a single line here, without a line break.",
    },
    "control_char": {
        "nl": "Dit veld bevat een stuurteken (een onzichtbaar teken zoals een NUL-teken); "
        "haal het weg.",
        "en": "This field contains a control character (an invisible character such as NUL); "
        "remove it.",
    },
    "bidi_char": {
        "nl": "Dit veld bevat een onzichtbaar teken dat de leesrichting van de tekst omdraait; "
        "haal het weg.",
        "en": "This field contains an invisible character that reverses the reading direction "
        "of the text; remove it.",
    },
    "invisible_char": {
        "nl": "Dit veld bevat een onzichtbaar teken zonder breedte; haal het weg.",
        "en": "This field contains an invisible zero-width character; remove it.",
    },
    "reason_needed": {
        "nl": "Geef een reden (Awb 9:8).",
        "en": "Give a reason (Awb 9:8).",
    },
    "no_priorities": {
        "nl": "Het klachtenbeleid kent geen prioriteiten; laat dit veld weg.",
        "en": "The complaints policy has no priorities; leave this field out.",
    },
    "uuid": {
        "nl": "Vul de id van het bericht in (een UUID, zoals in de tijdlijn).",
        "en": "Enter the id of the message (a UUID, as in the timeline).",
    },
    "no_such_message": {
        "nl": "Deze klacht heeft geen bericht met deze id.",
        "en": "This complaint has no message with this id.",
    },
    "not_reopenable": {
        "nl": "Alleen een afgesloten klacht die niet is ingetrokken of gewist, kan weer in "
        "behandeling worden genomen.",
        "en": "Only a closed complaint that was not withdrawn or erased can be reopened.",
    },
}
UUID_TEXT = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def message(key: str, lang: Lang, **values: Any) -> str:
    return MESSAGES[key][lang].format(**values)


def negotiate(accept_language: str | None, default: Lang = "nl") -> Lang:
    """The first of nl/en in an Accept-Language header, by q-value; else the default."""
    best: tuple[float, Lang] | None = None
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("nl", "en"):
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if best is None or q > best[0]:
            best = (q, primary)  # type: ignore[assignment]
    return best[1] if best else default


# --- submissions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    channel: ev.Channel
    language: ev.Language
    personal: ev.SubmittedPersonal
    received_at: datetime | None
    category: str | None
    priority: str | None = None  # staff only: a key of the policy's norms.priority


class _Checker:
    """Collects field errors while reading a JSON-like mapping."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.errors: list[FieldError] = []

    def add(self, field: str, key: str, **values: Any) -> None:
        self.errors.append({"field": field, "message": message(key, self.lang, **values)})

    def unknown(self, data: dict[str, Any], known: set[str], prefix: str = "") -> None:
        for name in data:
            if name not in known:
                self.add(f"{prefix}{name}", "unknown_field")

    def text(
        self,
        data: dict[str, Any],
        name: str,
        *,
        required: bool,
        max_len: int,
        prefix: str = "",
        multiline: bool = False,
    ) -> str | None:
        """A text field; single-line unless ``multiline`` (then CR LF and CR read as LF)."""
        field = f"{prefix}{name}"
        value = data.get(name)
        if value is None:
            if required:
                self.add(field, "required")
            return None
        if not isinstance(value, str):
            self.add(field, "string")
            return None
        if multiline:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        problem = unsafe_characters(value, multiline=multiline)
        if problem is not None:
            self.add(field, problem)
            return None
        if required and not value.strip():
            self.add(field, "empty")
            return None
        if len(value) > max_len:
            self.add(field, "too_long", max=max_len)
            return None
        return value.strip() or None

    def choice(
        self, data: dict[str, Any], name: str, choices: tuple[str, ...], *, required: bool
    ) -> str | None:
        value = data.get(name)
        if value is None:
            if required:
                self.add(name, "required")
            return None
        if not isinstance(value, str) or value not in choices:
            self.add(name, "choice", choices=", ".join(choices))
            return None
        return value

    def integer(self, data: dict[str, Any], name: str, lo: int, hi: int) -> int | None:
        value = data.get(name)
        if value is None:
            self.add(name, "required")
        elif isinstance(value, bool) or not isinstance(value, int):
            self.add(name, "integer")
        elif not lo <= value <= hi:
            self.add(name, "range", min=lo, max=hi)
        else:
            return value
        return None

    def boolean(self, data: dict[str, Any], name: str) -> bool:
        value = data.get(name, False)
        if not isinstance(value, bool):
            self.add(name, "boolean")
            return False
        return value


SUBMISSION_FIELDS = {
    "channel", "complainant", "subject", "description", "category", "desired_outcome",
    "received_at", "priority",
}  # fmt: skip
COMPLAINANT_FIELDS = {"name", "email", "phone", "language", "address"}


def validate_submission(
    data: Any, *, staff: bool, now: datetime, lang: Lang, priorities: tuple[str, ...] = ()
) -> tuple[Submission | None, list[FieldError]]:
    """``priorities``: the policy's norms.priority keys (staff may choose one at registration)."""
    c = _Checker(lang)
    if not isinstance(data, dict):
        c.add("body", "json_object")
        return None, c.errors
    c.unknown(data, SUBMISSION_FIELDS)
    channel = c.choice(data, "channel", CHANNELS, required=True)
    if channel is not None and not staff and channel not in PUBLIC_CHANNELS:
        c.add("channel", "channel_staff_only", channel=channel)
    person = data.get("complainant")
    name = email = phone = address = language = None
    if person is None:
        c.add("complainant", "required")
    elif not isinstance(person, dict):
        c.add("complainant", "object")
    else:
        p = "complainant."
        c.unknown(person, COMPLAINANT_FIELDS, p)
        name = c.text(person, "name", required=True, max_len=200, prefix=p)
        if _only_address(person):  # no letters by post yet: docs/decisions.md, issue 25
            c.add(p + "email", "email_for_letters")
        email = c.text(person, "email", required=not _only_address(person), max_len=254, prefix=p)
        if email is not None and not is_email(email):
            c.add(p + "email", "email")
        phone = c.text(person, "phone", required=False, max_len=40, prefix=p)
        if phone is not None and not PHONE.match(phone):
            c.add(p + "phone", "phone")
        address = c.text(person, "address", required=False, max_len=500, prefix=p, multiline=True)
        raw_language = person.get("language")
        if raw_language is not None and raw_language not in ("nl", "en"):
            c.add(p + "language", "choice", choices="nl, en")
        else:
            language = raw_language
    subject = c.text(data, "subject", required=True, max_len=200)
    description = c.text(
        data, "description", required=True, max_len=TEXT_LIMITS["description"], multiline=True
    )
    category = c.text(data, "category", required=False, max_len=100)
    desired = c.text(
        data,
        "desired_outcome",
        required=False,
        max_len=TEXT_LIMITS["desired_outcome"],
        multiline=True,
    )
    received_at = _received_at(c, data.get("received_at"), staff=staff, now=now)
    priority = _priority(c, data, staff=staff, priorities=priorities)
    if c.errors:
        return None, c.errors
    assert channel and name and email and subject and description
    personal = ev.SubmittedPersonal(
        complainant=ev.Complainant(name=name, email=email, phone=phone, address=address),
        subject=subject,
        description=description,
        desired_outcome=desired,
    )
    chosen: ev.Language = language or lang  # type: ignore[assignment]
    found = Submission(channel, chosen, personal, received_at, category, priority)  # type: ignore[arg-type]
    return found, []


EARLIEST_RECEIPT = datetime(2000, 1, 1, tzinfo=UTC)


def unsafe_characters(text: str, *, multiline: bool = False) -> str | None:
    """The message key for a kind of character the text may not hold, or None (see above)."""
    if not _UNSAFE[multiline].search(text):
        return None
    if not multiline and _LINE_BREAK.search(text):
        return "line_break"
    if _BIDI.search(text):
        return "bidi_char"
    return "invisible_char" if _INVISIBLE.search(text) else "control_char"


def clean_single_line(text: str) -> str:
    """A single line from text that arrived from elsewhere (a mail's display name or subject):
    line breaks and other controls become spaces, bidi and zero-width characters go, runs of
    space collapse. What is left passes ``unsafe_characters``."""
    text = _CONTROL.sub(" ", _BIDI.sub("", _INVISIBLE.sub("", text)))
    return " ".join(_LINE_BREAK.sub(" ", text).split())


def _received_at(c: _Checker, value: Any, *, staff: bool, now: datetime) -> datetime | None:
    if value is None:
        return None
    if not staff:
        c.add("received_at", "staff_only")
        return None
    moment = parse_rfc3339(value)
    if moment is None:
        c.add("received_at", "datetime")
    elif moment > now + FUTURE_TOLERANCE:
        c.add("received_at", "future")
    elif moment < EARLIEST_RECEIPT:
        c.add("received_at", "too_old")  # a typo in the year, not a complaint from antiquity
    else:
        return moment
    return None


def _priority(
    c: _Checker, data: dict[str, Any], *, staff: bool, priorities: tuple[str, ...]
) -> str | None:
    if data.get("priority") is None:
        return None
    if not staff:
        c.add("priority", "staff_only")
        return None
    if not priorities:
        c.add("priority", "no_priorities")
        return None
    return c.choice(data, "priority", priorities, required=False)


def parse_rfc3339(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


# --- staff actions --------------------------------------------------------------------------


def validate_response(data: Any, lang: Lang) -> tuple[dict[str, Any], list[FieldError]]:
    return _validate(data, lang, {"text", "resolution"}, _response_fields)


def validate_escalation(data: Any, lang: Lang) -> tuple[dict[str, Any], list[FieldError]]:
    known = {"reason", "level", "target", "text", "reaction_event_id"}
    return _validate(data, lang, known, _escalation_fields)


def validate_extension(data: Any, lang: Lang) -> tuple[dict[str, Any], list[FieldError]]:
    return _validate(data, lang, {"weeks", "reason", "with_consent"}, _extension_fields)


def validate_closure(data: Any, lang: Lang) -> tuple[dict[str, Any], list[FieldError]]:
    return _validate(data, lang, {"outcome", "note"}, _closure_fields)


def validate_pause(data: Any, lang: Lang) -> tuple[dict[str, Any], list[FieldError]]:
    """Waiting for the complainant: why (kept on the complaint, shown in the timeline)."""
    return _validate(data, lang, {"reason"}, _pause_fields)


def validate_resumption(data: Any, lang: Lang) -> tuple[dict[str, Any], list[FieldError]]:
    """Resuming the clock says nothing more (no body is fine, unknown fields are not)."""
    return _validate({} if data is None else data, lang, set(), lambda c, d: {})


def validate_reaction_handling(data: Any, lang: Lang) -> tuple[dict[str, Any], list[FieldError]]:
    """Marking a complainant's message handled: an optional note (no body is no note)."""
    return _validate({} if data is None else data, lang, {"note"}, _handling_fields)


def validate_reopening(data: Any, lang: Lang) -> tuple[dict[str, Any], list[FieldError]]:
    """Reopening a closed complaint: why (kept on the complaint), optionally from a message."""
    return _validate(data, lang, {"reason", "reaction_event_id"}, _reopening_fields)


def _validate(
    data: Any, lang: Lang, known: set[str], read: Any
) -> tuple[dict[str, Any], list[FieldError]]:
    c = _Checker(lang)
    if not isinstance(data, dict):
        c.add("body", "json_object")
        return {}, c.errors
    c.unknown(data, known)
    values = read(c, data)
    return values, c.errors


def _response_fields(c: _Checker, d: dict[str, Any]) -> dict[str, Any]:
    return {
        "text": c.text(d, "text", required=True, max_len=50_000, multiline=True),
        "resolution": c.choice(d, "resolution", RESOLUTIONS, required=True),
    }


def _escalation_fields(c: _Checker, d: dict[str, Any]) -> dict[str, Any]:
    level = None if d.get("level") is None else c.integer(d, "level", 1, 10)
    reaction = _reaction_id(c, d)
    # From a message the reason may be left out: the message says why (see the application).
    from_message = d.get("reaction_event_id") is not None
    return {
        "reaction_event_id": reaction,
        "reason": c.choice(d, "reason", ESCALATION_REASONS, required=not from_message),
        "level": level,
        "target": c.text(d, "target", required=False, max_len=100),
        "text": c.text(d, "text", required=False, max_len=20_000, multiline=True),
    }


def _extension_fields(c: _Checker, d: dict[str, Any]) -> dict[str, Any]:
    with_consent = c.boolean(d, "with_consent")
    return {
        # The policy's cap for the complaint's regime is the aggregate's rule (Awb 9:11 lid 2).
        "weeks": c.integer(d, "weeks", 1, 52),
        "reason": c.text(d, "reason", required=True, max_len=5_000, multiline=True),
        "with_consent": with_consent,
    }


def _closure_fields(c: _Checker, d: dict[str, Any]) -> dict[str, Any]:
    outcome = c.choice(d, "outcome", OUTCOMES, required=True)
    note = c.text(d, "note", required=False, max_len=20_000, multiline=True)
    if outcome == "not_handled" and not note:
        c.add("note", "reason_needed")
    return {"outcome": outcome, "note": note}


def _pause_fields(c: _Checker, d: dict[str, Any]) -> dict[str, Any]:
    return {"reason": c.text(d, "reason", required=True, max_len=5_000, multiline=True)}


def _handling_fields(c: _Checker, d: dict[str, Any]) -> dict[str, Any]:
    return {"note": c.text(d, "note", required=False, max_len=5_000, multiline=True)}


def _reopening_fields(c: _Checker, d: dict[str, Any]) -> dict[str, Any]:
    return {
        "reason": c.text(d, "reason", required=True, max_len=5_000, multiline=True),
        "reaction_event_id": _reaction_id(c, d),
    }


def _reaction_id(c: _Checker, d: dict[str, Any]) -> UUID | None:
    value = d.get("reaction_event_id")
    if value is None:
        return None
    if not isinstance(value, str) or not UUID_TEXT.match(value):
        c.add("reaction_event_id", "uuid")
        return None
    return UUID(value.strip())


def escalation_target(level: int, target: str | None, policy: Policy) -> str:
    """The target staff named, else the role of that level in the policy's ladder (the one
    source: the SLA monitor escalates to the same roles)."""
    found = policy.level(level)
    return target or (found.role if found else f"level_{level}")


# --- references -----------------------------------------------------------------------------


def format_reference(year: int, number: int) -> str:
    return f"{REFERENCE_PREFIX}-{year:04d}-{number:06d}"


def find_reference(text: str | None) -> str | None:
    """The first complaint reference in a text (a mail subject), normalised to upper case."""
    found = _REFERENCE.search(text or "")
    return found.group(0).upper() if found else None


def _only_address(person: dict[str, Any]) -> bool:
    """A postal address and no e-mail address: a way to reach the person we cannot use yet."""
    address, email = person.get("address"), person.get("email")
    return (
        isinstance(address, str)
        and bool(address.strip())
        and not (isinstance(email, str) and email.strip())
    )


def is_email(text: str) -> bool:
    """An address of the documented ASCII pattern, or an internationalised one
    (``jan@münchen.de``, RFC 6531) as email-validator reads it, without asking DNS."""
    if EMAIL.match(text):
        return True
    try:
        email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return False
    return True


def is_reference(text: str) -> bool:
    return bool(_REFERENCE.fullmatch(text))


def same_email(given: str, stored: str) -> bool:
    """Constant-time comparison of two addresses, ignoring case and surrounding space."""
    return hmac.compare_digest(
        given.strip().casefold().encode(), stored.strip().casefold().encode()
    )


def complaint_of_letter(message_ids: str | None, mail_domain: str) -> str | None:
    """The complaint id in a Message-ID of one of our letters (``<kind.<id>.key@domain>``),
    searched in an In-Reply-To or References header; the most recent one counts."""
    pattern = re.compile(
        r"<[A-Za-z0-9_-]+\.([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
        r"[0-9a-fA-F]{12})\.[^@<>\s]*@" + re.escape(mail_domain) + ">"
    )
    found = pattern.findall(message_ids or "")
    return found[-1].lower() if found else None


def dmarc_verified(results: str, trusted: frozenset[str], sender: str) -> bool:
    """Does an ``Authentication-Results`` header (RFC 8601) of an MTA we trust say the
    sender's domain passed DMARC, aligned with the From address?

    Only the topmost header is given (the one our own MTA added); trusting its authserv-id
    means trusting that MTA to remove headers with its id that arrived with the message
    (RFC 8601 section 5).
    """
    authserv, _, rest = _COMMENT.sub("", results).partition(";")
    if not trusted or authserv.strip().split(" ")[0].lower() not in trusted:
        return False
    domain = sender.rpartition("@")[2].casefold()
    for result in rest.split(";"):
        found = _DMARC.search(result)
        if found and found["result"].lower() == "pass":
            header_from = found["from"] or ""
            if header_from and header_from.strip().casefold() == domain:
                return True
    return False


_COMMENT = re.compile(r"\([^()]*\)")
_DMARC = re.compile(
    r"^\s*dmarc\s*=\s*(?P<result>\w+)(?:.*?\bheader\.from\s*=\s*(?P<from>[^\s;]+))?",
    re.IGNORECASE | re.DOTALL,
)


def review_level(is_open: bool, level: int, top_level: int) -> int | None:
    """The complainant's explicit request for review (the link in every letter and on the
    status page) moves an open complaint, also one that waits for the complainant, to the next
    level of the ladder when there is one (Awb 9:12: the next handler). None: record it only.
    A reply by mail never asks by itself; a handler who reads one may escalate from it."""
    return level + 1 if is_open and level < top_level else None
