"""The complaint rules of the Awb (chapter 9) and Wkkgz that commands obey, as pure functions.

Each returns the `Refusal` that names the rule broken, or None. The aggregate
(shared/rules/complaint.py) calls them with its own state and the policy's values passed in by the
caller; nothing here reads a file, the environment or the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

# Awb 9:8 lid 3: the complainant is told "uiterlijk binnen vier weken na ontvangst van het
# klaagschrift" that the complaint is not handled.
NOT_HANDLED_NOTICE_WEEKS = 4


@dataclass(frozen=True)
class Refusal:
    """A command refused by a rule. `field` names the argument at fault (HTTP 422); None means
    the complaint's state forbids it (HTTP 409). Words: shared/rules/refusals.py."""

    code: str
    rule: str
    field: str | None = None
    values: dict[str, Any] = _field(default_factory=dict)


class LegalCalendar(Protocol):
    def local_date(self, moment: datetime) -> date: ...
    def statutory_term_end(self, last_day: date) -> date: ...
    def end_of_day(self, day: date) -> datetime: ...


def extension_refusal(
    *,
    weeks: int,
    max_weeks: int,
    with_consent: bool,
    extended_before: bool,
    answered: bool,
    term_end: datetime,
    now: datetime,
) -> Refusal | None:
    """Awb 9:11 lid 2 (Wkkgz 17 lid 2 alike): the term may be extended once, by at most the
    policy's weeks, before the term ends and before the answer; beyond that only with the
    complainant's written consent (which never reopens an answered complaint)."""
    rule = "Awb 9:11 lid 2"
    if answered:
        return Refusal("extension_after_answer", rule)
    if with_consent:
        return None
    if extended_before:
        return Refusal("extension_once", rule)
    if weeks > max_weeks:
        return Refusal("extension_too_long", rule, "weeks", {"max": max_weeks})
    if now >= term_end:
        return Refusal("extension_too_late", rule)
    return None


def not_handled_notice_by(received_at: datetime, calendar: LegalCalendar | None) -> datetime:
    """The first moment too late to tell the complainant the complaint is not handled: four
    weeks after receipt, to the end of that day, rolled past ATW non-working days (a statutory
    term, Algemene termijnenwet art. 1). Without a calendar: exactly four weeks (stricter)."""
    if calendar is None:
        return received_at + timedelta(weeks=NOT_HANDLED_NOTICE_WEEKS)
    last = calendar.local_date(received_at) + timedelta(weeks=NOT_HANDLED_NOTICE_WEEKS)
    return calendar.end_of_day(calendar.statutory_term_end(last))


def not_handled_refusal(*, notice_by: datetime, now: datetime) -> Refusal | None:
    """Awb 9:8 lid 3: "not handled" only while its notice can still be in time."""
    if now >= notice_by:
        return Refusal("not_handled_too_late", "Awb 9:8 lid 3")
    return None


def pause_refusal(*, paused: bool, answered: bool, clocks: tuple[str, ...]) -> Refusal | None:
    """The internal clock stops while the complaint waits for the complainant, as far as the
    policy's [pausing] says; the statutory term never stops (Awb 9:11)."""
    if not clocks:
        return Refusal("pause_not_in_policy", "klachtenbeleid [pausing]")
    if answered:
        return Refusal("pause_after_answer", "klachtenbeleid [pausing]")
    if paused:
        return Refusal("already_paused", "klachtenbeleid [pausing]")
    return None


def resume_refusal(*, paused: bool) -> Refusal | None:
    return None if paused else Refusal("not_paused", "klachtenbeleid [pausing]")
