"""Corrections a handler makes to a case (issue 17): the category and priority set right, a
duplicate linked to the complaint it repeats, a complainant's message after the answer
answered without reopening the procedure.

A mixin of the Complaint aggregate (shared/rules/complaint.py), like learningsteps.py. The
rules are pure functions returning a `Refusal` (words: shared/rules/correctionwords.py); the
dates a correction moves are decided by the caller with shared/rules/terms.py
`recategorisation_terms` and recorded in the event, so every reader reads them there.

Decided here (docs/procedure.md "Corrections"):
- a category or priority is one the organisation knows (the vocabulary's themes, the
  policy's categories and priorities), passed in by the caller;
- the statutory term runs from receipt (Awb 9:11 lid 1): a correction may shorten it, but
  never to an end already past, which would take legal time away after the fact; and once the
  acknowledgement told the complainant the end in writing, a correction may not move it later:
  more time is an extension with its own notice (Awb 9:11 lid 2). The internal norms follow
  the new category and priority, also into the past (the SLA monitor then escalates at once:
  the case is late by the norm that fits it);
- a duplicate is closed with the outcome ``duplicate`` in the same save, without a letter; it
  links to a complaint that is itself no duplicate (no chains, so no cycles), never to itself,
  and not when either one's personal data was erased (no one can show they are the same);
- a follow-up is answered only after an answer and while the procedure is not running again
  (a reopened or escalated complaint answers in the procedure); it marks the message handled.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.contract import events as ev
from shared.rules.awb import Refusal
from shared.rules.cause import Cause
from shared.rules.errors import AlreadyDone, refuse

ERASURE_RULE = "AVG art. 17"
TERM_RULE = "Awb 9:11 lid 1"  # the term runs from receipt
NOTICE_RULE = "Awb 9:11 lid 2"  # a later end only by an extension with notice
POLICY_RULE = "klachtenbeleid [norms]"
DUPLICATE_RULE = "Awb 9:8 lid 1 a"  # the same conduct is already being handled
ANSWER_RULE = "Awb 9:12"  # the answer ends the procedure; what follows is no new procedure
TRACE_RULE = "ISO 10002 §8.7"  # every decision with its reason


@dataclass(frozen=True)
class Primary:
    """The complaint a duplicate is linked to, as its own history says."""

    complaint_id: UUID
    reference: str
    erased: bool
    duplicate_of: UUID | None  # it is itself a duplicate of this one
    duplicate_of_reference: str | None = None  # and that one's reference


def recategorisation_refusal(
    *,
    erased: bool,
    open_: bool,
    category: str | None,
    priority: str | None,
    categories: Collection[str],
    priorities: Collection[str],
    reason: str,
) -> Refusal | None:
    """Why the category and priority cannot be set so now (apart from the dates), or None."""
    if erased:
        return Refusal("correction_erased", ERASURE_RULE)
    if not open_:
        return Refusal("correction_closed", ANSWER_RULE)
    if category is not None and category not in categories:
        return Refusal("correction_category_unknown", POLICY_RULE, "category", {"codes": category})
    if priority is not None and priority not in priorities:
        return Refusal("correction_priority_unknown", POLICY_RULE, "priority", {"codes": priority})
    if not reason.strip():
        return Refusal("correction_reason_missing", TRACE_RULE, "reason")
    return None


def term_refusal(
    *, before: ev.Terms, after: ev.Terms, acknowledged: bool, now: datetime
) -> Refusal | None:
    """What the re-decided statutory end may not do: lie in the past when it was shortened
    (Awb 9:11 lid 1), or lie later than the end the acknowledgement stated (lid 2)."""
    if after.statutory_by < before.statutory_by and after.statutory_by <= now:
        return Refusal("correction_term_past", TERM_RULE)
    if after.statutory_by > before.statutory_by and acknowledged:
        return Refusal("correction_term_later", NOTICE_RULE)
    return None


def link_refusal(
    *, own_id: UUID, erased: bool, open_: bool, primary: Primary, reason: str
) -> Refusal | None:
    """Why this complaint cannot be linked to ``primary`` as its duplicate, or None."""
    if primary.complaint_id == own_id:
        return Refusal("duplicate_self", DUPLICATE_RULE, "primary")
    if erased or primary.erased:
        return Refusal("duplicate_erased", ERASURE_RULE)
    if not open_:
        return Refusal("duplicate_closed", DUPLICATE_RULE)
    if primary.duplicate_of == own_id:
        return Refusal("duplicate_cycle", DUPLICATE_RULE, "primary")
    if primary.duplicate_of is not None:
        ref = primary.duplicate_of_reference or str(primary.duplicate_of)
        return Refusal("duplicate_chain", DUPLICATE_RULE, "primary", {"ref": ref})
    if not reason.strip():
        return Refusal("correction_reason_missing", TRACE_RULE, "reason")
    return None


def follow_up_refusal(
    *, erased: bool, answered_ever: bool, status: str, new: bool, text: str
) -> Refusal | None:
    """Why the message cannot be answered as a follow-up now, or None."""
    if erased:
        return Refusal("follow_up_erased", ERASURE_RULE)
    if not answered_ever:
        return Refusal("follow_up_before_answer", ANSWER_RULE)
    if status not in ("responded", "closed"):
        return Refusal("follow_up_procedure_running", ANSWER_RULE)
    if not new:
        return Refusal("follow_up_not_new", ANSWER_RULE, "reaction_event_id")
    if not text.strip():
        return Refusal("follow_up_empty", ANSWER_RULE, "text")
    return None


class CorrectionSteps:
    """The commands of correcting a case."""

    @property
    def duplicate_of(self) -> UUID | None:
        """The complaint this one is linked to as its duplicate; a reopening undoes the link
        (the way to correct a wrong one: the complaint is handled on its own again)."""
        s: Any = self
        for fact in reversed(s.facts):
            if isinstance(fact, ev.Reopened):
                return None
            if isinstance(fact, ev.LinkedAsDuplicate):
                return fact.primary_complaint_id
        return None

    @property
    def priority(self) -> str | None:
        """The priority in force: the latest correction's, else the submission's."""
        s: Any = self
        for fact in reversed(s.facts):
            if isinstance(fact, ev.Recategorised | ev.Submitted):
                return fact.priority
        return None

    def recategorise(
        self,
        *,
        category: str | None,
        priority: str | None,
        reason: str,
        terms: ev.Terms,
        before: ev.Terms,
        categories: Collection[str],
        priorities: Collection[str],
        now: datetime,
        cause: Cause,
    ) -> None:
        """Set the category and priority right; ``terms``: the dates re-decided for them
        (terms.py ``recategorisation_terms``), ``before``: the dates in force until now."""
        s: Any = self
        refuse(
            recategorisation_refusal(
                erased=s.erased, open_=s.is_open, category=category, priority=priority,
                categories=categories, priorities=priorities, reason=reason,
            )
        )  # fmt: skip
        if (category, priority) == (s.category, self.priority):
            raise AlreadyDone("the category and priority are so already")
        refuse(term_refusal(before=before, after=terms, acknowledged=s.acknowledged, now=now))
        s._trigger(
            ev.Recategorised, now, cause,
            previous_category=s.category, category=category,
            previous_priority=self.priority, priority=priority,
            personal=ev.TextPersonal(text=reason.strip()), terms=terms,
        )  # fmt: skip

    def link_as_duplicate(
        self, *, primary: Primary, reason: str, now: datetime, cause: Cause
    ) -> None:
        """Link this complaint to ``primary`` and close it as its duplicate (one save)."""
        s: Any = self
        if self.duplicate_of == primary.complaint_id:
            raise AlreadyDone("the complaint is linked to that one already")
        refuse(
            link_refusal(
                own_id=s.id, erased=s.erased, open_=s.is_open, primary=primary, reason=reason
            )
        )
        s._trigger(
            ev.LinkedAsDuplicate, now, cause,
            primary_complaint_id=primary.complaint_id, primary_reference=primary.reference,
            personal=ev.TextPersonal(text=reason.strip()),
        )  # fmt: skip
        s._trigger(ev.Closed, now, _after(s, cause), outcome="duplicate")

    def answer_follow_up(
        self, *, reaction_event_id: UUID, text: str, now: datetime, cause: Cause
    ) -> None:
        """Answer the complainant's message after the answer; the message is then handled."""
        s: Any = self
        refuse(
            follow_up_refusal(
                erased=s.erased, answered_ever=bool(s.responded_levels), status=s.status,
                new=reaction_event_id in s.new_reactions, text=text,
            )
        )  # fmt: skip
        s._trigger(
            ev.FollowUpAnswered, now, cause,
            reaction_event_id=reaction_event_id, personal=ev.TextPersonal(text=text.strip()),
        )  # fmt: skip
        s._trigger(ev.ReactionHandled, now, _after(s, cause), reaction_event_id=reaction_event_id)

    def corrected(self, fact: ev.Event) -> None:
        """What the aggregate keeps of a correction (called by its ``apply``)."""
        s: Any = self
        if isinstance(fact, ev.Recategorised):
            s.category = fact.category


def _after(s: Any, cause: Cause) -> Cause:
    """The cause of the second event of one command: the first (its own id is its own)."""
    return replace(cause, event_id=None, causation_id=s.facts[-1].event_id)
