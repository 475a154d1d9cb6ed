"""Early warning (issue 18 item 5): a topic that rises well above its own usual level this week.

A complaint's **topic** is each theme staff classified it under, else the category it arrived
with (the public picks one from the vocabulary, so a burst shows before anyone classified it).
For every topic, the complaints received in the last ``window`` days are compared with the
topic's own weekly rate over the ``baseline`` weeks before the window. Counts of independent
arrivals are Poisson; the warning is raised when the count is at least ``minimum`` and the
chance of seeing that many or more at the usual rate is below ``alpha`` divided by the number
of topics looked at (Bonferroni: with 40 topics, one week in ten would otherwise warn by chance).
A topic new in the baseline counts a usual rate of half a complaint a week, so a brand-new
topic needs a real burst, not one complaint.

Statistics over themes, no text: reporting holds no personal data and reads no complaint's
words (docs/security.md), and a count per theme needs no model, no download and no service.
Pure: the same rows and moment give the same warnings (as of any moment, like every answer).
The precision on a generated year with injected bursts is measured in bench/early_warning.py.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.reporting.fold import parse_ts

Row = dict[str, Any]


@dataclass(frozen=True)
class Settings:
    window_days: int = 7
    baseline_weeks: int = 8
    minimum: int = 5
    alpha: float = 0.01
    floor: float = 0.5  # the usual weekly rate of a topic unseen in the baseline


@dataclass(frozen=True)
class Warning:
    topic: str
    observed: int
    expected: float  # complaints in a window at the usual rate
    p_value: float
    complaints: tuple[tuple[str, str], ...]  # (complaint id, reference), newest first
    latest: str = ""  # the newest complaint's received_at, as the read model has it

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "observed": self.observed,
            "expected": round(self.expected, 2),
            "p_value": float(f"{self.p_value:.3g}"),
            "complaints": [{"complaint_id": c, "reference": r} for c, r in self.complaints],
            "latest": self.latest,
        }


def topics(row: Row) -> list[str]:
    themes = json.loads(row.get("themes") or "[]")
    if themes:
        return sorted(set(themes))
    return [row["category"]] if row.get("category") else []


def warnings(rows: list[Row], now: datetime, s: Settings = Settings()) -> list[Warning]:
    """The rising topics as of ``now``, strongest first. ``rows``: complaints with at least
    complaint_id, reference, received_at, category, themes (more rows are ignored)."""
    window_start = now - timedelta(days=s.window_days)
    baseline_start = window_start - timedelta(weeks=s.baseline_weeks)
    recent: dict[str, list[tuple[datetime, str, str, str]]] = defaultdict(list)
    before: dict[str, int] = defaultdict(int)
    for r in rows:
        at = parse_ts(r["received_at"])
        if at is None or at > now or at < baseline_start:
            continue
        for topic in topics(r):
            if at >= window_start:
                recent[topic].append((at, r["complaint_id"], r["reference"], r["received_at"]))
            else:
                before[topic] += 1
    seen = set(recent) | set(before)
    if not seen:
        return []
    weeks_per_window = s.window_days / 7
    threshold = s.alpha / len(seen)
    found = []
    for topic, hits in recent.items():
        rate = max(before[topic] / s.baseline_weeks, s.floor) * weeks_per_window
        p = poisson_tail(len(hits), rate)
        if len(hits) >= s.minimum and p < threshold:
            newest = sorted(hits, reverse=True)
            complaints = tuple((c, ref) for _, c, ref, _ in newest)
            found.append(Warning(topic, len(hits), rate, p, complaints, newest[0][3]))
    return sorted(found, key=lambda w: (w.p_value, w.topic))


def poisson_tail(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean): above the mean the tail's own terms are summed (exact
    down to the smallest floats), below it one minus the head."""
    if k <= 0:
        return 1.0

    def pmf(i: int) -> float:
        return math.exp(i * math.log(mean) - mean - math.lgamma(i + 1))

    if k <= mean:
        return max(0.0, 1.0 - sum(pmf(i) for i in range(k)))
    tail, i = 0.0, k
    while True:
        term = pmf(i)
        tail += term
        if term <= tail * 1e-15:
            return tail
        i += 1


def answer(
    found: list[Warning], now: datetime, position: int, s: Settings = Settings()
) -> dict[str, Any]:
    """``/api/reports/early-warning``: the moment and log position it answers for, the windows,
    the warnings."""
    return {
        "as_of": now.isoformat(),
        "stream_sequence": position,
        "window_days": s.window_days,
        "baseline_weeks": s.baseline_weeks,
        "warnings": [w.as_dict() for w in found],
    }
