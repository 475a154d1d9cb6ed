"""The complainant's own view of a complaint, the link that opens it, and the staff timeline.

The complainant sees facts about their own complaint only: when it was received, acknowledged,
extended (why, until when), answered (the answer), escalated (to whom), closed, and the dates
still ahead. Never who on the staff did what, internal notes or anything about anyone else.

The page is reached by reference + e-mail or by the private link (shared/privacy/statuslink.py).
(Just over 300 lines: the complainant's view and the staff timeline read the same facts.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import msgspec

from services.intake.correspondence import letters_sent, open_questions
from shared.config.policy import policy_in_force
from shared.config.policy_file import External
from shared.contract import events as ev
from shared.rules.deadlines import ClockState, SlaInputError, deadlines
from shared.rules.terms import current_terms

# --- dates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """The dates a complaint received at a moment can count on (the form and confirmation)."""

    received: date
    acknowledge_by: date | None
    respond_by: date | None
    statutory_by: date
    acknowledge_days: int
    respond_days: int


def expected_dates(received_at: datetime, channel: str = "web") -> Expected:
    policy, calendar = policy_in_force()
    state = ClockState(complaint_id="preview", received_at=received_at, channel=channel)
    d = deadlines(state, policy, calendar)
    norm = policy.norm(None, channel, None)
    return Expected(
        received=calendar.local_date(received_at),
        acknowledge_by=_day(d.acknowledge_by),
        respond_by=_day(d.respond_by),
        statutory_by=calendar.due_date(d.statutory_by),
        acknowledge_days=norm.acknowledge_business_days,
        respond_days=norm.respond_business_days,
    )


def expected_steps(e: Expected) -> list[Step]:
    """The confirmation's timeline: received today, then the dates the policy promises."""
    steps = [Step("received", e.received)]
    if e.acknowledge_by is not None:
        steps.append(Step("acknowledge_by", e.acknowledge_by, done=False))
    if e.respond_by is not None:
        steps.append(Step("respond_by", e.respond_by, done=False))
    return [*steps, Step("statutory_by", e.statutory_by, done=False)]


def _day(deadline: datetime | None) -> date | None:
    return None if deadline is None else policy_in_force()[1].due_date(deadline)


def _on(moment: datetime) -> date:
    return policy_in_force()[1].local_date(moment)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has 28 days


# --- the complainant's view -------------------------------------------------------------------


@dataclass
class Step:
    """One fact on the complainant's timeline; ``kind`` picks the words, ``on`` the date."""

    kind: str
    on: date
    done: bool = True
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class ComplainantView:
    reference: str
    status: str
    level: int
    erased: bool
    subject: str | None
    steps: list[Step]
    may_escalate: bool
    answered: bool
    next_level: dict[str, Any] | None
    external: dict[str, Any] | None
    attachments: list[str]
    # The complainant's own words (issue 25), and what they may still do from the page.
    description: str | None = None
    desired_outcome: str | None = None
    may_add: bool = False
    may_withdraw: bool = False
    # Every letter we sent (issue 25): its kind, day, subject line (when recorded) and how it
    # went; and the handler's questions still waiting for an answer (id, day, text).
    letters: list[dict[str, Any]] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)


def complainant_view(facts: list[ev.Event]) -> ComplainantView:
    submitted = facts[0]
    assert isinstance(submitted, ev.Submitted)
    policy, _ = policy_in_force()
    steps = [s for f in facts if (s := _step(f, policy, facts)) is not None]
    level, status, last_answer = 0, "submitted", None
    erased = submitted.personal is None
    documents = [] if erased else [a.filename for a in submitted.personal.attachments]  # type: ignore[union-attr]
    for f in facts:
        match f:
            case ev.Acknowledged() if status == "submitted":
                status = "acknowledged"
            case ev.Responded():
                status, last_answer = "responded", _on(f.occurred_at)
            case ev.Escalated():
                status, level = "escalated", f.level
            case ev.Closed(outcome="withdrawn"):
                status = "withdrawn"
            case ev.Closed():
                status, last_answer = "closed", _on(f.occurred_at)
            case ev.ResolvedInformally() | ev.Declined():
                status = "closed"
            case ev.Reopened():
                status = f.status
            case ev.ReactionReceived(personal=ev.ReactionPersonal() as p) if f.verified:
                documents += [a.filename for a in p.attachments]
            case ev.Erased():
                erased = True
    steps += _ahead(facts, status)
    nxt = policy.level(level + 1)
    # Review may be asked before and after the answer (the letters promise it); not again
    # while an escalation waits for its answer, nor once the complaint is closed.
    may = status not in ("escalated", "closed", "withdrawn") and not erased and nxt is not None
    personal = None if erased else submitted.personal
    return ComplainantView(
        reference=submitted.reference,
        status=status,
        level=level,
        erased=erased,
        subject=None if erased else submitted.personal.subject,  # type: ignore[union-attr]
        steps=steps,
        may_escalate=may,
        answered=status == "responded",
        next_level=_level(nxt) if nxt else None,
        external=_external(policy, level, status, last_answer),
        attachments=[] if erased else documents,
        description=personal.description if personal else None,
        desired_outcome=personal.desired_outcome if personal else None,
        may_add=not erased,
        may_withdraw=not erased and status not in ("closed", "withdrawn"),
        letters=letters_sent(facts),
        questions=[] if erased or status in ("closed", "withdrawn") else open_questions(facts),
    )


