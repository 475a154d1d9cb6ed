"""Replay and re-decide: would the rules have allowed each stored event? (issue 19)

A writer that may append a type (its NATS allow-list, shared/integrity/authorship.py) can still
append one the rules refuse: an escalation that skips a level, a second extension without consent, a
response on a closed complaint, an acknowledgement twice. For each stored event the matching command
of the aggregate (shared/rules/complaint.py, with shared/rules/awb.py) is called on a copy of the
state before it, with the event's own fields and its ``occurred_at`` as the time; what it raises is
the refusal. The stored event is then applied as stored, so one refused event does not hide the
next. Pure: no I/O, no clock.

What the log does not record is not re-decided: the policy in force (the ladder's top, the
extension cap, the calendar; the law's defaults stand in where a command needs them and the
event's own value where a cap would only guess, as a decline's recorded ``notice_by``), team
membership (a ``take`` is checked against its own team), and sealed text (a placeholder stands
in, so the empty-text checks and Awb 9:7's "not the person concerned" are not re-run without
the keys). Old histories replay as they were decided: a complaint whose submission records no
``procedure`` was answered without the hearing rule (shared/rules/procedure.py). The committee
(Awb 9.1.3) and the Wkkgz route are re-decided with the event's own committee, ten-week end and
care route standing in for the policy's (whether the policy sent the complaint there is not
re-decided), and a measure's day read back from its recorded due moment. A classification,
root causes and remedies (issue 18) are re-decided on a stand-in vocabulary of the event's own
codes (the file of its ``vocabulary_version`` is configuration), in which the shipped kinds
``compensation`` and ``corrective_action`` need an amount and a follow-up as they do there.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from shared.contract import events as ev
from shared.eventstore.mapper import domain_event
from shared.rules.complaint import _EVENT_CLASS, Cause, Complaint, ComplaintError
from shared.rules.correctionsteps import Primary
from shared.rules.improvements import Action
from shared.rules.learning import RemedyGiven, Term, Vocabulary
from shared.rules.reminders import Reminder

SEALED = "(sealed)"  # stands in for text the auditor cannot read


def _text(fact: Any) -> str:
    personal = getattr(fact, "personal", None)
    return getattr(personal, "text", None) or SEALED


def _run(c: Complaint, f: Any) -> None:
    """Call the command that makes an event like `f` on `c` (which it changes)."""
    at = {"now": f.occurred_at, "cause": Cause(f.actor, event_id=f.event_id)}
    command: dict[type[ev.Event], Callable[[], None]] = {
        ev.Acknowledged: lambda: c.acknowledge(
            letter=f.letter, respond_by=f.respond_by, statutory_by=f.statutory_by,
            acknowledge_by=f.acknowledge_by, terms=f.terms, **at,
        ),
        ev.LetterSent: lambda: c.record_letter(
            letter=f.letter, cause_event_id=f.cause_event_id, **at
        ),
        ev.Responded: lambda: c.respond(
            text=_text(f), resolution=f.resolution, departs_from_advice=f.departs_from_advice,
            departure_reasons=_departure(f), **at,
        ),
        ev.ReactionReceived: lambda: c.record_reaction(
            text=_text(f), disagrees=f.disagrees, channel=f.channel, message_id=f.message_id,
            verified=f.verified, verified_by=f.verified_by, auto_reply=f.auto_reply, **at,
        ),
        ev.ReactionHandled: lambda: c.handle_reaction(
            reaction_event_id=f.reaction_event_id, **at
        ),
        ev.Reopened: lambda: c.reopen(
            reason=_text(f), reaction_event_id=f.reaction_event_id, terms=f.terms, **at
        ),
        ev.Escalated: lambda: c.escalate(
            level=f.level, target=f.target, reason=f.reason, top_level=f.level,
            breach_id=f.breach_id, respond_by=f.respond_by, terms=f.terms, **at,
        ),
        ev.Extended: lambda: c.extend(
            weeks=f.weeks, reason=_text(f), statutory_by=f.previous_statutory_by,
            with_consent=f.with_consent, terms=f.terms, max_weeks=f.weeks, **at,
        ),
        ev.Paused: lambda: c.pause(reason=_text(f), terms=f.terms, **at),
        ev.Resumed: lambda: c.resume(terms=f.terms, **at),
        ev.Closed: lambda: c.close(outcome=f.outcome, note=_text(f), **at),
        ev.Erased: lambda: c.erase(key_id=f.key_id, legal_basis=f.legal_basis, **at),
        ev.StatusLinkRequested: lambda: c.request_status_link(**at),
        ev.Assigned: lambda: _assign(c, f, at),
        ev.ConductSubjectRecorded: lambda: c.record_conduct_subject(**_conduct_subject(f), **at),
        ev.ConductSubjectReacted: lambda: c.record_conduct_subject_reaction(
            subject_event_id=f.subject_event_id, text=_text(f), **at
        ),
        ev.HearingInvited: lambda: c.invite_to_hearing(
            at=f.at, mode=f.mode, place=_place(f), note=None,
            conduct_subject_invited=f.conduct_subject_invited, **at,
        ),
        ev.HearingHeld: lambda: c.record_hearing(
            held_at=f.held_at, mode=f.mode, report=_text(f),
            conduct_subject_heard=f.conduct_subject_heard, **at,
        ),
        ev.HearingWaived: lambda: c.waive_hearing(ground=f.ground, explanation=_text(f), **at),
        ev.ResolvedInformally: lambda: c.resolve_informally(
            means=f.means, confirmed_by=f.confirmed_by, confirmed_at=f.confirmed_at,
            text=_text(f), **at,
        ),
        ev.Declined: lambda: c.decline(
            grounds=f.grounds, explanation=_text(f), notice_by=f.notice_by, **at
        ),
        # The policy's committee and care route are not in the log: the event's own stand in.
        ev.ReferredToCommittee: lambda: c.refer_to_committee(
            committee=f.committee, statutory_by=f.statutory_by, terms=f.terms, **at
        ),
        ev.CommitteeHearingHeld: lambda: c.record_committee_hearing(
            held_at=f.held_at, mode=f.mode, report=_text(f),
            conduct_subject_heard=f.conduct_subject_heard, **at,
        ),
        ev.CommitteeAdvised: lambda: c.record_committee_advice(
            advice=f.advice, advised_at=f.advised_at, text=_text(f), **at
        ),
        ev.MediationRecorded: lambda: c.record_mediation(
            kind=f.kind, held_at=f.held_at, text=_text(f), wkkgz=True, agreed=f.agreed, **at
        ),
        ev.MeasuresPromised: lambda: _promise(c, f, at),
        ev.Classified: lambda: c.classify(themes=f.themes, vocabulary=_vocabulary(f), **at),
        ev.RootCausesRecorded: lambda: c.record_root_causes(
            root_causes=f.root_causes, vocabulary=_vocabulary(f), note=_text(f), **at
        ),
        ev.RemediesRecorded: lambda: _remedies(c, f, at),
        ev.SatisfactionRecorded: lambda: c.record_satisfaction(
            handling=f.handling, outcome=f.outcome, text=_text(f), **at
        ),
        ev.QuestionAsked: lambda: c.ask_question(text=_text(f), **at),
        ev.NoteAdded: lambda: c.add_note(text=_text(f), **at),
        ev.MeasureOverdue: lambda: c.remind_overdue(reminder=_reminder(f), **at),
        # Corrections (issue 17): the categories, priorities and dates are configuration (the
        # event's own stand in) and the primary's state is another complaint's history.
        ev.Recategorised: lambda: c.recategorise(
            category=f.category, priority=f.priority, reason=_text(f), terms=f.terms,
            before=f.terms, categories=(f.category,), priorities=(f.priority,), **at,
        ),
        ev.LinkedAsDuplicate: lambda: c.link_as_duplicate(
            primary=Primary(f.primary_complaint_id, f.primary_reference, False, None),
            reason=_text(f), **at,
        ),
        ev.FollowUpAnswered: lambda: c.answer_follow_up(
            reaction_event_id=f.reaction_event_id, text=_text(f), **at
        ),
        # Improvement actions (issue 18): the calendar is configuration (the recorded due
        # moment stands in), the joined action is another complaint's history (its own fields).
        ev.ImprovementOpened: lambda: c.open_improvement(
            action_id=f.action_id, title=f.title, owner=f.owner, due=_day(f.due_by),
            theme=None, **at,
        ),
        ev.ImprovementUpdated: lambda: c.update_improvement(
            action_id=f.action_id, title=f.title, owner=f.owner, status=f.status,
            outcome=f.outcome if f.outcome is not None else "", theme=f.theme,
            due=_day(f.due_by) if "due_by" in f.changed else None, **at,
        ),
        ev.ImprovementLinked: lambda: c.link_improvement(action=_joined(f), **at),
        ev.ImprovementUnlinked: lambda: c.unlink_improvement(
            action_id=f.action_id, action=None, **at
        ),
        ev.QuestionAnswered: lambda: c.answer_question(
            question_event_id=f.question_event_id, text=_text(f), message_id=f.message_id,
            attachments=f.personal.attachments if f.personal else None, **at,
        ),
    }  # fmt: skip
    command[type(f)]()


def _day(due_by: datetime) -> date:
    """The due day a recorded due moment (the end of that day) was decided from."""
    return (due_by - timedelta(microseconds=1)).date()


def _joined(f: ev.ImprovementLinked) -> Action:
    return Action(action_id=f.action_id, lead_complaint_id=f.lead_complaint_id, title=SEALED,
                  owner=SEALED, due_by=f.occurred_at)  # fmt: skip


def _reminder(f: ev.MeasureOverdue) -> Reminder:
    return Reminder(source=f.source, promised_event_id=f.promised_event_id, item=f.item,
                    due_by=f.due_by, owner=f.owner)  # fmt: skip


def _departure(f: ev.Responded) -> str | None:
    """The reasons for departing from the advice, or a placeholder when sealed."""
    if not f.departs_from_advice:
        return None
    p = f.personal
    return (p.departure_reasons if p is not None else None) or SEALED


def _promise(c: Complaint, f: ev.MeasuresPromised, at: dict[str, Any]) -> None:
    """The measures with their recorded days (UTC: the calendar is the policy's, not logged)."""
    words = f.personal.descriptions if f.personal else [SEALED] * len(f.measures)
    days = [(m.due_by - timedelta(microseconds=1)).date() for m in f.measures]
    c.promise_measures(measures=list(zip(words, days, strict=False)), wkkgz=True, **at)


def _vocabulary(f: Any) -> Vocabulary:
    """A stand-in for the vocabulary of ``f.vocabulary_version``: the event's own codes."""
    codes = [*getattr(f, "themes", ()), *getattr(f, "root_causes", ())]
    kinds = [r.kind for r in getattr(f, "remedies", ())]
    return Vocabulary(
        version=f.vocabulary_version,
        themes={c: Term(nl=c, en=c) for c in codes},
        root_causes={c: Term(nl=c, en=c) for c in codes},
        remedy_kinds={
            k: Term(nl=k, en=k, amount=k == "compensation", follow_up=k == "corrective_action")
            for k in kinds
        },
    )


def _remedies(c: Complaint, f: ev.RemediesRecorded, at: dict[str, Any]) -> None:
    """The remedies with their recorded days (UTC, as measures) and sealed words standing in."""
    said = f.personal.descriptions if f.personal else [SEALED] * len(f.remedies)
    given = [
        RemedyGiven(
            r.kind, amount_cents=r.amount_cents, owner=r.owner, description=text or SEALED,
            due=(r.due_by - timedelta(microseconds=1)).date() if r.due_by else None,
        )
        for r, text in zip(f.remedies, said, strict=False)
    ]  # fmt: skip
    c.record_remedies(remedies=given, vocabulary=_vocabulary(f), **at)


def _assign(c: Complaint, f: ev.Assigned, at: dict[str, Any]) -> None:
    if f.kind == "take":  # the team's membership is configuration, not in the log
        c.take(handler=f.handler or "", teams=(f.team or "",), **at)
    else:
        c.assign(handler=f.handler, team=f.team, department=f.department, reason=_text(f), **at)


def _conduct_subject(f: ev.ConductSubjectRecorded) -> dict[str, Any]:
    """The person concerned as far as readable; a sealed name stands in for a sealed one, so
    the 9:7 check (handler is not that person) is re-decided only with the keys."""
    p = f.personal
    if p is None:
        return {"unit": f.unit, "employee": SEALED if f.employee_named else None}
    return {"unit": f.unit, "employee": p.employee, "name": p.name, "email": p.email,
            "role": p.role}  # fmt: skip


def _place(f: ev.HearingInvited) -> str | None:
    if f.personal is not None:
        return f.personal.place
    return SEALED if f.sealed is not None or f.erased else None


def refusal(state: Complaint | None, fact: ev.Event) -> str | None:
    """Why the rules would have refused `fact` on `state` (the complaint before it), or None."""
    if isinstance(fact, ev.Submitted):
        return None if state is None else "a complaint is submitted only once"
    if state is None:
        return "the history does not begin with the submission"
    try:
        _run(copy.deepcopy(state), fact)
    except ComplaintError as e:
        return str(e)
    return None


def apply(state: Complaint | None, fact: ev.Event) -> Complaint:
    """The complaint after `fact`, applied as stored (as a load would)."""
    return domain_event(_EVENT_CLASS[type(fact)], fact).mutate(state)


class Replay:
    """Every complaint's state so far; `feed` each decoded event in stream order."""

    def __init__(self) -> None:
        self.states: dict[str, Complaint] = {}

    def feed(self, fact: ev.Event) -> str | None:
        cid = str(fact.complaint_id)
        before = self.states.get(cid)
        why = refusal(before, fact)
        try:
            self.states[cid] = apply(before, fact)
        except Exception as e:  # e.g. a history whose first event is no submission
            return why or f"cannot be applied ({e})"
        return why
