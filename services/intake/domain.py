"""Pure intake decisions: what a request may say beyond its types (staff-only fields, a time
of receipt, the policy's priorities, a reason for declining), escalation, references, mail.

The request bodies are msgspec Structs (services/intake/bodies.py) read by
services/intake/reading.py; the rules here add what msgspec cannot say, and every problem is
answered at once as ``[{field, message}]`` in the caller's language. Nothing here does I/O or
reads the clock: the moment and the policy are arguments. (A little above 300 lines: the
reply-mail checks, threading and DMARC, are the next to move out.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

import email_validator

from services.intake import bodies
from services.intake.bodies import EMAIL, PHONE, PUBLIC_CHANNELS
from services.intake.problems import FieldError, Lang
from services.intake.reading import Check, Problem, Rules, read
from shared.contract import events as ev
from shared.privacy import pseudonym
from shared.rules.calendar import BusinessCalendar
from shared.rules.complaint import Cause, Complaint
from shared.rules.policy import Policy
from shared.rules.steps import LEEWAY
from shared.rules.terms import escalation_terms

if TYPE_CHECKING:  # the organisation file is looked up by the caller; only its shape here
    from shared.config.organisation import Organisation

FUTURE_TOLERANCE = timedelta(minutes=5)  # clock skew between an agent's PC and ours
EARLIEST_RECEIPT = datetime(2000, 1, 1, tzinfo=UTC)
REFERENCE_PREFIX = "KL"
_REFERENCE = re.compile(r"\bKL-([0-9]{4})-([0-9]{6,})\b", re.IGNORECASE | re.ASCII)  # ASCII digits
SUBMISSION_FIELDS = set(bodies.SubmissionBody.__struct_fields__)
COMPLAINANT_FIELDS = set(bodies.ComplainantBody.__struct_fields__)


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
    """A complaint as it will be registered: checked, in the contract's types."""

    channel: ev.Channel
    language: ev.Language
    personal: ev.SubmittedPersonal
    received_at: datetime | None
    category: str | None
    priority: str | None = None  # staff only: a key of the policy's norms.priority
    event_date: date | None = None  # the day the matter happened (issue 25)
    department: str | None = None  # the department involved, from the organisation file


def validate_submission(
    data: Any,
    *,
    staff: bool,
    now: datetime,
    lang: Lang,
    priorities: tuple[str, ...] = (),
    departments: frozenset[str] | None = None,
    themes: tuple[str, ...] | None = None,
    staff_categories: tuple[str, ...] | None = None,
) -> tuple[Submission | None, list[FieldError]]:
    """``priorities``: the policy's norms.priority keys (staff may choose one at registration);
    ``departments``: the organisation file's (None: not checked); ``themes``: the vocabulary's
    offered themes, the only categories the public may suggest; ``staff_categories``: the list
    staff choose from (shared/rules/learning.py staff_categories; None: not checked). A
    category is never free text: it stays outside the seal (docs/security.md)."""
    rules = _submission_rules(staff, now, priorities, departments)
    chosen = staff_categories if staff else themes
    if chosen is not None:  # the public suggests from the list, staff choose from theirs
        rules = replace(rules, values={**rules.values, "category": _one_of(chosen)})
    body, errors = read(bodies.SubmissionBody, data, lang, rules)
    if body is None:
        return None, errors
    person = body.complainant
    agent = body.representative
    personal = ev.SubmittedPersonal(
        complainant=ev.Complainant(
            name=person.name, email=person.email or "", phone=person.phone, address=person.address
        ),
        subject=body.subject,
        description=body.description,
        desired_outcome=body.desired_outcome,
        representative=ev.Representative(
            name=agent.name,
            relation=agent.relation,
            email=agent.email,
            phone=agent.phone,
            address=agent.address,
        )
        if agent
        else None,
    )
    received_at = parse_rfc3339(body.received_at) if body.received_at else None
    chosen: ev.Language = person.language or lang
    return Submission(
        body.channel,
        chosen,
        personal,
        received_at,
        body.category,
        body.priority,  # type: ignore[arg-type]
        date.fromisoformat(body.event_date) if body.event_date else None,
        body.department,
    ), []


