"""Dates, moments and periods as people read them, in Dutch (the default) and English: one
place for letters, the complainant's pages and the staff screens, so they never say the same
day in two ways.

Pure: no clock. A moment (an aware datetime) is shown in the zone given, by default the
organisation's (the policy's `[calendar].timezone`); a `date` is a calendar day already.
Which day a deadline instant is due is the calendar's rule (`BusinessCalendar.due_date`), not
a matter of words.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Literal

from shared.config.policy import local_zone

Lang = Literal["nl", "en"]
LANGUAGES: tuple[Lang, ...] = ("nl", "en")
DEFAULT_LANGUAGE: Lang = "nl"
NO_DATE = "—"

WEEKDAYS: dict[Lang, tuple[str, ...]] = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS: dict[Lang, tuple[str, ...]] = {
    "nl": (
        "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
        "september", "oktober", "november", "december",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ),
}  # fmt: skip
_AT = {"nl": "om", "en": "at"}
# (days, one, many): a period is said in the largest unit that divides it.
_PERIOD_UNITS: dict[Lang, tuple[tuple[int, str, str], ...]] = {
    "nl": ((365, "jaar", "jaar"), (7, "week", "weken"), (1, "dag", "dagen")),
    "en": ((365, "year", "years"), (7, "week", "weeks"), (1, "day", "days")),
}


def language(code: str | None) -> Lang:
    """One of our languages for a code as given ("en-GB" → "en"); Dutch for anything else."""
    base = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return "en" if base == "en" else DEFAULT_LANGUAGE


def local(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """`moment` in `zone` (default: the organisation's). A naive datetime is refused: it says
    no moment at all."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime (UTC or with a zone)")
    return moment.astimezone(zone or local_zone())


def day_of(value: date, zone: tzinfo | None = None) -> date:
    """The calendar day: a date as it is, a moment as the day it falls on in `zone`."""
    return local(value, zone).date() if isinstance(value, datetime) else value


def long_date(value: date | None, lang: str, zone: tzinfo | None = None) -> str:
    """'maandag 7 december 2026' / 'Monday 7 December 2026'; a dash for no date."""
    if value is None:
        return NO_DATE
    day, words = day_of(value, zone), language(lang)
    return f"{WEEKDAYS[words][day.weekday()]} {day.day} {MONTHS[words][day.month - 1]} {day.year}"


def date_time(moment: datetime, lang: str, zone: tzinfo | None = None) -> str:
    """'maandag 7 december 2026 om 14:05' / 'Monday 7 December 2026 at 14:05', in `zone`."""
    there, words = local(moment, zone), language(lang)
    return f"{long_date(there.date(), words)} {_AT[words]} {there:%H:%M}"


def short_date_time(moment: datetime, zone: tzinfo | None = None) -> str:
    """'2026-12-07 14:05' in `zone`: for lists and tables, where the long form is too wide."""
    return f"{local(moment, zone):%Y-%m-%d %H:%M}"


def period(length: timedelta, lang: str) -> str:
    """'2 jaar' / '2 years', '26 weken', '400 dagen': whole days in the largest unit that
    divides them (a period is said as it was configured)."""
    days = length.days
    for size, one, many in _PERIOD_UNITS[language(lang)]:
        if days % size == 0:
            n = days // size
            return f"{n} {one if n == 1 else many}"
    raise AssertionError("unreachable: every period is whole days")
