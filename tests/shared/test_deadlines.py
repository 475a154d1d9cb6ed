"""SLA deadlines and breaches: given a complaint's clock state, when time passes, then ..."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.config.policy_file import build_calendar, load_policy
from shared.rules.deadlines import (
    ClockState,
    Extension,
    Pause,
    SlaInputError,
    breaches,
    can_extend,
    deadlines,
    next_check_at,
    next_escalation,
)
from shared.rules.policy import Policy

POLICY = load_policy(Path(__file__).parents[2] / "config" / "policy.toml")
CAL = build_calendar(POLICY.calendar)
RECEIPT_POLICY = msgspec.structs.replace(POLICY, count_from="receipt")
FAST = settings(max_examples=200, deadline=None)
CID = "6f1c2f0e-8d4b-4c4e-9a57-2b1f3c9e0a11"


def ams(*args: int) -> datetime:
    return datetime(*args, tzinfo=CAL.tz)


def end_of(day: date) -> datetime:
    return CAL.end_of_day(day)


def state(received_at: datetime, **changes: object) -> ClockState:
    return ClockState(complaint_id=CID, received_at=received_at, **changes)  # type: ignore[arg-type]


MONDAY = ams(2026, 3, 9, 10, 0)  # an ordinary Monday, during working hours


# -- deadlines: examples -----------------------------------------------------------------------


def test_awb_complaint_received_on_a_monday() -> None:
    d = deadlines(state(MONDAY), POLICY, CAL)
    assert d.acknowledge_by == end_of(date(2026, 3, 11))
    assert d.respond_by == end_of(date(2026, 3, 23))
    assert d.statutory_by == end_of(date(2026, 4, 20))
    assert (d.regime, d.statutory_weeks, d.max_extension_weeks) == ("awb", 6, 4)
    assert d.policy_version == POLICY.version_id
    assert d.calendar_version == CAL.version_id
    assert d.calendar_version.endswith("+" + CAL.legal.version_id)  # the legal calendar's too


def test_advisory_committee_gives_ten_weeks() -> None:
    d = deadlines(state(MONDAY, committee=True), POLICY, CAL)
    assert d.statutory_by == end_of(date(2026, 5, 18))


def test_wkkgz_category_and_urgent_priority() -> None:
    d = deadlines(state(MONDAY, category="zorg", priority="urgent"), POLICY, CAL)
    assert d.regime == "wkkgz"
    assert d.statutory_by == end_of(date(2026, 4, 20))
    assert d.acknowledge_by == end_of(date(2026, 3, 10))
    assert d.respond_by == end_of(date(2026, 3, 12))


def test_statutory_term_ending_on_koningsdag_runs_on_to_the_next_working_day() -> None:
    d = deadlines(state(ams(2026, 3, 16, 10, 0)), POLICY, CAL)
    assert d.unextended_statutory_by == end_of(date(2026, 4, 28))


def test_statutory_term_ending_on_bevrijdingsdag_runs_on_in_every_year() -> None:
    # 24 March 2026 + 6 weeks = Tuesday 5 May 2026: a holiday under ATW art. 3, not a lustrum year
    d = deadlines(state(ams(2026, 3, 24, 10, 0)), POLICY, CAL)
    assert d.statutory_by == end_of(date(2026, 5, 6))


def test_statutory_term_runs_on_over_a_day_equated_by_decree() -> None:
    # Good Friday 3 April 2026 + 6 weeks = Friday 15 May 2026, equated with a holiday by decree
    # (ATW art. 3 lid 3): the term runs on past the weekend to Monday 18 May
    d = deadlines(state(ams(2026, 4, 3, 10, 0)), POLICY, CAL)
    assert d.statutory_by == end_of(date(2026, 5, 18))


def test_the_organisations_closing_days_do_not_move_the_statutory_term() -> None:
    closing = date(2026, 4, 14)  # a Tuesday the organisation closes; 6 weeks after 3 March
    cal = build_calendar(msgspec.structs.replace(POLICY.calendar, extra_closing_days=(closing,)))
    d = deadlines(state(ams(2026, 3, 3, 10, 0)), POLICY, cal)
    assert d.statutory_by == end_of(closing)


def test_saturday_receipt_counts_from_monday_when_the_policy_says_so() -> None:
    saturday = ams(2026, 3, 7, 11, 0)
    by_next_day = deadlines(state(saturday), POLICY, CAL)
    by_receipt = deadlines(state(saturday), RECEIPT_POLICY, CAL)
    assert by_next_day.acknowledge_by == end_of(date(2026, 3, 11))  # Mon is day 0
    assert by_receipt.acknowledge_by == end_of(date(2026, 3, 10))  # Mon is day 1
    assert by_next_day.statutory_by == by_receipt.statutory_by == end_of(date(2026, 4, 18 + 2))


def test_escalated_complaint_gets_the_level_term_from_the_escalation() -> None:
    escalated = ams(2026, 3, 24, 9, 0)
    d = deadlines(state(MONDAY, escalation_level=1, last_escalated_at=escalated), POLICY, CAL)
    assert d.respond_by == end_of(date(2026, 3, 31))
    assert d.acknowledge_by == end_of(date(2026, 3, 11))


def test_extension_with_notice_moves_only_the_statutory_deadline() -> None:
    plain = deadlines(state(MONDAY), POLICY, CAL)
    ext = Extension(weeks=4, notified_at=ams(2026, 4, 1, 12, 0))
    d = deadlines(state(MONDAY, extension=ext), POLICY, CAL)
    assert d.statutory_by == end_of(date(2026, 5, 18))
    assert d.extension_weeks == 4
    assert (d.acknowledge_by, d.respond_by) == (plain.acknowledge_by, plain.respond_by)


def test_extension_notified_after_the_term_ended_is_void() -> None:
    late = Extension(weeks=4, notified_at=ams(2026, 4, 21, 9, 0))
    d = deadlines(state(MONDAY, extension=late), POLICY, CAL)
    assert d.statutory_by == end_of(date(2026, 4, 20))
    assert d.extension_weeks == 0


def test_pause_over_whole_business_days_shifts_only_the_response_norm() -> None:
    # waiting for the complainant from Tuesday 10 March 11:00 to Thursday 12 March 15:00:
    # Tuesday and Wednesday end paused, so the response is due two business days later
    pause = Pause(ams(2026, 3, 10, 11, 0), ams(2026, 3, 12, 15, 0))
    plain = deadlines(state(MONDAY), POLICY, CAL)
    d = deadlines(state(MONDAY, pauses=(pause,)), POLICY, CAL)
    assert d.respond_by == end_of(date(2026, 3, 25))
    assert (d.acknowledge_by, d.statutory_by) == (plain.acknowledge_by, plain.statutory_by)


def test_open_pause_leaves_the_response_deadline_unknown() -> None:
    since = ams(2026, 3, 12, 9, 0)
    d = deadlines(state(MONDAY, pauses=(Pause(since),)), POLICY, CAL)
    assert d.respond_by is None
    assert d.paused_since == since
    assert d.statutory_by == end_of(date(2026, 4, 20))


def test_naive_or_impossible_states_are_rejected() -> None:
    with pytest.raises(SlaInputError, match="aware"):
        deadlines(state(datetime(2026, 3, 9, 10, 0)), POLICY, CAL)
    with pytest.raises(SlaInputError, match="last_escalated_at"):
        deadlines(state(MONDAY, escalation_level=1), POLICY, CAL)
    with pytest.raises(SlaInputError, match="outside"):
        deadlines(state(MONDAY, escalation_level=4, last_escalated_at=MONDAY), POLICY, CAL)


# -- breaches: examples ------------------------------------------------------------------------


def test_missed_acknowledgement_escalates_to_level_1_once() -> None:
    s = state(MONDAY)
    d = deadlines(s, POLICY, CAL)
    assert breaches(s, d, d.acknowledge_by - timedelta(microseconds=1)) == []
    [breach] = breaches(s, d, d.acknowledge_by)
    assert breach.breach_id == f"{CID}:acknowledge:0"
    assert (breach.clock, breach.level, breach.escalates_to) == ("acknowledge", 0, 1)
    assert "acknowledgement" in breach.reason
    # when the escalation is recorded, then the same miss does not escalate again
    s = msgspec.structs.replace(s, escalation_level=1, last_escalated_at=d.acknowledge_by)
    assert breaches(s, deadlines(s, POLICY, CAL), d.acknowledge_by + timedelta(hours=1)) == []


def test_several_misses_at_once_are_listed_earliest_first_and_one_escalation_consumes_them() -> (
    None
):
    s = state(MONDAY)
    d = deadlines(s, POLICY, CAL)
    now = d.statutory_by + timedelta(days=1)
    found = breaches(s, d, now)
    assert [b.clock for b in found] == ["acknowledge", "respond", "statutory"]
    assert next_escalation(s, d, now) == found[0]
    s = msgspec.structs.replace(s, escalation_level=1, last_escalated_at=now)
    assert breaches(s, deadlines(s, POLICY, CAL), now) == []


def test_answered_acknowledged_and_closed_complaints_do_not_breach() -> None:
    s = state(MONDAY, acknowledged_at=ams(2026, 3, 9, 12), responded_at=ams(2026, 3, 20, 9))
    far = ams(2027, 1, 1)
    assert breaches(s, deadlines(s, POLICY, CAL), far) == []
    closed = state(MONDAY, closed_at=ams(2026, 3, 10, 9))
    assert breaches(closed, deadlines(closed, POLICY, CAL), far) == []


def test_no_escalation_beyond_the_top_of_the_ladder() -> None:
    s = state(MONDAY, escalation_level=3, last_escalated_at=ams(2026, 3, 12, 9))
    assert breaches(s, deadlines(s, POLICY, CAL), ams(2027, 1, 1)) == []


def test_a_response_before_an_escalation_does_not_answer_the_escalated_level() -> None:
    escalated = ams(2026, 3, 24, 9)
    s = state(
        MONDAY,
        responded_at=ams(2026, 3, 20, 9),
        escalation_level=1,
        last_escalated_at=escalated,
    )
    d = deadlines(s, POLICY, CAL)
    [breach] = breaches(s, d, d.respond_by)
    assert (breach.breach_id, breach.escalates_to) == (f"{CID}:respond:1", 2)


def test_next_check_is_the_earliest_open_deadline() -> None:
    s = state(MONDAY)
    d = deadlines(s, POLICY, CAL)
    assert next_check_at(s, d, MONDAY) == d.acknowledge_by
    acked = msgspec.structs.replace(s, acknowledged_at=MONDAY)
    assert next_check_at(acked, d, MONDAY) == d.respond_by


# -- extension rules ---------------------------------------------------------------------------


def test_extension_rules() -> None:
    s = state(MONDAY)
    d = deadlines(s, POLICY, CAL)
    before = d.statutory_by - timedelta(hours=1)
    assert can_extend(s, d, 4, before) is None
    assert can_extend(s, d, 5, before).code == "too_long"  # type: ignore[union-attr]
    assert can_extend(s, d, 0, before).code == "too_long"  # type: ignore[union-attr]
    assert can_extend(s, d, 2, d.statutory_by).code == "too_late"  # type: ignore[union-attr]
    done = msgspec.structs.replace(s, responded_at=MONDAY)
    assert can_extend(done, d, 2, before).code == "already_handled"  # type: ignore[union-attr]


# -- properties --------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
clock_states = st.builds(
    state,
    received_at=moments,
    category=st.sampled_from([None, "zorg", "other"]),
    channel=st.sampled_from([None, "web", "phone"]),
    priority=st.sampled_from([None, "urgent"]),
    committee=st.booleans(),
)


@st.composite
def paused_states(draw: st.DrawFn) -> ClockState:
    s = draw(clock_states)
    offsets = draw(st.lists(st.integers(0, 40 * 24), min_size=2, max_size=6, unique=True))
    edges = sorted(s.received_at + timedelta(hours=h) for h in offsets)
    pauses = tuple(Pause(a, b) for a, b in zip(edges[::2], edges[1::2], strict=False))
    return msgspec.structs.replace(s, pauses=pauses)


def running_business_days(s: ClockState, policy: Policy, until: datetime) -> int:
    """Independent count: business days after the start whose end the clock was running at."""
    start = s.received_at
    if policy.count_from == "next_business_day":
        start = CAL.next_business_moment(start)
    day, count = CAL.local_date(start) + timedelta(days=1), 0
    while CAL.end_of_day(day) <= until:
        end = CAL.end_of_day(day)
        paused = any(p.start < end <= p.end for p in s.pauses if p.end is not None)
        count += CAL.is_business_day(day) and not paused
        day += timedelta(days=1)
    return count


@FAST
@given(s=paused_states())
def test_pauses_stop_only_the_internal_response_clock(s: ClockState) -> None:
    plain = deadlines(msgspec.structs.replace(s, pauses=()), POLICY, CAL)
    d = deadlines(s, POLICY, CAL)
    assert d.statutory_by == plain.statutory_by
    assert d.acknowledge_by == plain.acknowledge_by  # policy pauses "respond" only
    assert d.respond_by is not None and plain.respond_by is not None
    assert d.respond_by >= plain.respond_by
    norm = POLICY.norm(s.category, s.channel, s.priority).respond_business_days
    assert running_business_days(s, POLICY, d.respond_by) == norm
    assert CAL.is_business_day(CAL.due_date(d.respond_by))


@FAST
@given(s=clock_states, weeks=st.integers(1, 4), lead=st.integers(1, 42 * 24))
def test_extension_moves_only_the_statutory_deadline_by_its_weeks(
    s: ClockState, weeks: int, lead: int
) -> None:
    plain = deadlines(s, POLICY, CAL)
    notified = max(s.received_at, plain.statutory_by - timedelta(hours=lead))
    assert can_extend(s, plain, weeks, notified) is None
    extended = msgspec.structs.replace(s, extension=Extension(weeks, notified))
    d = deadlines(extended, POLICY, CAL)
    assert msgspec.structs.replace(d, statutory_by=plain.statutory_by, extension_weeks=0) == plain
    # the extension lengthens the term itself; rolling off a holiday applies to its new end
    term_end = CAL.local_date(s.received_at) + timedelta(weeks=d.statutory_weeks + weeks)
    assert CAL.due_date(d.statutory_by) >= term_end
    assert d.statutory_by > plain.statutory_by
    refusal = can_extend(extended, d, 1, notified)
    assert refusal is not None and refusal.code == "already_extended"


@FAST
@given(s=clock_states)
def test_receipt_outside_working_time_counts_from_the_next_opening(s: ClockState) -> None:
    norm = POLICY.norm(s.category, s.channel, s.priority)
    by_opening = deadlines(s, POLICY, CAL).acknowledge_by
    by_receipt = deadlines(s, RECEIPT_POLICY, CAL).acknowledge_by
    opening = CAL.next_business_moment(s.received_at)
    assert by_opening == CAL.add_business_days(opening, norm.acknowledge_business_days)
    assert by_receipt == CAL.add_business_days(s.received_at, norm.acknowledge_business_days)
    assert by_opening is not None and by_receipt is not None and by_opening >= by_receipt
    if CAL.is_working_time(s.received_at):
        assert by_opening == by_receipt


@FAST
@given(s=clock_states, early=st.integers(0, 10_000), later=st.integers(0, 10**6))
def test_a_complaint_answered_in_time_never_breaches(s: ClockState, early: int, later: int) -> None:
    d = deadlines(s, POLICY, CAL)
    assert d.acknowledge_by is not None
    done = min(d.acknowledge_by, s.received_at + timedelta(seconds=early))
    answered = msgspec.structs.replace(s, acknowledged_at=done, responded_at=done)
    assert breaches(answered, d, done + timedelta(minutes=later)) == []


@FAST
@given(s=clock_states, hours=st.lists(st.integers(1, 24 * 120), min_size=1, max_size=40))
def test_a_monitor_escalates_each_missed_deadline_exactly_once(
    s: ClockState, hours: list[int]
) -> None:
    recorded: list[str] = []
    for now in sorted(s.received_at + timedelta(hours=h) for h in hours):
        d = deadlines(s, POLICY, CAL)
        breach = next_escalation(s, d, now)
        if breach is None:
            continue
        assert breach.breach_id not in recorded
        assert breach.escalates_to == s.escalation_level + 1 <= POLICY.top_level
        recorded.append(breach.breach_id)
        s = msgspec.structs.replace(s, escalation_level=breach.escalates_to, last_escalated_at=now)
    assert len(recorded) <= POLICY.top_level


@FAST
@given(s=clock_states, a=st.integers(0, 10**7), b=st.integers(0, 10**7))
def test_breaches_only_grow_with_time_until_something_happens(
    s: ClockState, a: int, b: int
) -> None:
    d = deadlines(s, POLICY, CAL)
    first, second = sorted((a, b))
    early = {x.breach_id for x in breaches(s, d, s.received_at + timedelta(seconds=first))}
    late = {x.breach_id for x in breaches(s, d, s.received_at + timedelta(seconds=second))}
    assert early <= late


@FAST
@given(s=clock_states, offset=st.integers(0, 10**7), later=st.integers(0, 10**8))
def test_closed_complaints_never_breach(s: ClockState, offset: int, later: int) -> None:
    closed_at = s.received_at + timedelta(seconds=offset)
    closed = msgspec.structs.replace(s, closed_at=closed_at)
    assert (
        breaches(closed, deadlines(closed, POLICY, CAL), closed_at + timedelta(seconds=later)) == []
    )