def _submission_rules(
    staff: bool, now: datetime, priorities: tuple[str, ...], departments: frozenset[str] | None
) -> Rules:
    def staff_only(value: Any, _: dict[str, Any]) -> Problem | None:
        return ("staff_only", {}) if value is not None and not staff else None

    def priority(value: Any, data: dict[str, Any]) -> Problem | None:
        if value is None or (problem := staff_only(value, data)):
            return problem if value is not None else None
        if not priorities:
            return "no_priorities", {}
        return None if value in priorities else ("choice", {"choices": ", ".join(priorities)})

    def channel(value: str, _: dict[str, Any]) -> Problem | None:
        public = staff or value in PUBLIC_CHANNELS
        return None if public else ("channel_staff_only", {"channel": value})

    def received_at(value: str, _: dict[str, Any]) -> Problem | None:
        moment = parse_rfc3339(value)
        if moment is None:
            return "datetime", {}
        if moment > now + FUTURE_TOLERANCE:
            return "future", {}
        if moment < EARLIEST_RECEIPT:
            return "too_old", {}  # a typo in the year, not a complaint from antiquity
        return None

    return Rules(
        gates={
            "received_at": staff_only,
            "priority": priority,
            "complainant.email": _reachable,
            "representative.email": _reachable,
        },
        values={
            "channel": channel,
            "received_at": received_at,
            "complainant.email": lambda v, _: None if is_email(v) else ("email", {}),
            "complainant.phone": lambda v, _: None if PHONE.match(v) else ("phone", {}),
            "representative.email": lambda v, _: None if is_email(v) else ("email", {}),
            "representative.phone": lambda v, _: None if PHONE.match(v) else ("phone", {}),
            **_about_rules(now, departments),
        },
    )


def _one_of(choices: tuple[str, ...]) -> Check:
    def check(value: Any, _: dict[str, Any]) -> Problem | None:
        return None if value in choices else ("choice", {"choices": ", ".join(choices)})

    return check


def _reachable(value: Any, person: dict[str, Any]) -> Problem | None:
    """Awb 9:4 asks for name and address: an e-mail address or a postal address (issue 25;
    letters then go by post), at least one of them."""
    address = person.get("address")
    has_address = isinstance(address, str) and bool(address.strip())
    has_email = isinstance(value, str) and bool(value.strip())
    return None if has_address or has_email else ("email_or_address", {})


def _about_rules(now: datetime, departments: frozenset[str] | None) -> dict[str, Any]:
    """The date of the event (a day, not after today) and the department involved."""

    def event_date(value: str, _: dict[str, Any]) -> Problem | None:
        try:
            day = date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            day = None
        if day is None:
            return "date", {}
        if day > now.date() + timedelta(days=1):  # a day ahead: the complainant's time zone
            return "date_future", {}
        return ("date_too_old", {}) if day < EARLIEST_RECEIPT.date() else None

    def department(value: str, _: dict[str, Any]) -> Problem | None:
        if departments is None or value in departments:
            return None
        return "unknown_department", {"id": value}

    return {"event_date": event_date, "department": department}


