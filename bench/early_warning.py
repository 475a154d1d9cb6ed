"""Early warning's precision on a generated year (issue 18 item 5): usual traffic in a dozen
topics with weekday rhythm, seasons and a slow trend, plus injected bursts (an outage, a wrong
letter: a few to a dozen complaints about one topic over two to five days). The detector of
services/reporting/early_warning.py runs every day at noon, as the dashboard would; beside it a
plain baseline that warns when this week's count is over twice the topic's weekly mean (and at
least five). Printed, not asserted.

    .venv/bin/python -m bench.early_warning [--years 5] [--bursts 12] [--seed 1]

An alert-day is **true** when its topic has an injected burst inside the detector's window that
day; precision = true alert-days / all alert-days; recall = bursts warned of on at least one day
/ bursts; delay = days from a burst's first complaint to its first warning.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from services.reporting.early_warning import Settings, topics, warnings

START = datetime(2026, 1, 5, tzinfo=UTC)
TOPICS = {  # usual complaints a week
    "bejegening": 6, "informatie": 9, "tijdigheid": 12, "besluit": 4, "dienstverlening": 15,
    "afval": 8, "parkeren": 5, "belastingen": 7, "zorg": 3, "vergunningen": 2, "wonen": 4,
    "digitaal": 10,
}  # fmt: skip
WEEKDAY = (1.3, 1.2, 1.1, 1.1, 1.0, 0.2, 0.1)


def scenario(days: int, n_bursts: int, rng: random.Random) -> tuple[list[dict], list[dict]]:
    rows: list[dict[str, Any]] = []
    bursts = []
    for _ in range(n_bursts):
        topic = rng.choice(list(TOPICS))
        start = rng.randrange(70, days - 7)  # after a baseline to compare with
        bursts.append(
            {"topic": topic, "start": start, "length": rng.randint(2, 5),
             "size": rng.randint(max(4, TOPICS[topic] // 2), 12 + TOPICS[topic] // 2)}
        )  # fmt: skip
    for day in range(days):
        season = 1 + 0.25 * math.sin(2 * math.pi * day / 365) + 0.1 * day / days
        for topic, weekly in TOPICS.items():
            mean = weekly / 7 * WEEKDAY[(START + timedelta(days=day)).weekday()] * 7 / 6.0 * season
            for _ in range(_poisson(mean, rng)):
                _add(rows, topic, START + timedelta(days=day, hours=rng.uniform(8, 18)))
    for b in bursts:
        for _ in range(b["size"]):
            at = START + timedelta(days=b["start"] + rng.uniform(0, b["length"]), hours=9)
            _add(rows, b["topic"], at)
    return rows, bursts


def _add(rows: list[dict], topic: str, at: datetime) -> None:
    i = len(rows)
    rows.append({"complaint_id": f"c{i}", "reference": f"KL-{i:07d}", "category": None,
                 "themes": json.dumps([topic]), "received_at": at.isoformat()})  # fmt: skip


def _poisson(mean: float, rng: random.Random) -> int:
    k, p, limit = 0, 1.0, math.exp(-mean)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def naive(rows: list[dict], now: datetime, s: Settings) -> list[str]:
    window = now - timedelta(days=s.window_days)
    base = window - timedelta(weeks=s.baseline_weeks)
    recent: dict[str, int] = {}
    before: dict[str, int] = {}
    for r in rows:
        at = datetime.fromisoformat(r["received_at"])
        if base <= at <= now:
            for t in topics(r):
                bucket = recent if at >= window else before
                bucket[t] = bucket.get(t, 0) + 1
    return [
        t
        for t, n in recent.items()
        if n >= s.minimum and n > 2 * before.get(t, 0) / s.baseline_weeks
    ]


def evaluate(
    rows: list[dict],
    bursts: list[dict],
    days: int,
    detect: Callable[[list[dict], datetime], list[str]],
) -> dict[str, Any]:
    s = Settings()
    rows = sorted(rows, key=lambda r: r["received_at"])
    true = false = 0
    found: dict[int, int] = {}
    for day in range(70, days):
        now = START + timedelta(days=day, hours=12)
        lo = (now - timedelta(weeks=s.baseline_weeks + 2)).isoformat()
        near = [r for r in rows if lo <= r["received_at"] <= now.isoformat()]
        for topic in detect(near, now):
            hits = [i for i, b in enumerate(bursts) if _inside(b, topic, day, s.window_days)]
            if hits:
                true += 1
                for i in hits:
                    found.setdefault(i, day - bursts[i]["start"])
            else:
                false += 1
    alerts = true + false
    return {
        "precision": true / alerts if alerts else float("nan"),
        "recall": len(found) / len(bursts) if bursts else float("nan"),
        "alerts": alerts,
        "false": false,
        "delay": statistics.median(found.values()) if found else float("nan"),
    }


def _inside(burst: dict, topic: str, day: int, window: int) -> bool:
    """The burst is about the topic and some of it lies in the window ending on ``day``."""
    return (
        burst["topic"] == topic
        and burst["start"] <= day <= burst["start"] + burst["length"] + window
    )


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.early_warning", description=__doc__)
    p.add_argument("--years", type=int, default=5)
    p.add_argument("--bursts", type=int, default=12, help="injected bursts per year")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    ours: list[dict] = []
    plain: list[dict] = []
    for year in range(a.years):
        rng = random.Random(a.seed + year)
        rows, bursts = scenario(365, a.bursts, rng)
        ours.append(evaluate(rows, bursts, 365, lambda r, n: [w.topic for w in warnings(r, n)]))
        plain.append(evaluate(rows, bursts, 365, lambda r, n: naive(r, n, Settings())))
    table = Table(title=f"early warning on {a.years} generated years, {a.bursts} bursts each")
    for column in ("measure", "klachten (Poisson, Bonferroni)", "baseline (2x weekly mean)"):
        table.add_column(column)
    for key, fmt in (("precision", "{:.2f}"), ("recall", "{:.2f}"), ("alerts", "{:.0f}"),
                     ("false", "{:.0f}"), ("delay", "{:.1f} d")):  # fmt: skip
        table.add_row(
            key if key != "false" else "false alert-days",
            fmt.format(statistics.mean(r[key] for r in ours)),
            fmt.format(statistics.mean(r[key] for r in plain)),
        )
    Console().print(table)


if __name__ == "__main__":
    main()
