"""Reminders of recorded due dates (issue 16 item 7, issue 18): when a measure the judgement
promised (Wkkgz art. 17, ``measures_promised``) or a remedy with a follow-up, such as a
corrective action (``remedies_recorded``: owner and due date), is due and not yet reminded.

Pure: facts and ``now`` in, decisions out. Each due date was decided once, when it was recorded
(shared/rules/committee.py ``measure_due_by``, on the policy's calendar: the first instant late,
local midnight after the due day), and is read here, never recomputed; a reminder is due at that
instant, as a breach of a recorded deadline is (shared/rules/deadlines.py), so no working days
are counted here. Each measure or remedy is reminded once (``measure_overdue``, appended by the
SLA monitor); its event id derives from what it reminds of, so a second append (a redelivery, a
restart, a second instance) is also a duplicate to JetStream. Reminders go on after the answer
and the closure (measures are carried out after the judgement) and after erasure (nothing in a
reminder is personal). The command is a mixin of the Complaint aggregate, like notesteps.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from shared.contract import events as ev
from shared.rules import improvements
from shared.rules.cause import Cause
from shared.rules.errors import AlreadyDone, ComplaintError
from shared.rules.reminderwords import WORDS

# Reminder event ids are name-based (RFC 4122 version 5) of REMINDER_NAMESPACE and Reminder.key.
REMINDER_NAMESPACE = UUID("3f0c2a9e-7d41-5b8e-a6c3-91e4d2b7f058")


class Reminder(msgspec.Struct, frozen=True, kw_only=True):
    """One recorded due date: of measure ``item`` of a ``measures_promised``, or of remedy
    ``item`` (its place in the list, from 1) of a ``remedies_recorded``."""

    source: ev.OverdueSource
    promised_event_id: UUID
    item: int
    due_by: datetime
    owner: str | None = None

    @property
    def key(self) -> str:
        return f"{self.source}:{self.promised_event_id}:{self.item}"

    @property
    def event_id(self) -> UUID:
        name = REMINDER_NAMESPACE.bytes + self.key.encode()
        digest = hashlib.sha1(name, usedforsecurity=False).digest()
        return UUID(bytes=digest[:16], version=5)


class ReminderRefused(ComplaintError):
    """A reminder the history does not call for: no such due date recorded, or not passed yet.
    Only the SLA monitor and a replay (shared/integrity/redecide.py) ask; staff never do."""

    code = "reminder_refused"

    def __init__(self, why: str, reminder: Reminder) -> None:
        super().__init__(WORDS[why]["en"].format(key=reminder.key))
        self.why, self.reminder = why, reminder

    def words(self, lang: str) -> str:
        return WORDS[self.why]["en" if lang == "en" else "nl"].format(key=self.reminder.key)


def due_dates(facts: list[ev.Event]) -> list[Reminder]:
    """Every due date the history records, in the order recorded."""
    out: list[Reminder] = []
    for f in facts:
        if isinstance(f, ev.MeasuresPromised):
            out += [
                Reminder(source="measure", promised_event_id=f.event_id, item=m.item,
                         due_by=m.due_by)
                for m in f.measures
            ]  # fmt: skip
        elif isinstance(f, ev.RemediesRecorded):
            out += [
                Reminder(
                    source="remedy", promised_event_id=f.event_id, item=i, due_by=r.due_by,
                    owner=r.owner,
                )
                for i, r in enumerate(f.remedies, start=1)
                if r.due_by is not None
            ]  # fmt: skip
    out += [  # an improvement action led by this complaint, still open (improvements.py)
        Reminder(source="improvement_action", promised_event_id=set_by, item=1,
                 due_by=a.due_by, owner=a.owner)
        for a, set_by in improvements.due_dates(facts)
    ]  # fmt: skip
    return out


def reminded(facts: Iterable[ev.Event]) -> set[str]:
    """The keys of the due dates reminded already."""
    return {
        f"{f.source}:{f.promised_event_id}:{f.item}"
        for f in facts
        if isinstance(f, ev.MeasureOverdue)
    }


def pending(facts: list[ev.Event]) -> list[Reminder]:
    """The due dates not reminded yet, earliest first."""
    done = reminded(facts)
    return sorted((r for r in due_dates(facts) if r.key not in done), key=lambda r: r.due_by)


def reminders_due(facts: list[ev.Event], now: datetime) -> list[Reminder]:
    """The reminders to append now: due dates passed (``due_by`` <= ``now``), not reminded."""
    return [r for r in pending(facts) if r.due_by <= now]


def next_reminder_at(facts: list[ev.Event]) -> datetime | None:
    """When the earliest reminder not yet appended is due (in the past: at once), or None."""
    return next((r.due_by for r in pending(facts)), None)


def reminder_refusal(facts: list[ev.Event], reminder: Reminder, now: datetime) -> str | None:
    """Why ``reminder`` cannot be appended at ``now`` (a key of reminderwords.WORDS), or None.
    Reminded already is not a refusal: the command is then a no-op (AlreadyDone)."""
    recorded = {r.key: r for r in due_dates(facts)}
    if recorded.get(reminder.key) != reminder:
        return "reminder_not_recorded"
    if now < reminder.due_by:
        return "reminder_not_due"
    return None


class ReminderSteps:
    """The command of reminding that a recorded due date passed."""

    def remind_overdue(self, *, reminder: Reminder, now: datetime, cause: Cause) -> None:
        s: Any = self
        facts: list[ev.Event] = list(getattr(s, "facts", ()))
        if reminder.key in reminded(facts):
            raise AlreadyDone(f"{reminder.key} was already reminded")
        why = reminder_refusal(facts, reminder, now)
        if why is not None:
            raise ReminderRefused(why, reminder)
        s._trigger(
            ev.MeasureOverdue, now, cause,
            source=reminder.source,
            promised_event_id=reminder.promised_event_id,
            item=reminder.item,
            due_by=reminder.due_by,
            owner=reminder.owner,
        )  # fmt: skip