def parse_rfc3339(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


# --- staff actions --------------------------------------------------------------------------


def _escalation_reason(cleaned: dict[str, Any], raw: dict[str, Any]) -> list[Any]:
    """From a message the reason may be left out: the message says why (replies.py)."""
    if raw.get("reaction_event_id") is None and raw.get("reason") is None:
        return [("reason", ("required", {}))]
    return []


def _declining_needs_a_reason(cleaned: dict[str, Any], raw: dict[str, Any]) -> list[Any]:
    if cleaned.get("outcome") == "not_handled" and not cleaned.get("note"):
        return [("note", ("reason_needed", {}))]  # Awb 9:8
    return []


def _place_in_person(cleaned: dict[str, Any], raw: dict[str, Any]) -> list[Any]:
    if cleaned.get("mode") == "in_person" and not cleaned.get("place"):
        return [("place", ("place_needed", {}))]
    return []


def _moment(not_after: datetime | None, not_before: datetime | None) -> Any:
    """An RFC 3339 time; with ``now``, not in the future (or not in the past) beyond the
    rules' leeway for clocks (shared/rules/steps.py LEEWAY)."""

    def check(value: str, _: dict[str, Any]) -> Problem | None:
        moment = parse_rfc3339(value)
        if moment is None:
            return "datetime", {}
        if not_after is not None and moment > not_after + LEEWAY:
            return "moment_future", {}
        if not_before is not None and moment < not_before - LEEWAY:
            return "moment_past", {}
        return None

    return check


STAFF_RULES: dict[type, Rules] = {
    bodies.EscalationBody: Rules(whole=_escalation_reason),
    bodies.ClosureBody: Rules(whole=_declining_needs_a_reason),
    bodies.ConductSubjectBody: Rules(
        values={"email": lambda v, _: None if is_email(v) else ("email", {})}
    ),
}


def _staff_rules(body: type[Any], now: datetime | None) -> Rules | None:
    """The rules of ``body``; the times of the procedure steps against ``now`` when given."""
    if body is bodies.HearingInvitationBody:
        values = {"at": _moment(None, now)}
        return Rules(values=values, whole=_place_in_person)
    if body is bodies.HearingReportBody:
        return Rules(values={"held_at": _moment(now, None)})
    if body is bodies.InformalResolutionBody:
        return Rules(values={"confirmed_at": _moment(now, None)})
    if body in (bodies.CommitteeHearingBody, bodies.MediationBody):
        return Rules(values={"held_at": _moment(now, None)})
    if body is bodies.CommitteeAdviceBody:
        return Rules(values={"advised_at": _moment(now, None)})
    if body is bodies.MeasuresBody:
        return Rules(values={"measures": _measure_days})
    if body is bodies.RemediesBody:  # a corrective action's day (issue 18)
        return Rules(values={"remedies": _remedy_days})
    return STAFF_RULES.get(body)


def _measure_days(value: list[Any], _: dict[str, Any]) -> Problem | None:
    """Each measure's day is a date (the rules refuse one in the past, Wkkgz art. 17)."""
    for item in value:
        due = item.get("due") if isinstance(item, dict) else getattr(item, "due", None)
        try:
            date.fromisoformat(due if isinstance(due, str) and len(due) == 10 else "")
        except ValueError:
            return "date", {}
    return None


def _remedy_days(value: list[Any], data: dict[str, Any]) -> Problem | None:
    def due(item: Any) -> Any:
        return item.get("due") if isinstance(item, dict) else getattr(item, "due", None)

    return _measure_days([item for item in value if due(item) is not None], data)


# Bodies that may be left out: no body says nothing (resume, take) or no note (handled).
OPTIONAL_BODIES = (bodies.ResumptionBody, bodies.HandlingBody, bodies.TakingBody)


def read_staff_action(
    body: type[Any], data: Any, lang: Lang, now: datetime | None = None
) -> tuple[Any, list[FieldError]]:
    """A staff action's body (bodies.py) with the rules across its fields; ``now`` (the
    service's clock) places the times a procedure step may name."""
    if data is None and body in OPTIONAL_BODIES:
        data = {}
    return read(body, data, lang, _staff_rules(body, now))


def message_id(body: bodies.EscalationBody | bodies.ReopeningBody) -> UUID | None:
    """The complainant's message a staff action names (``reaction_event_id``), if any."""
    return None if body.reaction_event_id is None else UUID(body.reaction_event_id)


@dataclass(frozen=True)
class EscalationStep:
    """One step up the ladder as intake decides it (staff or the complainant's request):
    the level, who handles it, and the new level's terms (shared/rules/terms.py)."""

    level: int
    target: str
    top_level: int
    terms: ev.Terms


def escalation_step(
    facts: list[ev.Event],
    current_level: int,
    now: datetime,
    policy: Policy,
    calendar: BusinessCalendar,
    *,
    level: int | None = None,
    target: str | None = None,
) -> EscalationStep:
    """Staff may name the level (default: one up) and the target (default: the ladder's role
    of that level); the terms are the rules' for that level from ``now``."""
    level = level or current_level + 1
    return EscalationStep(
        level=level,
        target=escalation_target(level, target, policy),
        top_level=policy.top_level,
        terms=escalation_terms(facts, level, now, policy, calendar),
    )


def escalation_target(level: int, target: str | None, policy: Policy) -> str:
    """The target staff named, else the role of that level in the policy's ladder (the one
    source: the SLA monitor escalates to the same roles)."""
    found = policy.level(level)
    return target or (found.role if found else f"level_{level}")


def known_target(target: str, policy: Policy, organisation: Organisation) -> bool:
    """Whom an escalation may name: a member or team of the organisation file, or a role of
    the policy's ladder (what the SLA monitor and the default name); old events keep theirs."""
    roles = {level.role for level in policy.ladder}
    return target in organisation.members or target in organisation.teams or target in roles


def handled_by_it(c: Complaint, event_id: UUID | None, now: datetime, cause: Cause) -> None:
    """The message a handler acted from is handled in the same save (if it still waits)."""
    if event_id is not None and event_id in c.new_reactions:
        c.handle_reaction(reaction_event_id=event_id, now=now, cause=cause)


# --- references -----------------------------------------------------------------------------


def format_reference(year: int, number: int) -> str:
    return f"{REFERENCE_PREFIX}-{year:04d}-{number:06d}"


def find_reference(text: str | None) -> str | None:
    """The first complaint reference in a text (a mail subject), normalised to upper case."""
    found = _REFERENCE.search(text or "")
    return found.group(0).upper() if found else None


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
    """Constant-time: one complainant? Case and surrounding space aside, never folded
    (``straße@`` is not ``strasse@``; shared/privacy/pseudonym.py)."""
    return pseudonym.same_email(given, stored)


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
    level of the policy's ladder when there is one (the next handler). None: record it only.
    A reply by mail never asks by itself; a handler who reads one may escalate from it."""
    return level + 1 if is_open and level < top_level else None