def _text(f: ev.Event) -> str | None:
    personal = getattr(f, "personal", None)
    return getattr(personal, "text", None)


def _extended(notice: ev.LetterSent, facts: list[ev.Event]) -> Step | None:
    """An extension as the complainant learns it: on the day its notice was sent."""
    for f in facts:
        if isinstance(f, ev.Extended) and f.event_id == notice.cause_event_id:
            until = _day(f.terms.statutory_by if f.terms else f.statutory_by)
            detail = {"until": until, "reason": _text(f)}
            return Step("extended", _on(notice.letter.sent_at), detail=detail)
    return None


def _step(f: ev.Event, policy: Any, facts: list[ev.Event]) -> Step | None:
    on = _on(f.occurred_at)
    match f:
        case ev.Submitted():
            return Step("received", _on(f.received_at), detail={"channel": f.channel})
        case ev.Acknowledged():
            return Step("acknowledged", _on(min(f.letter.sent_at, f.occurred_at)))
        case ev.Extended():  # told when its notice is sent (the letter_sent below)
            return None
        case ev.LetterSent(letter=ev.LetterRecord(kind="extension_notice")):
            return _extended(f, facts)
        case ev.Responded():
            return Step("responded", on, detail={"text": _text(f), "level": f.level})
        case ev.QuestionAsked():
            return Step("question", on, detail={"text": _text(f)})
        case ev.QuestionAnswered():  # a reaction too: before the case below
            return Step("answered", on, detail={"text": _text(f)})
        case ev.ReactionReceived():
            return Step("reaction", on, detail={"text": _text(f), "disagrees": f.disagrees})
        case ev.Escalated():
            ladder = policy.level(f.level)
            detail = {"reason": f.reason, **(_level(ladder) if ladder else {"role": f.target})}
            return Step("escalated", on, detail=detail)
        case ev.Paused():
            return Step("paused", on)
        case ev.Resumed():
            return Step("resumed", on)
        case ev.Closed():
            return Step("closed", on, detail={"outcome": f.outcome, "text": _text(f)})
        case ev.Erased():
            return Step("erased", on)
    return None  # letters are the means, not facts of their own


def _ahead(facts: list[ev.Event], status: str) -> list[Step]:
    """The dates still to come: the recorded ones (shared/rules/terms.py), which the letters
    state, the API shows and the SLA monitor enforces."""
    if status == "closed":
        return []
    policy, calendar = policy_in_force()
    try:
        terms = current_terms(facts, policy, calendar)
    except SlaInputError:
        return []
    ahead: list[Step] = []
    if status == "submitted" and terms.acknowledge_by is not None:
        ahead.append(Step("acknowledge_by", calendar.due_date(terms.acknowledge_by), done=False))
    if status in ("submitted", "acknowledged", "escalated"):
        if terms.respond_by is not None and not terms.registered_late:
            ahead.append(Step("respond_by", calendar.due_date(terms.respond_by), done=False))
        ahead.append(Step("statutory_by", calendar.due_date(terms.statutory_by), done=False))
    return ahead


def _level(level: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "level": level.level,
        "role": level.role,
        "name": level.name,
        "days": level.term_business_days,
    }
    if level.external is not None:
        out["external"] = _route(level.external)
    return out


def _route(external: External) -> dict[str, Any]:
    return {
        "kind": external.kind,
        "name": external.name,
        "url": external.url,
        "months": external.complainant_term_months,
    }


def _external(policy: Any, level: int, status: str, last_answer: date | None) -> dict | None:
    """The external body and the last day to go there, once our own handling is done.

    Awb 9:12 lid 2: the final answer names the ombudsman; the complainant may turn to it within
    its term (a year for the Nationale ombudsman) after our last answer.
    """
    ladder = [lv for lv in policy.ladder if lv.external is not None]
    if not ladder:
        return None
    body = ladder[0]
    reached = level >= body.level
    next_is_external = status == "responded" and level + 1 == body.level
    if not (reached or next_is_external or status == "closed"):
        return None
    route = _route(body.external)
    if last_answer is not None:
        route["until"] = add_months(last_answer, route["months"])
    return route


# --- the staff timeline (workspace) -------------------------------------------------------------


def staff_events(facts: list[ev.Event]) -> list[dict[str, Any]]:
    """Every event with who, when and its text, for the case handler (personal data included)."""
    out = []
    for f in facts:
        body = msgspec.to_builtins(f)
        body.pop("personal", None)
        body.pop("sealed", None)
        item: dict[str, Any] = {
            "version": f.version,
            "type": ev.tag_of(type(f)).removeprefix("complaint."),
            "occurred_at": f.occurred_at.isoformat(),
            "actor": f.actor,
            "text": _text(f),
            "fields": {
                k: v
                for k, v in body.items()
                if k not in ("event_id", "complaint_id", "version", "occurred_at", "actor", "type")
                and v not in (None, False)
            },
        }
        out.append(item)
    return out
