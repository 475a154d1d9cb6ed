"""The Complaint aggregate: the lifecycle rules of a complaint as an eventsourcing aggregate.

Each domain event carries one contract struct (``fact``, see shared/contract/events.py) and nothing
else, so what is stored is exactly what analysts read. Public command methods check the rules and
take the time as an argument; ``apply`` only copies facts into state, because it is re-run on every
replay and must never re-check rules or read the clock.

Above 300 lines on purpose: the aggregate's events are nested in it (their stored topic is
``shared.rules.complaint:Complaint.<Event>``); the procedure steps' commands (issue 16) live in
shared/rules/steps.py and their rules in shared/rules/procedure.py."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from shared.contract import events as ev
from shared.rules import awb, procedure
from shared.rules.cause import Cause
from shared.rules.committeesteps import CommitteeSteps
from shared.rules.correctionsteps import CorrectionSteps
from shared.rules.errors import AlreadyDone, ComplaintError, IllegalTransition, InvalidCommand
from shared.rules.errors import refuse as _refuse
from shared.rules.improvements import ImprovementSteps
from shared.rules.learningsteps import LearningSteps
from shared.rules.notesteps import NoteSteps
from shared.rules.policy import STATUTORY_MAX_EXTENSION_WEEKS
from shared.rules.questionsteps import QuestionSteps
from shared.rules.reminders import ReminderSteps
from shared.rules.steps import ProcedureSteps
from shared.rules.surveysteps import SurveySteps

# The errors moved to shared/rules/errors.py (steps.py raises them too); importable from here.
__all__ = [
    "AlreadyDone",
    "Cause",
    "Complaint",
    "ComplaintError",
    "IllegalTransition",
    "InvalidCommand",
]

DEFAULT_TOP_LEVEL = 3


STATUS_LINK_WINDOW = timedelta(minutes=15)
OPEN = ("submitted", "acknowledged", "responded", "escalated")
# Closed states: "closed" (with an outcome), and the procedure's own ends (Awb 9:5 and 9:8).
INFORMAL, DECLINED = "resolved_informally", "declined"


class Complaint(
    ProcedureSteps,
    CommitteeSteps,
    LearningSteps,
    SurveySteps,
    QuestionSteps,
    NoteSteps,
    CorrectionSteps,
    ReminderSteps,
    ImprovementSteps,
    Aggregate,
):
    """A complaint: submitted → acknowledged → responded → closed, with escalation levels;
    assigned, heard, resolved informally or declined along the way (shared/rules/steps.py)."""

    class Event(Aggregate.Event):
        fact: ev.Event
        contract: ClassVar[type[ev.Event]]

        def mutate(self, aggregate: Any) -> Any:
            # Every fact so far, in order: the input of the date rules (shared/rules/terms.py).
            done = super().mutate(aggregate)
            done.facts = [*getattr(done, "facts", ()), self.fact]
            return done

    class Submitted(Event, Aggregate.Created):
        contract = ev.Submitted

        def apply(self, c: Complaint) -> None:
            f: ev.Submitted = self.fact  # type: ignore[assignment]
            c.reference, c.channel, c.language = f.reference, f.channel, f.language
            c.received_at, c.category, c.subject_key = f.received_at, f.category, f.subject_key
            c.status, c.level, c.paused = "submitted", 0, False
            c.acknowledged = c.erased = False
            c.statutory_by = c.respond_by = None
            c.extensions = c.extensions_with_consent = 0
            c.breaches, c.letters = set(), set()
            c.responded_levels, c.outcome = set(), None
            c.status_before_close = None
            c.new_reactions, c.reaction_message_ids = set(), set()
            c.procedure = f.procedure
            c.handler = c.team = c.department = None
            c.conduct_subjects = {}  # recorded event id → (employee or None, unit or None)
            c.invited_levels, c.heard_levels, c.settled_levels = set(), set(), set()
            c.referred_levels, c.advised_levels = set(), set()  # the committee (Awb 9.1.3)

    class Acknowledged(Event):
        contract = ev.Acknowledged

        def apply(self, c: Complaint) -> None:
            f: ev.Acknowledged = self.fact  # type: ignore[assignment]
            c.acknowledged = True
            c.statutory_by, c.respond_by = f.statutory_by, f.respond_by
            c.letters.add(f.letter.message_id)
            if c.status == "submitted":
                c.status = "acknowledged"

    class LetterSent(Event):
        contract = ev.LetterSent

        def apply(self, c: Complaint) -> None:
            c.letters.add(self.fact.letter.message_id)  # type: ignore[attr-defined]

    class Responded(Event):
        contract = ev.Responded

        def apply(self, c: Complaint) -> None:
            c.status = "responded"
            c.responded_levels.add(self.fact.level)  # type: ignore[attr-defined]

    class ReactionReceived(Event):
        contract = ev.ReactionReceived

        def apply(self, c: Complaint) -> None:
            f: ev.ReactionReceived = self.fact  # type: ignore[assignment]
            if f.message_id:
                c.reaction_message_ids.add(f.message_id)
            if not f.auto_reply:
                c.new_reactions.add(f.event_id)

    class ReactionHandled(Event):
        contract = ev.ReactionHandled

        def apply(self, c: Complaint) -> None:
            c.new_reactions.discard(self.fact.reaction_event_id)  # type: ignore[attr-defined]

    class Reopened(Event):
        contract = ev.Reopened

        def apply(self, c: Complaint) -> None:
            c.status, c.outcome = self.fact.status, None  # type: ignore[attr-defined]

    class Escalated(Event):
        contract = ev.Escalated

        def apply(self, c: Complaint) -> None:
            f: ev.Escalated = self.fact  # type: ignore[assignment]
            c.status, c.level = "escalated", f.level
            if f.respond_by is not None:
                c.respond_by = f.respond_by
            if f.breach_id:
                c.breaches.add(f.breach_id)

    class Extended(Event):
        contract = ev.Extended

        def apply(self, c: Complaint) -> None:
            f: ev.Extended = self.fact  # type: ignore[assignment]
            c.statutory_by = f.statutory_by
            if f.with_consent:
                c.extensions_with_consent += 1
            else:
                c.extensions += 1

    class Paused(Event):
        contract = ev.Paused

        def apply(self, c: Complaint) -> None:
            c.paused = True

    class Resumed(Event):
        contract = ev.Resumed

        def apply(self, c: Complaint) -> None:
            c.paused = False

    class Closed(Event):
        contract = ev.Closed

        def apply(self, c: Complaint) -> None:
            c.status_before_close = c.status
            c.status, c.outcome, c.paused = "closed", self.fact.outcome, False  # type: ignore[attr-defined]

    class Assigned(Event):
        contract = ev.Assigned

        def apply(self, c: Complaint) -> None:
            f: ev.Assigned = self.fact  # type: ignore[assignment]
            c.handler, c.team, c.department = f.handler, f.team, f.department

    class ConductSubjectRecorded(Event):
        contract = ev.ConductSubjectRecorded

        def apply(self, c: Complaint) -> None:
            f: ev.ConductSubjectRecorded = self.fact  # type: ignore[assignment]
            # Without the key (sealed, erased) the employee is not known to this state.
            employee = f.personal.employee if f.personal else None
            c.conduct_subjects[f.event_id] = (employee, f.unit)

    class ConductSubjectReacted(Event):
        contract = ev.ConductSubjectReacted

        def apply(self, c: Complaint) -> None:
            pass  # the reaction is kept in the history; it changes no state

    class HearingInvited(Event):
        contract = ev.HearingInvited

        def apply(self, c: Complaint) -> None:
            c.invited_levels.add(self.fact.level)  # type: ignore[attr-defined]

    class HearingHeld(Event):
        contract = ev.HearingHeld

        def apply(self, c: Complaint) -> None:
            c.heard_levels.add(self.fact.level)  # type: ignore[attr-defined]
            c.settled_levels.add(self.fact.level)  # type: ignore[attr-defined]

    class HearingWaived(Event):
        contract = ev.HearingWaived

        def apply(self, c: Complaint) -> None:
            c.settled_levels.add(self.fact.level)  # type: ignore[attr-defined]

    class ResolvedInformally(Event):
        contract = ev.ResolvedInformally

        def apply(self, c: Complaint) -> None:
            c.status_before_close = c.status
            c.status, c.outcome, c.paused = INFORMAL, INFORMAL, False

    class Declined(Event):
        contract = ev.Declined

        def apply(self, c: Complaint) -> None:
            c.status_before_close = c.status
            c.status, c.outcome, c.paused = DECLINED, "not_handled", False

    class ReferredToCommittee(Event):
        contract = ev.ReferredToCommittee

        def apply(self, c: Complaint) -> None:
            f: ev.ReferredToCommittee = self.fact  # type: ignore[assignment]
            c.referred_levels.add(f.level)
            c.statutory_by = f.statutory_by

    class CommitteeHearingHeld(Event):
        contract = ev.CommitteeHearingHeld

        def apply(self, c: Complaint) -> None:
            # The committee's hearing is the hearing of Awb 9:10 at this level (9:15).
            c.heard_levels.add(self.fact.level)  # type: ignore[attr-defined]
            c.settled_levels.add(self.fact.level)  # type: ignore[attr-defined]

    class CommitteeAdvised(Event):
        contract = ev.CommitteeAdvised

        def apply(self, c: Complaint) -> None:
            c.advised_levels.add(self.fact.level)  # type: ignore[attr-defined]

    class MediationRecorded(Event):
        contract = ev.MediationRecorded

        def apply(self, c: Complaint) -> None:
            pass  # kept in the history; the klachtenfunctionaris's help changes no state

    class MeasuresPromised(Event):
        contract = ev.MeasuresPromised

        def apply(self, c: Complaint) -> None:
            pass  # the due dates are read from the event (reports, a future reminder)

    # Learning from complaints (issue 18): shared/rules/learningsteps.py keeps what they say.
    class Classified(Event):
        contract = ev.Classified

        def apply(self, c: Complaint) -> None:
            c.learned(self.fact)

    class RootCausesRecorded(Event):
        contract = ev.RootCausesRecorded

        def apply(self, c: Complaint) -> None:
            c.learned(self.fact)

    class RemediesRecorded(Event):
        contract = ev.RemediesRecorded

        def apply(self, c: Complaint) -> None:
            pass  # remedies add up: readers take them from the history

    class SatisfactionRecorded(Event):  # the survey after closure (shared/rules/surveysteps.py)
        contract = ev.SatisfactionRecorded

        def apply(self, c: Complaint) -> None:
            c.satisfaction_answered = True

    # A handler's question and the complainant's answer (issue 25): questionsteps.py.
    class QuestionAsked(Event):
        contract = ev.QuestionAsked

        def apply(self, c: Complaint) -> None:
            c.questioned(self.fact)

    class QuestionAnswered(Event):
        contract = ev.QuestionAnswered

        def apply(self, c: Complaint) -> None:
            c.questioned(self.fact)

    class NoteAdded(Event):  # an internal note (issue 17): no state, notesteps.py
        contract = ev.NoteAdded

        def apply(self, c: Complaint) -> None:
            pass

    # Corrections (issue 17): category and priority, duplicates, follow-ups (correctionsteps.py).
    class Recategorised(Event):
        contract = ev.Recategorised

        def apply(self, c: Complaint) -> None:
            c.corrected(self.fact)

    class LinkedAsDuplicate(Event):
        contract = ev.LinkedAsDuplicate

        def apply(self, c: Complaint) -> None:
            c.corrected(self.fact)

    class FollowUpAnswered(Event):  # the message is handled by the reaction_handled after it
        contract = ev.FollowUpAnswered

        def apply(self, c: Complaint) -> None:
            pass

    class MeasureOverdue(Event):  # a passed due date reminded: shared/rules/reminders.py
        contract = ev.MeasureOverdue

        def apply(self, c: Complaint) -> None:
            pass  # readers take reminders from the history

    # The improvement actions register (issue 18): state from the facts, improvements.py.
    class ImprovementOpened(Event):
        contract = ev.ImprovementOpened

        def apply(self, c: Complaint) -> None:
            pass

    class ImprovementUpdated(Event):
        contract = ev.ImprovementUpdated

        def apply(self, c: Complaint) -> None:
            pass

    class ImprovementLinked(Event):
        contract = ev.ImprovementLinked

        def apply(self, c: Complaint) -> None:
            pass

    class ImprovementUnlinked(Event):
        contract = ev.ImprovementUnlinked

        def apply(self, c: Complaint) -> None:
            pass

    class Erased(Event):
        contract = ev.Erased

        def apply(self, c: Complaint) -> None:
            c.erased = True

    class StatusLinkRequested(Event):
        contract = ev.StatusLinkRequested

        def apply(self, c: Complaint) -> None:
            pass  # a request changes nothing: the notifier sends the link, the window reads facts

    # --- creation -------------------------------------------------------------------------

    @classmethod
    def submit(
        cls,
        *,
        complaint_id: UUID,
        reference: str,
        channel: ev.Channel,
        language: ev.Language,
        personal: ev.SubmittedPersonal,
        received_at: datetime,
        now: datetime,
        cause: Cause,
        category: str | None = None,
        priority: str | None = None,
        subject_key: str | None = None,
        idempotency_key: str | None = None,
        terms: ev.Terms | None = None,
        procedure: str | None = None,
        event_date: date | None = None,
        department_involved: str | None = None,
    ) -> Complaint:
        """``procedure``: the procedure it is handled under (shared/rules/procedure.py CURRENT
        for every new complaint once the services pass it; None keeps the rules before it)."""
        if received_at > now + timedelta(minutes=5):
            raise InvalidCommand("received_at lies in the future")
        if not personal.description.strip():
            raise InvalidCommand("the description is empty")
        fact = ev.Submitted(
            **_meta(complaint_id, 1, now, cause),
            reference=reference,
            channel=channel,
            language=language,
            received_at=received_at,
            category=category,
            priority=priority,
            subject_key=subject_key,
            idempotency_key=idempotency_key,
            personal=personal,
            terms=terms,
            procedure=procedure,
            event_date=event_date,
            department_involved=department_involved,
        )
        fact = _with_event_id(fact)
        return cls._create(cls.Submitted, id=complaint_id, fact=fact, timestamp=now)

    # --- commands -------------------------------------------------------------------------

    def acknowledge(
        self,
        *,
        letter: ev.LetterRecord,
        respond_by: datetime,
        statutory_by: datetime,
        now: datetime,
        cause: Cause,
        acknowledge_by: datetime | None = None,
        terms: ev.Terms | None = None,
    ) -> None:
        if self.acknowledged:
            raise AlreadyDone("the complaint was already acknowledged")
        self._require_open("acknowledge")
        self._trigger(
            ev.Acknowledged,
            now,
            cause,
            letter=letter,
            respond_by=respond_by,
            statutory_by=statutory_by,
            acknowledge_by=acknowledge_by,
            terms=terms,
        )

    def record_letter(
        self, *, letter: ev.LetterRecord, cause_event_id: UUID, now: datetime, cause: Cause
    ) -> None:
        # Letters follow facts (the closure letter comes after closing), so no open check.
        if letter.message_id in self.letters:
            raise AlreadyDone(f"letter {letter.message_id} was already recorded")
        self._trigger(ev.LetterSent, now, cause, letter=letter, cause_event_id=cause_event_id)

    def request_status_link(self, *, now: datetime, cause: Cause) -> None:
        """A fresh status link for the address on file; at most one per STATUS_LINK_WINDOW, so
        the lookup cannot flood a mailbox. Closed complaints keep their page; erased ones not."""
        if self.erased:
            raise IllegalTransition("cannot send a status link: the personal data was erased")
        asked = [f.occurred_at for f in self.facts if isinstance(f, ev.StatusLinkRequested)]
        if asked and now - asked[-1] < STATUS_LINK_WINDOW:
            raise AlreadyDone("a status link was sent less than 15 minutes ago")
        self._trigger(ev.StatusLinkRequested, now, cause)

    def respond(
        self,
        *,
        text: str,
        resolution: ev.Resolution,
        now: datetime,
        cause: Cause,
        committee: str | None = None,
        departs_from_advice: bool | None = None,
        departure_reasons: str | None = None,
    ) -> None:
        """``committee``: the policy's committee for this complaint at its level (None: none);
        after its advice the answer says whether it departs from it, and why if so (Awb 9:16,
        shared/rules/committee.py)."""
        self._require_open("respond")
        if self.status == "responded":
            raise IllegalTransition("the complaint was already answered at this level")
        if not text.strip():
            raise InvalidCommand("the response text is empty")
        # The committee's rules first: its hearing (Awb 9:15) is what settles 9:10 there.
        _refuse(
            self.answer_refusal_of_committee(
                committee=committee, departs=departs_from_advice, reasons=departure_reasons
            )
        )
        _refuse(
            procedure.answer_refusal(
                procedure=self.procedure, level=self.level, settled=self.settled_levels
            )
        )
        reasons = departure_reasons if departs_from_advice else None
        self._trigger(
            ev.Responded,
            now,
            cause,
            resolution=resolution,
            level=self.level,
            departs_from_advice=departs_from_advice,
            personal=ev.ResponsePersonal(text=text, departure_reasons=reasons),
        )

    def record_reaction(
        self,
        *,
        text: str,
        disagrees: bool,
        channel: ev.Channel,
        now: datetime,
        cause: Cause,
        message_id: str | None = None,
        verified: bool = True,
        verified_by: ev.Verification | None = None,
        auto_reply: bool = False,
        sender: str | None = None,
        attachments: list[ev.AttachmentRef] | None = None,
    ) -> None:
        """Keep every message about the complaint, also after closure (a handler reads it).

        Only a verified message may ask for review, and an auto-reply never does.
        """
        if message_id and message_id in self.reaction_message_ids:
            raise AlreadyDone(f"message {message_id} was already recorded")
        if disagrees and (not verified or auto_reply):
            raise InvalidCommand("only the complainant's own message can ask for a review")
        self._trigger(
            ev.ReactionReceived,
            now,
            cause,
            channel=channel,
            disagrees=disagrees,
            message_id=message_id,
            verified=verified,
            verified_by=verified_by,
            auto_reply=auto_reply,
            personal=ev.ReactionPersonal(
                text=text, sender=sender, attachments=list(attachments or [])
            ),
        )

    def handle_reaction(
        self, *, reaction_event_id: UUID, now: datetime, cause: Cause, note: str | None = None
    ) -> None:
        if reaction_event_id not in self.new_reactions:
            raise AlreadyDone("that message was already handled (or is not a new message)")
        personal = ev.TextPersonal(text=note) if note else None
        self._trigger(
            ev.ReactionHandled,
            now,
            cause,
            reaction_event_id=reaction_event_id,
            personal=personal,
        )

    def reopen(
        self,
        *,
        reason: str,
        now: datetime,
        cause: Cause,
        reaction_event_id: UUID | None = None,
        terms: ev.Terms | None = None,
    ) -> None:
        """Handle a closed complaint again; it returns to where it was when it was closed."""
        if self.is_open:
            raise IllegalTransition("the complaint is not closed")
        if self.outcome == "withdrawn" or self.erased:
            raise IllegalTransition("a withdrawn or erased complaint cannot be reopened")
        if not reason.strip():
            raise InvalidCommand("reopening a complaint needs a reason")
        self._trigger(
            ev.Reopened,
            now,
            cause,
            status=self.status_before_close or "acknowledged",
            reaction_event_id=reaction_event_id,
            personal=ev.TextPersonal(text=reason),
            terms=terms,
        )

    def escalate(
        self,
        *,
        level: int,
        target: str,
        reason: ev.EscalationReason,
        now: datetime,
        cause: Cause,
        top_level: int = DEFAULT_TOP_LEVEL,
        clock: ev.Clock | None = None,
        deadline_missed: datetime | None = None,
        breach_id: str | None = None,
        policy_version: str | None = None,
        respond_by: datetime | None = None,
        text: str | None = None,
        terms: ev.Terms | None = None,
    ) -> None:
        if breach_id is not None and breach_id in self.breaches:
            raise AlreadyDone(f"breach {breach_id} was already escalated")
        self._require_open("escalate")
        if level != self.level + 1:
            raise IllegalTransition(f"the next escalation level is {self.level + 1}, not {level}")
        if level > top_level:
            raise IllegalTransition(f"level {self.level} is the top of the escalation ladder")
        self._trigger(
            ev.Escalated,
            now,
            cause,
            level=level,
            target=target,
            reason=reason,
            clock=clock,
            deadline_missed=deadline_missed,
            breach_id=breach_id,
            respond_by=terms.respond_by if terms else respond_by,
            policy_version=terms.policy_version if terms else policy_version,
            personal=ev.TextPersonal(text=text) if text else None,
            terms=terms,
        )

    def extend(
        self,
        *,
        weeks: int,
        reason: str,
        statutory_by: datetime,
        now: datetime,
        cause: Cause,
        with_consent: bool = False,
        terms: ev.Terms | None = None,
        max_weeks: int = STATUTORY_MAX_EXTENSION_WEEKS,
    ) -> None:
        """Extend the statutory term; ``statutory_by`` is the current deadline per policy and
        ``max_weeks`` the policy's cap for the complaint's regime (the law's 4 by default).
        The extension takes effect when its notice letter is sent (shared/clocks.py)."""
        self._require_open("extend")
        current = self.statutory_by or statutory_by
        if not reason.strip():
            raise InvalidCommand("an extension needs a reason for the notice")
        if weeks < 1:
            raise InvalidCommand("an extension is at least one week")
        refusal = awb.extension_refusal(
            weeks=weeks,
            max_weeks=max_weeks,
            with_consent=with_consent,
            extended_before=self.extensions >= 1,
            answered=self.status == "responded",
            term_end=current,
            now=now,
        )
        _refuse(refusal)
        self._trigger(
            ev.Extended,
            now,
            cause,
            weeks=weeks,
            previous_statutory_by=current,
            statutory_by=terms.statutory_by if terms else current + timedelta(weeks=weeks),
            with_consent=with_consent,
            personal=ev.TextPersonal(text=reason),
            terms=terms,
        )

    def pause(
        self,
        *,
        reason: str,
        now: datetime,
        cause: Cause,
        terms: ev.Terms | None = None,
        clocks: tuple[str, ...] = ("respond",),
    ) -> None:
        """Wait for the complainant: the policy's ``clocks`` stand still (never the statutory
        term); an empty tuple means the policy pauses nothing."""
        self._require_open("pause")
        if not reason.strip():
            raise InvalidCommand("waiting for the complainant needs a reason")
        refusal = awb.pause_refusal(
            paused=self.paused, answered=self.status == "responded", clocks=clocks
        )
        _refuse(refusal)
        self._trigger(ev.Paused, now, cause, personal=ev.TextPersonal(text=reason), terms=terms)

    def resume(self, *, now: datetime, cause: Cause, terms: ev.Terms | None = None) -> None:
        self._require_open("resume")
        _refuse(awb.resume_refusal(paused=self.paused))
        self._trigger(ev.Resumed, now, cause, terms=terms)

    def close(
        self,
        *,
        outcome: ev.Outcome,
        now: datetime,
        cause: Cause,
        note: str | None = None,
        calendar: awb.LegalCalendar | None = None,
    ) -> None:
        """``calendar`` (the policy's) places the end of Awb 9:8's four weeks."""
        self._require_open("close")
        if outcome == "resolved" and not self.responded_levels:
            raise IllegalTransition("a complaint is resolved only after a response")
        if outcome == "not_handled":
            if not (note and note.strip()):
                raise InvalidCommand("not handling a complaint (Awb 9:8) needs a reason")
            notice_by = awb.not_handled_notice_by(self.received_at, calendar)
            _refuse(awb.not_handled_refusal(notice_by=notice_by, now=now))
        personal = ev.TextPersonal(text=note) if note else None
        self._trigger(ev.Closed, now, cause, outcome=outcome, personal=personal)

    def withdraw(self, *, now: datetime, cause: Cause, reason: str | None = None) -> None:
        """The complainant withdraws the complaint (status page, issue 25): it ends as closed
        with the outcome ``withdrawn``, which every reader already knows; not after erasure
        (nobody can show that the request comes from the complainant any more)."""
        if self.erased:
            raise IllegalTransition("cannot withdraw: the personal data was erased")
        self._require_open("withdraw")
        personal = ev.TextPersonal(text=reason) if reason and reason.strip() else None
        self._trigger(ev.Closed, now, cause, outcome="withdrawn", personal=personal)

    def erase(self, *, key_id: str, legal_basis: str, now: datetime, cause: Cause) -> None:
        if self.erased:
            raise AlreadyDone("the personal data was already erased")
        self._trigger(ev.Erased, now, cause, key_id=key_id, legal_basis=legal_basis)

    # --- helpers --------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def answered(self) -> bool:
        """Answered at the current level (a new level or a reopening asks for a new answer)."""
        return self.status == "responded"

    @property
    def hearing_settled(self) -> bool:
        """Heard, or the hearing waived on a ground, at the current level."""
        return self.level in self.settled_levels

    @property
    def conduct_employees(self) -> set[str]:
        return {e for e, _ in self.conduct_subjects.values() if e}

    @property
    def conduct_units(self) -> set[str]:
        return {u for _, u in self.conduct_subjects.values() if u}

    def _require_open(self, what: str) -> None:
        if not self.is_open:
            raise IllegalTransition(f"cannot {what}: the complaint is closed")

    def _trigger(
        self, contract: type[ev.Event], now: datetime, cause: Cause, **fields: Any
    ) -> None:
        fact = _with_event_id(contract(**_meta(self.id, self.version + 1, now, cause), **fields))
        self.trigger_event(_EVENT_CLASS[contract], fact=fact, timestamp=now)


def _meta(complaint_id: UUID, version: int, now: datetime, cause: Cause) -> dict[str, Any]:
    return {
        "event_id": cause.event_id,  # None: named after the fact by _with_event_id
        "complaint_id": complaint_id,
        "version": version,
        "occurred_at": now,
        "actor": cause.actor,
        # Every event of a complaint is correlated by the complaint (docs/operations.md).
        "correlation_id": cause.correlation_id or complaint_id,
        "causation_id": cause.causation_id,
    }


_NAMESPACE = UUID("6b1a8f4e-3c0d-5e6f-9a7b-2c4d6e8f0a1b")  # of klachten's event ids


def _with_event_id(fact: ev.Event) -> ev.Event:
    """A fact without an id from its cause gets a name-based UUID (RFC 4122 version 5) of its
    facts outside ``personal``: the rules draw no random numbers (tests/shared/rules checks),
    a retry of the same fact is the same message to JetStream's dedupe, and a different fact at
    the same version (another actor, time or content) has another id and meets the
    optimistic-concurrency check. The personal part is left out so that no id is a fingerprint
    of personal data that outlives its erasure."""
    if fact.event_id is not None:
        return fact
    facts = msgspec.structs.replace(fact, personal=None) if hasattr(fact, "personal") else fact
    name = ev.encode(facts)  # type: ignore[call-arg]
    digest = hashlib.sha1(_NAMESPACE.bytes + name, usedforsecurity=False).digest()
    event_id = UUID(bytes=digest[:16], version=5)
    return msgspec.structs.replace(fact, event_id=event_id)


_EVENT_CLASS: dict[type[ev.Event], type[Complaint.Event]] = {
    cls.contract: cls
    for cls in vars(Complaint).values()
    if isinstance(cls, type) and issubclass(cls, Complaint.Event) and "contract" in vars(cls)
}
