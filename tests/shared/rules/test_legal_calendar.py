"""The legal calendar (Algemene termijnenwet) and the statutory term it rolls.

The expected dates are written out by hand below from the ATW (art. 3 lid 1 and 2) and the two
decrees of art. 3 lid 3 for 2023-2025 and 2026-2028, and the roll is computed here
independently of shared/rules; shared.rules.deadlines must agree for every receipt date around them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.config.policy_file import build_calendar, load_policy
from shared.rules import legal_calendar as atw
from shared.rules.deadlines import ClockState, deadlines
from shared.rules.legal_calendar import EquatedDay, LegalCalendar, LegalCalendarError

POLICY = load_policy(Path(__file__).parents[3] / "config" / "policy.toml")
CAL = build_calendar(POLICY.calendar)
CID = "0b9d7c1e-3f52-4a8e-9d0c-7e6f5a4b3c21"

# ATW art. 3 lid 1 and 2, 2024-2028 (first Easter and Whit days are Sundays: not listed).
STATUTORY = {
    2024: [
        ("Nieuwjaarsdag", date(2024, 1, 1)),
        ("Goede Vrijdag", date(2024, 3, 29)),
        ("tweede Paasdag", date(2024, 4, 1)),
        ("Koningsdag", date(2024, 4, 27)),  # a Saturday; only a Sunday moves it
        ("5 mei", date(2024, 5, 5)),
        ("Hemelvaartsdag", date(2024, 5, 9)),
        ("tweede Pinksterdag", date(2024, 5, 20)),
        ("eerste Kerstdag", date(2024, 12, 25)),
        ("tweede Kerstdag", date(2024, 12, 26)),
    ],
    2025: [
        ("Nieuwjaarsdag", date(2025, 1, 1)),
        ("Goede Vrijdag", date(2025, 4, 18)),
        ("tweede Paasdag", date(2025, 4, 21)),
        ("Koningsdag", date(2025, 4, 26)),  # 27 April is a Sunday
        ("5 mei", date(2025, 5, 5)),
        ("Hemelvaartsdag", date(2025, 5, 29)),
        ("tweede Pinksterdag", date(2025, 6, 9)),
        ("eerste Kerstdag", date(2025, 12, 25)),
        ("tweede Kerstdag", date(2025, 12, 26)),
    ],
    2026: [
        ("Nieuwjaarsdag", date(2026, 1, 1)),
        ("Goede Vrijdag", date(2026, 4, 3)),
        ("tweede Paasdag", date(2026, 4, 6)),
        ("Koningsdag", date(2026, 4, 27)),
        ("5 mei", date(2026, 5, 5)),
        ("Hemelvaartsdag", date(2026, 5, 14)),
        ("tweede Pinksterdag", date(2026, 5, 25)),
        ("eerste Kerstdag", date(2026, 12, 25)),
        ("tweede Kerstdag", date(2026, 12, 26)),
    ],
    2027: [
        ("Nieuwjaarsdag", date(2027, 1, 1)),
        ("Goede Vrijdag", date(2027, 3, 26)),
        ("tweede Paasdag", date(2027, 3, 29)),
        ("Koningsdag", date(2027, 4, 27)),
        ("5 mei", date(2027, 5, 5)),
        ("Hemelvaartsdag", date(2027, 5, 6)),
        ("tweede Pinksterdag", date(2027, 5, 17)),
        ("eerste Kerstdag", date(2027, 12, 25)),
        ("tweede Kerstdag", date(2027, 12, 26)),
    ],
    2028: [
        ("Nieuwjaarsdag", date(2028, 1, 1)),
        ("Goede Vrijdag", date(2028, 4, 14)),
        ("tweede Paasdag", date(2028, 4, 17)),
        ("Koningsdag", date(2028, 4, 27)),
        ("5 mei", date(2028, 5, 5)),
        ("Hemelvaartsdag", date(2028, 5, 25)),
        ("tweede Pinksterdag", date(2028, 6, 5)),
        ("eerste Kerstdag", date(2028, 12, 25)),
        ("tweede Kerstdag", date(2028, 12, 26)),
    ],
}
# ATW art. 3 lid 3: "Besluit gelijkstelling van 28 april 2023, 19 mei 2023, 10 mei 2024,
# 27 december 2024 en 30 mei 2025 ..." and "... van 2 januari 2026, 15 mei 2026, 7 mei 2027,
# 28 april 2028 en 26 mei 2028 met een algemeen erkende feestdag".
EQUATED = [
    date(2024, 5, 10),
    date(2024, 12, 27),
    date(2025, 5, 30),
    date(2026, 1, 2),
    date(2026, 5, 15),
    date(2027, 5, 7),
    date(2028, 4, 28),
    date(2028, 5, 26),
]
ATW_DAYS = {day for days in STATUTORY.values() for _, day in days} | set(EQUATED)


def expected_last_day(receipt: date) -> date:
    """Independent: receipt + 6 weeks, then on past Saturdays, Sundays and ATW days."""
    day = receipt + timedelta(weeks=6)
    while day.weekday() >= 5 or day in ATW_DAYS:
        day += timedelta(days=1)
    return day


def statutory_last_day(receipt: date, at: time = time(10, 0)) -> date:
    received = datetime.combine(receipt, at, tzinfo=CAL.tz)
    d = deadlines(ClockState(complaint_id=CID, received_at=received), POLICY, CAL)
    return CAL.due_date(d.unextended_statutory_by)


def receipts_around(holiday: date) -> list[date]:
    # receipts whose six weeks end from a week before to a week after the holiday (so every
    # weekend around it too), plus receipts on and around the holiday itself
    # (only where the six weeks end within 2024-2028, the years written out above)
    start = holiday - timedelta(weeks=6)
    around = {start + timedelta(days=k) for k in range(-7, 8)}
    around |= {holiday + timedelta(days=k) for k in range(-2, 3)}
    first, last = date(2024, 1, 1), date(2028, 12, 28)  # no roll into 2023 or 2029
    return sorted(r for r in around if first <= r + timedelta(weeks=6) <= last)


CASES = [
    pytest.param(holiday, id=f"{year}-{name}-{holiday.isoformat()}")
    for year, named in STATUTORY.items()
    for name, holiday in named
] + [pytest.param(day, id=f"gelijkgesteld-{day.isoformat()}") for day in EQUATED]


@pytest.mark.parametrize("holiday", CASES)
def test_statutory_end_around_every_atw_holiday_of_2024_to_2028(holiday: date) -> None:
    got = {r: statutory_last_day(r) for r in receipts_around(holiday)}
    want = {r: expected_last_day(r) for r in receipts_around(holiday)}
    assert got == want


def test_the_cases_that_were_wrong_with_the_holidays_library() -> None:
    # 5 May in a year that is no lustrum year: Tuesday 5 May 2026 -> Wednesday 6 May
    assert statutory_last_day(date(2026, 3, 24)) == date(2026, 5, 6)
    assert statutory_last_day(date(2027, 3, 24)) == date(2027, 5, 10)  # 5 May + Hemelvaart +
    # the Friday equated by decree: Wednesday 5 May 2027 runs on to Monday 10 May
    assert statutory_last_day(date(2024, 11, 15)) == date(2024, 12, 30)  # 27 Dec by decree


def test_receipt_late_in_the_evening_counts_from_the_local_day() -> None:
    # 23:30 Amsterdam on 24 March is 22:30 UTC: still the 24th for the term
    assert statutory_last_day(date(2026, 3, 24), time(23, 30)) == date(2026, 5, 6)


def test_the_calendar_module_lists_exactly_the_hand_written_days() -> None:
    for year, named in STATUTORY.items():
        listed = atw.holidays(year, CAL.legal)
        equated = {d for d in EQUATED if d.year == year}
        assert {d for _, d in named} | equated == set(listed)
        assert listed[date(year, 5, 5)].startswith("Bevrijdingsdag")


def test_every_shipped_decree_day_names_its_source() -> None:
    assert {e.date for e in CAL.legal.equated} >= set(EQUATED)
    for entry in CAL.legal.equated:
        assert entry.source.startswith("Besluit gelijkstelling")
        assert entry.date.strftime("%-d ") in entry.source  # the decree's title names the day


def test_a_day_added_to_the_calendar_file_is_honoured() -> None:
    # a new decree equates Monday 1 June 2026: a term ending that day runs on to Tuesday
    data = {
        "version": "test",
        "equated": [{"date": date(2026, 6, 1), "name": "testdag", "source": "Besluit test"}],
    }
    legal = atw.parse_legal_calendar(data, source="test.toml")
    assert legal.equated == (EquatedDay(date(2026, 6, 1), "testdag", "Besluit test"),)
    assert atw.term_end(date(2026, 6, 1), legal) == date(2026, 6, 2)
    assert atw.term_end(date(2026, 6, 1), LegalCalendar(version="none")) == date(2026, 6, 1)
    assert legal.version_id != LegalCalendar(version="test").version_id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"equated": []}, "missing required field `version`"),
        ({"version": "v", "equated": [{"date": "5 mei", "name": "x", "source": "y"}]}, "date"),
        ({"version": "v", "equated": [{"date": date(2026, 6, 1), "name": "x"}]}, "source"),
        ({"version": "v", "extra": 1}, "unknown field `extra`"),
        (
            {
                "version": "v",
                "equated": [{"date": date(2026, 6, 1), "name": "x", "source": "y"}] * 2,
            },
            "listed twice",
        ),
        (
            {"version": "v", "equated": [{"date": date(2026, 6, 1), "name": " ", "source": "y"}]},
            "name",
        ),
    ],
)
def test_bad_calendar_data_is_refused_naming_the_source(data: dict, message: str) -> None:
    with pytest.raises(LegalCalendarError, match=message) as caught:
        atw.parse_legal_calendar(data, source="legal.toml")
    assert str(caught.value).startswith("legal.toml: ")


def test_years_before_the_calendar_are_refused_not_guessed() -> None:
    with pytest.raises(LegalCalendarError, match="starts in"):
        atw.is_working_day(date(1985, 5, 6), CAL.legal)
    assert atw.statutory_holidays(2006)[date(2006, 4, 29)] == "Koninginnedag"  # 30th: Sunday


receipts = st.dates(min_value=date(2023, 11, 20), max_value=date(2028, 11, 16))  # ends in 2024-28


@settings(max_examples=300, deadline=None)
@given(receipt=receipts, minutes=st.integers(0, 24 * 60 - 1))
def test_the_statutory_end_is_the_first_atw_working_day_from_six_weeks(
    receipt: date, minutes: int
) -> None:
    at = time(minutes // 60, minutes % 60)
    end = statutory_last_day(receipt, at)
    raw = receipt + timedelta(weeks=6)
    assert end.weekday() < 5 and end not in ATW_DAYS
    assert raw <= end <= raw + timedelta(days=5)  # longest run in 2024-2028: Christmas 2024
    skipped = [raw + timedelta(days=k) for k in range((end - raw).days)]
    assert all(d.weekday() >= 5 or d in ATW_DAYS for d in skipped)
