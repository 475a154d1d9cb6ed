"""The legal calendar: the days the Algemene termijnenwet (ATW) does not count as working days.

Algemene termijnenwet, wet van 25 juli 1964, Stb. 1964, 314 (BWBR0002448,
https://wetten.overheid.nl/BWBR0002448):
- art. 1 lid 1: a term set by law that ends on a Saturday, Sunday or generally recognised
  holiday ("algemeen erkende feestdag") is extended to and including the next day that is none
  of those. Awb 9:11's six weeks is such a term, so `term_end` rolls it.
- art. 3 lid 1: the generally recognised holidays are Nieuwjaarsdag, Christian second Easter and
  Whit day (the first days are Sundays anyway), both Christmas days, Hemelvaartsdag, the day the
  King's birthday is celebrated (27 April; 26 April when the 27th is a Sunday; until 2013
  Koninginnedag, 30 April or the 29th) and 5 May, every year (not only in lustrum years, as
  calendars of days off have it).
- art. 3 lid 2: Goede Vrijdag is equated with them.
- art. 3 lid 3: further days are equated by royal decree published in the Staatscourant (for a
  few years at a time, usually the Friday after Hemelvaartsdag and the Friday after a holiday
  on a Thursday). They cannot be derived, so they are data: `LegalCalendar.equated`, read from
  config/legal-calendar.toml, each entry with its date, name and source.

The organisation's own closing days (bridge days, ...) are no part of this: they live in
shared/rules/calendar.py and count for internal norms only. Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property, lru_cache
from typing import Any

import msgspec
from dateutil.easter import easter

from shared.rules.versioning import version_id

FIRST_YEAR = 1990  # 5 May has been in art. 3 since the 1980s; intake accepts receipts from 2000
_ONE_DAY = dt.timedelta(days=1)
_SATURDAY = 5


class LegalCalendarError(ValueError):
    """Unusable legal calendar data, or a day outside the years this calendar knows."""


class EquatedDay(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A day equated with a generally recognised holiday by decree (ATW art. 3 lid 3)."""

    date: dt.date
    name: str
    source: str  # the decree, e.g. its title and Staatscourant number


class LegalCalendar(msgspec.Struct, frozen=True, forbid_unknown_fields=True, dict=True):
    version: str
    equated: tuple[EquatedDay, ...] = ()

    @cached_property
    def version_id(self) -> str:
        """The declared version plus a hash of the entries: recorded with every deadline."""
        return version_id(self.version, self)

    @cached_property
    def equated_days(self) -> dict[dt.date, str]:
        return {entry.date: entry.name for entry in self.equated}


def statutory_holidays(year: int) -> dict[dt.date, str]:
    """ATW art. 3 lid 1 and 2 for `year`, by their legal names."""
    return dict(_statutory_holidays(year))


@lru_cache(maxsize=64)
def _statutory_holidays(year: int) -> dict[dt.date, str]:
    # Cached and shared: callers outside this module get a copy (`statutory_holidays`).
    if year < FIRST_YEAR:
        raise LegalCalendarError(f"the legal calendar starts in {FIRST_YEAR}, not {year}")
    sunday = easter(year)
    kings_day = dt.date(year, 4, 27 if year >= 2014 else 30)  # Koninginnedag until 2013
    if kings_day.weekday() == 6:
        kings_day -= _ONE_DAY  # celebrated on the Saturday before
    return {
        dt.date(year, 1, 1): "Nieuwjaarsdag",
        sunday - 2 * _ONE_DAY: "Goede Vrijdag",
        sunday + _ONE_DAY: "tweede Paasdag",
        kings_day: "Koningsdag" if year >= 2014 else "Koninginnedag",
        dt.date(year, 5, 5): "Bevrijdingsdag (5 mei)",
        sunday + 39 * _ONE_DAY: "Hemelvaartsdag",
        sunday + 50 * _ONE_DAY: "tweede Pinksterdag",
        dt.date(year, 12, 25): "eerste Kerstdag",
        dt.date(year, 12, 26): "tweede Kerstdag",
    }


def holidays(year: int, calendar: LegalCalendar) -> dict[dt.date, str]:
    """Every ATW holiday of `year`: the statutory list plus the days equated by decree."""
    equated = {d: n for d, n in calendar.equated_days.items() if d.year == year}
    return statutory_holidays(year) | equated


def is_holiday(day: dt.date, calendar: LegalCalendar) -> bool:
    return day in calendar.equated_days or day in _statutory_holidays(day.year)


def is_working_day(day: dt.date, calendar: LegalCalendar) -> bool:
    """Neither a Saturday, a Sunday nor an ATW holiday (ATW art. 1 lid 1)."""
    return day.weekday() < _SATURDAY and not is_holiday(day, calendar)


def term_end(last_day: dt.date, calendar: LegalCalendar) -> dt.date:
    """The last day of a statutory term that would end on `last_day` (ATW art. 1 lid 1)."""
    while not is_working_day(last_day, calendar):
        last_day += _ONE_DAY
    return last_day


def parse_legal_calendar(
    data: dict[str, Any], *, source: str = "<legal calendar>"
) -> LegalCalendar:
    """Validate parsed TOML; a problem raises `LegalCalendarError` naming the source and key."""
    try:
        calendar = msgspec.convert(data, LegalCalendar)
    except msgspec.ValidationError as exc:
        raise LegalCalendarError(f"{source}: {exc}") from exc
    seen: set[dt.date] = set()
    for i, entry in enumerate(calendar.equated):
        if entry.date in seen:
            raise LegalCalendarError(f"{source}: equated[{i}]: {entry.date} is listed twice")
        if not (entry.name.strip() and entry.source.strip()):
            raise LegalCalendarError(f"{source}: equated[{i}]: name and source are required")
        seen.add(entry.date)
    return calendar
