"""Early warning (issue 18 item 5): a rising topic is found with its complaints; usual weeks,
small numbers and the future are not."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta

from services.reporting.early_warning import Settings, poisson_tail, warnings

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
USUAL = {"bejegening": 3, "informatie": 2, "tijdigheid": 4, "besluit": 1}  # a week


def row(i: int, at: datetime, theme: str | None, category: str | None = None) -> dict:
    return {
        "complaint_id": f"c{i}",
        "reference": f"KL-2026-{i:06d}",
        "received_at": at.isoformat().replace("+00:00", "Z"),
        "category": category,
        "themes": json.dumps([theme]) if theme else None,
    }


def usual_weeks(weeks: int = 9, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for week in range(weeks):
        for theme, n in USUAL.items():
            for _ in range(n):
                at = NOW - timedelta(weeks=week, days=rng.uniform(0, 7))
                rows.append(row(len(rows), at, theme))
    return rows


def test_usual_weeks_raise_nothing() -> None:
    assert warnings(usual_weeks(), NOW) == []


def test_a_burst_is_found_with_its_complaints_newest_first() -> None:
    rows = usual_weeks()
    burst = [row(1000 + i, NOW - timedelta(hours=2 + i), "informatie") for i in range(12)]
    found = warnings(rows + burst, NOW)
    assert [w.topic for w in found] == ["informatie"]
    (w,) = found
    assert w.observed >= 12 and math.isclose(w.expected, 2.0, rel_tol=0.5)
    assert [c for c, _ in w.complaints[:12]] == [f"c{1000 + i}" for i in range(12)]
    assert w.p_value < 0.01 / 4


def test_an_unclassified_burst_counts_by_the_category_it_arrived_with() -> None:
    burst = [row(i, NOW - timedelta(hours=i + 1), None, "afvalinzameling") for i in range(9)]
    assert [w.topic for w in warnings(usual_weeks() + burst, NOW)] == ["afvalinzameling"]


def test_a_new_topic_needs_the_minimum() -> None:
    few = [row(i, NOW - timedelta(hours=i + 1), "nieuw") for i in range(4)]
    assert warnings(usual_weeks() + few, NOW) == []
    five = [*few, row(99, NOW - timedelta(hours=9), "nieuw")]
    assert [w.topic for w in warnings(usual_weeks() + five, NOW)] == ["nieuw"]
    assert [w.topic for w in warnings(usual_weeks() + five, NOW, Settings(minimum=6))] == []


def test_the_future_and_the_distant_past_are_not_looked_at() -> None:
    later = [row(i, NOW + timedelta(hours=i + 1), "informatie") for i in range(20)]
    assert warnings(usual_weeks() + later, NOW) == []  # as of NOW, those did not exist yet
    old = [row(i, NOW - timedelta(weeks=30, hours=i), "informatie") for i in range(40)]
    assert warnings(usual_weeks() + old, NOW) == []


def test_poisson_tail() -> None:
    assert poisson_tail(0, 3.0) == 1.0
    assert math.isclose(poisson_tail(1, 1.0), 1 - math.exp(-1))
    assert math.isclose(poisson_tail(3, 2.0), 1 - math.exp(-2) * (1 + 2 + 2))
    tiny = poisson_tail(60, 2.0)  # far in the tail: exact, not 1 - 0.999…
    assert 0 < tiny < 1e-40
