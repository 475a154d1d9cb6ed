"""The business calendar as configured: the shipped legal calendar file, read once per change.

The calendar itself (business days, deadlines, the deadline convention) is pure and lives in
shared/rules/calendar.py; this module is the only reader of config/legal-calendar.toml.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path

from shared.config import CONFIG_DIR
from shared.rules import legal_calendar as atw
from shared.rules.calendar import BusinessCalendar, CalendarError, WorkingHours
from shared.rules.legal_calendar import LegalCalendar, LegalCalendarError

# The model's names, for importers that know them from here (defined in shared.rules.calendar).
__all__ = [
    "LEGAL_CALENDAR_FILE",
    "BusinessCalendar",
    "CalendarError",
    "WorkingHours",
    "business_calendar",
    "load_legal_calendar",
]

LEGAL_CALENDAR_FILE = CONFIG_DIR / "legal-calendar.toml"


def business_calendar(
    version: str,
    *,
    timezone: str = "Europe/Amsterdam",
    extra_closing_days: frozenset[date] = frozenset(),
    working_hours: WorkingHours | None = None,
    legal: LegalCalendar | None = None,
) -> BusinessCalendar:
    """A business calendar on the shipped legal calendar (unless `legal` is given)."""
    return BusinessCalendar(
        version=version,
        timezone=timezone,
        extra_closing_days=extra_closing_days,
        working_hours=working_hours,
        legal=legal if legal is not None else load_legal_calendar(),
    )


def load_legal_calendar(path: Path = LEGAL_CALENDAR_FILE) -> LegalCalendar:
    """The legal calendar file; read again only when its mtime changed."""
    try:
        changed = path.stat().st_mtime_ns
    except OSError as exc:
        raise CalendarError(f"{path}: cannot read the legal calendar: {exc.strerror}") from exc
    return _read_legal_calendar(path, changed)


@lru_cache(maxsize=4)
def _read_legal_calendar(path: Path, changed: int) -> LegalCalendar:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CalendarError(f"{path}: unusable legal calendar: {exc}") from exc
    try:
        return atw.parse_legal_calendar(data, source=str(path))
    except LegalCalendarError as exc:
        raise CalendarError(str(exc)) from exc
