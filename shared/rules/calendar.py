"""The organisation's business calendar: which days count as working days, in its time zone.

Pure: the legal calendar is passed in (`legal`); shared/config/calendar.py reads it from
config/legal-calendar.toml.

Public holidays are the legal calendar's (Algemene termijnenwet, shared/rules/legal_calendar.py:
the statutory list, 5 May every year, and the days equated by decree from
config/legal-calendar.toml); the organisation adds its own closing days (bridge days, ...),
which count for internal norms only, never for a statutory term.

Deadline convention, used by every function here and by the SLA monitor:
- a deadline is the *first instant at which the step is late*: local midnight at the start of the
  day after the due day, returned as an aware UTC datetime. A step is in time iff it happened
  strictly before the deadline; a deadline is breached iff ``now >= deadline``.
  `due_date(deadline)` gives the due day itself ("uiterlijk op ...") for letters and screens.
- "within n business days" of a moment: the moment's own (local) day never counts; the deadline
  is the end of the n-th business day after it (dies a quo non computatur).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.rules import legal_calendar as atw
from shared.rules.legal_calendar import LegalCalendar

_ONE_DAY = timedelta(days=1)
_EPSILON = timedelta(microseconds=1)


class CalendarError(ValueError):
    """A calendar was configured or used wrongly (unknown time zone, naive datetime, ...)."""


@dataclass(frozen=True)
class WorkingHours:
    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise CalendarError(f"working hours start {self.start} must be before end {self.end}")


@dataclass(frozen=True)
class BusinessCalendar:
    """Business days of one organisation; `version_id` is recorded with every deadline computed.

    `legal` is the legal calendar (ATW); `shared.config.calendar.business_calendar` builds one
    on the shipped file (config/legal-calendar.toml)."""

    version: str
    timezone: str = "Europe/Amsterdam"
    extra_closing_days: frozenset[date] = frozenset()
    working_hours: WorkingHours | None = None
    legal: LegalCalendar = field(kw_only=True)
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra_closing_days", frozenset(self.extra_closing_days))
        object.__setattr__(self, "_tz", _zone(self.timezone))

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    @property
    def version_id(self) -> str:
        """What a computed deadline records: this calendar's and the legal calendar's version."""
        return f"{self.version}+{self.legal.version_id}"

    # -- days -------------------------------------------------------------------------------

    def statutory_term_end(self, last_day: date) -> date:
        """A statutory term ending on `last_day` runs on past ATW non-working days (ATW art. 1);
        the organisation's closing days do not move it."""
        return atw.term_end(last_day, self.legal)

    def is_business_day(self, day: date) -> bool:
        return atw.is_working_day(day, self.legal) and day not in self.extra_closing_days

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after `day`."""
        day += _ONE_DAY
        while not self.is_business_day(day):
            day += _ONE_DAY
        return day

    def business_days_in(self, first: date, stop: date) -> int:
        """Business days d with first <= d < stop (0 when the range is empty)."""
        count, day = 0, first
        while day < stop:
            count += self.is_business_day(day)
            day += _ONE_DAY
        return count

    # -- moments ----------------------------------------------------------------------------

    def local_date(self, moment: datetime) -> date:
        return _aware(moment).astimezone(self._tz).date()

    def start_of_day(self, day: date) -> datetime:
        """Local midnight at the start of `day`, as aware UTC."""
        return datetime.combine(day, time(0), tzinfo=self._tz).astimezone(UTC)

    def end_of_day(self, day: date) -> datetime:
        """The deadline for a step due on `day` (see the module docstring), as aware UTC."""
        return self.start_of_day(day + _ONE_DAY)

    def due_date(self, deadline: datetime) -> date:
        """The local day a deadline made by `end_of_day` falls due on."""
        return self.local_date(_aware(deadline) - _EPSILON)

    def is_working_time(self, moment: datetime) -> bool:
        local = _aware(moment).astimezone(self._tz)
        if not self.is_business_day(local.date()):
            return False
        hours = self.working_hours
        return hours is None or hours.start <= local.time() < hours.end

    def next_business_moment(self, moment: datetime) -> datetime:
        """`moment` itself during working time, else the next opening (aware UTC).

        Without working hours every moment of a business day is working time and the next
        opening is the start of the next business day.
        """
        if self.is_working_time(moment):
            return _aware(moment).astimezone(UTC)
        local = _aware(moment).astimezone(self._tz)
        day = local.date()
        opening = self.working_hours.start if self.working_hours else time(0)
        if not (self.is_business_day(day) and local.time() < opening):
            day = self.next_business_day(day)
        return datetime.combine(day, opening, tzinfo=self._tz).astimezone(UTC)

    def add_business_days(self, start: datetime, n: int) -> datetime:
        """Deadline at the end of the n-th business day after `start`'s local day (n >= 1)."""
        if n < 1:
            raise CalendarError(f"business days to add must be >= 1, got {n}")
        day = self.local_date(start)
        for _ in range(n):
            day = self.next_business_day(day)
        return self.end_of_day(day)

    def business_days_between(self, a: datetime, b: datetime) -> int:
        """Complete business days after `a`'s local day that ended at or before `b`.

        Inverse of `add_business_days`: business_days_between(s, add_business_days(s, n)) == n.
        Negative when b < a.
        """
        if b < a:
            return -self.business_days_between(b, a)
        return self.business_days_in(self.local_date(a) + _ONE_DAY, self.local_date(b))


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError(f"naive datetime {moment.isoformat()}: pass an aware datetime")
    return moment


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarError(f"unknown time zone {name!r}") from exc
