"""BusinessCalendar: ATW holidays plus closing days, business-day arithmetic, deadlines."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.config.calendar import business_calendar, load_legal_calendar
from shared.rules import legal_calendar as atw
from shared.rules.calendar import BusinessCalendar, CalendarError, WorkingHours

AMS = "Europe/Amsterdam"
CAL = business_calendar(
    version="test-1",
    timezone=AMS,
    extra_closing_days=frozenset({date(2026, 12, 24), date(2026, 5, 15)}),
    working_hours=WorkingHours(time(8, 30), time(17, 0)),
)
FAST = settings(max_examples=200, deadline=None)

moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
days = st.integers(min_value=1, max_value=80)

DUTCH_HOLIDAYS = {
    2025: {
        "Koningsdag": [date(2025, 4, 26)],  # 27 April is a Sunday: moved to Saturday
        "Goede Vrijdag en Pasen": [date(2025, 4, 18), date(2025, 4, 20), date(2025, 4, 21)],
        "Bevrijdingsdag": [date(2025, 5, 5)],
        "Hemelvaart": [date(2025, 5, 29)],
        "Pinksteren": [date(2025, 6, 8), date(2025, 6, 9)],
        "Kerst": [date(2025, 12, 25), date(2025, 12, 26)],
    },
    2026: {
        "Koningsdag": [date(2026, 4, 27)],
        "Goede Vrijdag en Pasen": [date(2026, 4, 3), date(2026, 4, 5), date(2026, 4, 6)],
        "Bevrijdingsdag": [date(2026, 5, 5)],
        "Hemelvaart": [date(2026, 5, 14)],
        "Pinksteren": [date(2026, 5, 24), date(2026, 5, 25)],
        "Kerst": [date(2026, 12, 25), date(2026, 12, 26)],
    },
    2027: {
        "Koningsdag": [date(2027, 4, 27)],
        "Goede Vrijdag en Pasen": [date(2027, 3, 26), date(2027, 3, 28), date(2027, 3, 29)],
        "Bevrijdingsdag": [date(2027, 5, 5)],
        "Hemelvaart": [date(2027, 5, 6)],
        "Pinksteren": [date(2027, 5, 16), date(2027, 5, 17)],
        "Kerst": [date(2027, 12, 25), date(2027, 12, 26)],
    },
}
HOLIDAY_CASES = [
    pytest.param(day, id=f"{year}-{name}-{day.isoformat()}")
    for year, named in DUTCH_HOLIDAYS.items()
    for name, dates in named.items()
    for day in dates
]


def ams(*args: int) -> datetime:
    return datetime(*args, tzinfo=CAL.tz)


# -- holidays ----------------------------------------------------------------------------------


@pytest.mark.parametrize("day", HOLIDAY_CASES)
def test_dutch_public_holidays_are_not_business_days(day: date) -> None:
    assert not CAL.is_business_day(day)
    assert not business_calendar(version="plain").is_business_day(day)


def test_bevrijdingsdag_is_a_holiday_every_year_not_only_in_lustrum_years() -> None:
    # ATW art. 3 lid 1 lists 5 May without condition (`holidays` had it only in 2025, 2030, ...)
    plain = business_calendar(version="plain")
    assert [plain.is_business_day(date(y, 5, 5)) for y in (2026, 2027, 2028)] == [False] * 3


def test_weekends_and_extra_closing_days_are_not_business_days() -> None:
    assert not CAL.is_business_day(date(2026, 3, 7))  # Saturday
    assert not CAL.is_business_day(date(2026, 3, 8))  # Sunday
    assert not CAL.is_business_day(date(2026, 12, 24))  # the organisation's bridge day
    assert CAL.is_business_day(date(2026, 3, 9))
    assert business_calendar(version="plain").is_business_day(date(2026, 12, 24))


def test_closing_days_do_not_move_a_statutory_term_but_atw_days_do() -> None:
    assert CAL.statutory_term_end(date(2026, 12, 24)) == date(2026, 12, 24)  # closed, yet legal
    assert CAL.statutory_term_end(date(2026, 5, 5)) == date(2026, 5, 6)  # Bevrijdingsdag
    assert CAL.statutory_term_end(date(2026, 5, 14)) == date(2026, 5, 18)  # + Friday by decree


def test_the_shipped_legal_calendar_is_the_default_and_named_in_the_version() -> None:
    legal = load_legal_calendar()
    assert CAL.legal == legal
    assert isinstance(CAL, BusinessCalendar)
    assert CAL.version_id == f"test-1+{legal.version_id}"
    assert legal.version_id.startswith("atw-")


def test_an_edited_legal_calendar_file_is_read_again(tmp_path) -> None:
    path = tmp_path / "legal-calendar.toml"
    path.write_text('version = "v1"\n')
    assert load_legal_calendar(path).version == "v1"
    path.write_text('version = "v2"\n')
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert load_legal_calendar(path).version == "v2"


def test_an_unusable_legal_calendar_file_is_refused_naming_file_and_entry(tmp_path) -> None:
    bad = tmp_path / "legal-calendar.toml"
    bad.write_text('version = "x"\n[[equated]]\ndate = 2026-06-01\nname = "dag"\n')
    with pytest.raises(CalendarError, match=r"legal-calendar.toml.*source"):
        load_legal_calendar(bad)
    with pytest.raises(CalendarError, match="cannot read"):
        load_legal_calendar(tmp_path / "missing.toml")


# -- examples ----------------------------------------------------------------------------------


def test_two_business_days_from_friday_evening_before_koningsdag() -> None:
    # given a complaint on Friday 24 April 2026; Monday 27 April is Koningsdag
    start = ams(2026, 4, 24, 20, 0)
    # when two business days are added
    deadline = CAL.add_business_days(start, 2)
    # then it is due on Wednesday 29 April, i.e. late from Thursday 00:00 Amsterdam time
    assert CAL.due_date(deadline) == date(2026, 4, 29)
    assert deadline == ams(2026, 4, 30, 0, 0)
    assert deadline.tzinfo is UTC
    assert deadline == datetime(2026, 4, 29, 22, 0, tzinfo=UTC)


def test_deadline_is_local_midnight_also_in_winter_time() -> None:
    deadline = CAL.add_business_days(ams(2026, 1, 5, 9, 0), 1)
    assert deadline == datetime(2026, 1, 6, 23, 0, tzinfo=UTC)


def test_next_business_moment_outside_working_hours_is_next_opening() -> None:
    assert CAL.next_business_moment(ams(2026, 3, 9, 7, 0)) == ams(2026, 3, 9, 8, 30)
    assert CAL.next_business_moment(ams(2026, 3, 9, 12, 0)) == ams(2026, 3, 9, 12, 0)
    assert CAL.next_business_moment(ams(2026, 3, 9, 17, 0)) == ams(2026, 3, 10, 8, 30)
    assert CAL.next_business_moment(ams(2026, 4, 3, 10, 0)) == ams(2026, 4, 7, 8, 30)


def test_next_business_day_skips_the_easter_weekend() -> None:
    assert CAL.next_business_day(date(2026, 4, 2)) == date(2026, 4, 7)


def test_naive_datetimes_and_bad_configuration_are_rejected() -> None:
    with pytest.raises(CalendarError, match="naive"):
        CAL.add_business_days(datetime(2026, 1, 5, 9, 0), 1)
    with pytest.raises(CalendarError, match="time zone"):
        business_calendar(version="x", timezone="Europe/Nowhere")
    with pytest.raises(CalendarError, match="before end"):
        WorkingHours(time(17), time(9))
    with pytest.raises(CalendarError, match=">= 1"):
        CAL.add_business_days(ams(2026, 1, 5, 9, 0), 0)


# -- properties --------------------------------------------------------------------------------


@FAST
@given(start=moments, n=days)
def test_a_deadline_never_falls_due_on_a_weekend_or_holiday(start: datetime, n: int) -> None:
    due = CAL.due_date(CAL.add_business_days(start, n))
    assert CAL.is_business_day(due)
    assert due.weekday() < 5
    assert not atw.is_holiday(due, CAL.legal)


@FAST
@given(start=moments, n=days)
def test_adding_n_then_counting_back_gives_n(start: datetime, n: int) -> None:
    assert CAL.business_days_between(start, CAL.add_business_days(start, n)) == n


@FAST
@given(start=moments, n=days)
def test_deadline_is_end_of_a_local_day_after_start(start: datetime, n: int) -> None:
    deadline = CAL.add_business_days(start, n)
    assert deadline > start
    assert deadline.astimezone(CAL.tz).time() == time(0)
    assert CAL.add_business_days(start, n + 1) > deadline


@FAST
@given(start=moments, n=days)
def test_the_start_day_itself_never_counts(start: datetime, n: int) -> None:
    same_day_later = datetime.combine(CAL.local_date(start), time(23, 59), tzinfo=CAL.tz)
    assert CAL.add_business_days(start, n) == CAL.add_business_days(same_day_later, n)


@FAST
@given(a=moments, b=moments)
def test_counting_is_antisymmetric_and_bounded_by_calendar_days(a: datetime, b: datetime) -> None:
    forward = CAL.business_days_between(a, b)
    assert forward == -CAL.business_days_between(b, a)
    assert abs(forward) <= max(abs((CAL.local_date(b) - CAL.local_date(a)).days), 1)


@FAST
@given(start=moments)
def test_next_business_moment_is_working_time_and_not_earlier(start: datetime) -> None:
    moment = CAL.next_business_moment(start)
    assert moment >= start
    assert CAL.is_working_time(moment)
    assert moment - start < timedelta(days=12)


def test_the_pure_calendar_is_given_its_legal_calendar_and_reads_no_file() -> None:
    with pytest.raises(TypeError, match="legal"):
        BusinessCalendar(version="x")  # type: ignore[call-arg]
    own = atw.LegalCalendar(version="own")
    assert BusinessCalendar(version="x", legal=own).version_id == f"x+{own.version_id}"
