"""The improvement actions register (issue 18 item 3, ISO 10002 §8.7-9) as pure rules: an action
to put right a systemic issue, opened on one complaint (its lead) and joined by others.

An action lives in the history of its lead complaint (``improvement_opened``, then
``improvement_updated`` with the whole action after each change) and is named by the complaints
that join it (``improvement_linked``; ``improvement_unlinked`` when one leaves it again);
docs/learning.md says why. Title and outcome are staff text about the organisation, never
about a person: they are not sealed, so the register survives a complainant's erasure and
reporting can list them. Each check returns the `Refusal` naming the rule broken (or None),
words in shared/rules/improvementwords.py; the commands are a mixin of the Complaint aggregate.
Nothing here reads a file or the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from shared.contract import events as ev
from shared.rules.awb import LegalCalendar, Refusal
from shared.rules.cause import Cause
from shared.rules.committee import measure_due_by
from shared.rules.errors import AlreadyDone, refuse
from shared.rules.learning import ISO_10002, VOCABULARY, Vocabulary

REGISTER = "ISO 10002 §8.7-9"
STATUSES: tuple[ev.ImprovementStatus, ...] = ("open", "in_progress", "done", "dropped")
ENDED: tuple[ev.ImprovementStatus, ...] = ("done", "dropped")
FIELDS = ("title", "owner", "due_by", "status", "outcome", "theme")


class Action(msgspec.Struct, frozen=True, kw_only=True):
    """An improvement action as its lead complaint's history holds it. ``due_set_by``: the event
    that recorded the current due date (the reminder is about it)."""

    action_id: UUID
    lead_complaint_id: UUID
    title: str
    owner: str
    due_by: datetime
    status: ev.ImprovementStatus = "open"
    outcome: str | None = None
    theme: str | None = None
    vocabulary_version: str | None = None
    due_set_by: UUID | None = None


def actions_led(facts: Iterable[ev.Event]) -> dict[UUID, Action]:
    """The actions opened on this complaint, each as after its latest change, in opening order."""
    out: dict[UUID, Action] = {}
    for f in facts:
        if isinstance(f, ev.ImprovementOpened):
            out[f.action_id] = Action(
                action_id=f.action_id, lead_complaint_id=f.complaint_id, title=f.title,
                owner=f.owner, due_by=f.due_by, theme=f.theme,
                vocabulary_version=f.vocabulary_version, due_set_by=f.event_id,
            )  # fmt: skip
        elif isinstance(f, ev.ImprovementUpdated) and f.action_id in out:
            before = out[f.action_id]
            out[f.action_id] = msgspec.structs.replace(
                before, title=f.title, owner=f.owner, due_by=f.due_by, status=f.status,
                outcome=f.outcome, theme=f.theme, vocabulary_version=f.vocabulary_version,
                due_set_by=f.event_id if f.due_by != before.due_by else before.due_set_by,
            )  # fmt: skip
    return out


def linked_to(facts: Iterable[ev.Event]) -> dict[UUID, UUID]:
    """The actions this complaint is part of now (joined, not left since): action id -> its
    lead complaint, in joining order."""
    out: dict[UUID, UUID] = {}
    for f in facts:
        if isinstance(f, ev.ImprovementLinked):
            out[f.action_id] = f.lead_complaint_id
        elif isinstance(f, ev.ImprovementUnlinked):
            out.pop(f.action_id, None)
    return out


def due_dates(facts: Iterable[ev.Event]) -> list[tuple[Action, UUID]]:
    """The due dates of actions still open or in progress, with the event that recorded each:
    what the SLA monitor reminds of (shared/rules/reminders.py, source ``improvement_action``)."""
    return [
        (a, a.due_set_by)
        for a in actions_led(facts).values()
        if a.status not in ENDED and a.due_set_by is not None
    ]


# --- the rules -------------------------------------------------------------------------------


def _said(text: str | None) -> bool:
    return bool(text and text.strip())


def _theme_refusal(theme: str | None, vocabulary: Vocabulary | None) -> Refusal | None:
    if theme is None or vocabulary is None:
        return None
    if theme not in vocabulary.offered("themes"):
        return Refusal(
            "themes_unknown", VOCABULARY, "theme", {"codes": theme, "version": vocabulary.version}
        )
    return None


def opening_refusal(
    *, title: str, owner: str, due: date, today: date, theme: str | None = None,
    vocabulary: Vocabulary | None = None,
) -> Refusal | None:  # fmt: skip
    """A title, an owner, a due day not before ``today`` (on the policy's calendar), and a
    theme of the vocabulary in force if one is given."""
    if not _said(title):
        return Refusal("improvement_title_missing", REGISTER, "title")
    if not _said(owner):
        return Refusal("improvement_owner_missing", REGISTER, "owner")
    if due < today:
        return Refusal("improvement_due_in_past", REGISTER, "due")
    return _theme_refusal(theme, vocabulary)


def update_refusal(
    action: Action | None, *, status: ev.ImprovementStatus | None, outcome: str | None,
    due: date | None, today: date, title: str | None = None, owner: str | None = None,
    theme: str | None = None, vocabulary: Vocabulary | None = None,
) -> Refusal | None:  # fmt: skip
    """The action is opened on this complaint and not ended (done and dropped are final: a
    systemic issue seen again is a new action); a new due day not before today; ending it says
    its outcome (what was done, or why it was dropped); given texts are not empty."""
    if action is None:
        return Refusal("improvement_unknown", REGISTER)
    if action.status in ENDED:
        return Refusal("improvement_ended", REGISTER)
    if title is not None and not _said(title):
        return Refusal("improvement_title_missing", REGISTER, "title")
    if owner is not None and not _said(owner):
        return Refusal("improvement_owner_missing", REGISTER, "owner")
    if due is not None and due < today:
        return Refusal("improvement_due_in_past", REGISTER, "due")
    if status in ENDED and not _said(outcome if outcome is not None else action.outcome):
        return Refusal("improvement_outcome_missing", ISO_10002, "outcome")
    return _theme_refusal(theme, vocabulary)


def link_refusal(action: Action | None, complaint_id: UUID) -> Refusal | None:
    """The action exists on its lead, is not ended, and this complaint is not its lead."""
    if action is None:
        return Refusal("improvement_unknown", REGISTER)
    if action.lead_complaint_id == complaint_id:
        return Refusal("improvement_link_to_lead", REGISTER)
    if action.status in ENDED:
        return Refusal("improvement_ended", REGISTER)
    return None


def unlink_refusal(linked: bool, action: Action | None) -> Refusal | None:
    """Only a complaint that joined the action leaves it (its lead is where it lives), and not
    once the action ended: what a done or dropped action was about stays as it was."""
    if not linked:
        return Refusal("improvement_not_linked", REGISTER)
    if action is not None and action.status in ENDED:
        return Refusal("improvement_ended", REGISTER)
    return None


# --- the commands (a mixin of the Complaint aggregate) ----------------------------------------


class ImprovementSteps:
    """Open and change an improvement action on this (lead) complaint; join one opened on
    another, and leave it again. Allowed on open, closed and erased complaints alike: nothing
    here is personal, and what a complaint teaches is often known only after the answer."""

    def open_improvement(
        self, *, action_id: UUID, title: str, owner: str, due: date, now: datetime,
        cause: Cause, calendar: LegalCalendar | None = None, theme: str | None = None,
        vocabulary: Vocabulary | None = None,
    ) -> None:  # fmt: skip
        s: Any = self
        if action_id in actions_led(getattr(s, "facts", ())):
            raise AlreadyDone(f"improvement action {action_id} was opened already")
        today = calendar.local_date(now) if calendar else now.date()
        refuse(opening_refusal(title=title, owner=owner, due=due, today=today, theme=theme,
                               vocabulary=vocabulary))  # fmt: skip
        s._trigger(
            ev.ImprovementOpened, now, cause,
            action_id=action_id, title=title.strip(), owner=owner.strip(),
            due_by=measure_due_by(due, calendar), theme=theme,
            vocabulary_version=vocabulary.version_id if theme and vocabulary else None,
        )  # fmt: skip

    def update_improvement(
        self, *, action_id: UUID, now: datetime, cause: Cause,
        calendar: LegalCalendar | None = None, title: str | None = None,
        owner: str | None = None, due: date | None = None,
        status: ev.ImprovementStatus | None = None, outcome: str | None = None,
        theme: str | None = None, vocabulary: Vocabulary | None = None,
    ) -> None:  # fmt: skip
        """Change what is given; the event records the whole action after the change."""
        s: Any = self
        action = actions_led(getattr(s, "facts", ())).get(action_id)
        today = calendar.local_date(now) if calendar else now.date()
        refuse(update_refusal(
            action, status=status, outcome=outcome, due=due, today=today, title=title,
            owner=owner, theme=theme, vocabulary=vocabulary,
        ))  # fmt: skip
        assert action is not None
        after = {
            "title": title.strip() if title is not None else action.title,
            "owner": owner.strip() if owner is not None else action.owner,
            "due_by": measure_due_by(due, calendar) if due is not None else action.due_by,
            "status": status or action.status,
            "outcome": (outcome.strip() or None) if outcome is not None else action.outcome,
            "theme": theme if theme is not None else action.theme,
        }
        changed = [k for k in FIELDS if after[k] != getattr(action, k)]
        if not changed:
            raise AlreadyDone(f"improvement action {action_id} is so already")
        version = vocabulary.version_id if theme and vocabulary else action.vocabulary_version
        s._trigger(
            ev.ImprovementUpdated, now, cause,
            action_id=action_id, changed=changed, vocabulary_version=version, **after,
        )  # fmt: skip

    def link_improvement(self, *, action: Action | None, now: datetime, cause: Cause) -> None:
        """Join the action ``action`` (as its lead's history holds it) with this complaint."""
        s: Any = self
        refuse(link_refusal(action, s.id))
        assert action is not None
        if action.action_id in linked_to(getattr(s, "facts", ())):
            raise AlreadyDone("the complaint is part of this improvement action already")
        s._trigger(
            ev.ImprovementLinked, now, cause,
            action_id=action.action_id, lead_complaint_id=action.lead_complaint_id,
        )  # fmt: skip

    def unlink_improvement(
        self, *, action_id: UUID, action: Action | None, now: datetime, cause: Cause
    ) -> None:
        """Leave the action ``action_id`` this complaint joined; ``action``: as its lead's
        history holds it now (None when unknown: leaving is allowed, ending is checked)."""
        s: Any = self
        joined = linked_to(getattr(s, "facts", ()))
        if action_id not in joined and action_id in _ever_linked(getattr(s, "facts", ())):
            raise AlreadyDone("the complaint is no longer part of this improvement action")
        refuse(unlink_refusal(action_id in joined, action))
        s._trigger(
            ev.ImprovementUnlinked, now, cause,
            action_id=action_id, lead_complaint_id=joined[action_id],
        )  # fmt: skip


def _ever_linked(facts: Iterable[ev.Event]) -> set[UUID]:
    return {f.action_id for f in facts if isinstance(f, ev.ImprovementLinked)}
