"""Pure KPI and report computations over read-model rows; the time is always an argument.

Durations are in days (two decimals). Percentiles use the nearest-rank method (p90 of n values
is the ⌈0.9·n⌉-th smallest); the median is the usual middle value. Months and years are
calendar periods in the policy's time zone (`[calendar].timezone`, the organisation's legal
time): pass `tz`, or leave it out for the policy in force (shared/config/policy.py).

Just above 300 lines: every report's computation in one file, so the summary, the yearly
report and the dashboard visibly use the same counting functions (the procedure's figures,
informal vs formal, declining, hearings and departments: handling.py, called from here).
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

from services.reporting import handling, learning
from services.reporting.fold import Row, parse_ts
from services.reporting.satisfaction import SATISFACTION
from services.reporting.satisfaction import figures as satisfaction_figures
from shared.config.policy import local_zone

OPEN = ("submitted", "acknowledged", "responded", "escalated")
UNANSWERED = ("submitted", "acknowledged", "escalated")
DURATION_BUCKETS = (
    (1, "≤1d"),
    (3, "≤3d"),
    (7, "≤1w"),
    (14, "≤2w"),
    (28, "≤4w"),
    (42, "≤6w"),
    (56, "≤8w"),
    (math.inf, ">8w"),
)
AGE_BUCKETS = (
    (7, "0-1w"),
    (14, "1-2w"),
    (28, "2-4w"),
    (42, "4-6w"),
    (56, "6-8w"),
    (math.inf, ">8w"),
)
# Receipt to closure against the Awb terms (9:11 lid 1: six weeks, ten with an advisory committee;
# calendar days, as other organisations' yearly reports count them).
AWB_BUCKETS = ((42, "within_6_weeks"), (70, "6_to_10_weeks"), (math.inf, "over_10_weeks"))
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)


class ReportInputError(ValueError):
    """A report parameter is unknown or malformed (HTTP 422); `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def parse_as_of(text: str, now: datetime, field: str = "as_of") -> datetime:
    if not _RFC3339.match(text.strip()):
        raise ReportInputError(field, "use an RFC 3339 time with offset, e.g. 2026-01-31T23:59:59Z")
    head, dot, rest = text.strip().replace("z", "Z").replace("Z", "+00:00").partition(".")
    if dot:  # Python reads at most 6 fractional digits
        digits = re.match(r"\d+", rest).group(0)  # type: ignore[union-attr]
        head = f"{head}.{digits[:6]}{rest[len(digits) :]}"
    try:
        moment = datetime.fromisoformat(head)
    except ValueError as e:
        raise ReportInputError(field, f"not a valid time: {e}") from None
    if moment > now:
        raise ReportInputError(field, "lies in the future; reports answer for the past only")
    return moment


def days(start: str | None, end: str | None) -> float | None:
    if start is None or end is None:
        return None
    return round((parse_ts(end) - parse_ts(start)).total_seconds() / 86400, 2)  # type: ignore[operator]


def month_of(text: str, tz: tzinfo | None = None) -> str:
    return parse_ts(text).astimezone(tz or local_zone()).strftime("%Y-%m")  # type: ignore[union-attr]


def year_of(text: str | None, tz: tzinfo | None = None) -> int | None:
    if text is None:
        return None
    return parse_ts(text).astimezone(tz or local_zone()).year  # type: ignore[union-attr]


def bucket(value: float, buckets: Iterable[tuple[float, str]]) -> str:
    return next(label for limit, label in buckets if value <= limit)


def stats(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    n = len(ordered)
    out: dict[str, Any] = {"count": n, "median_days": None, "p90_days": None, "mean_days": None}
    if n:
        out["median_days"] = round(statistics.median(ordered), 2)
        out["p90_days"] = ordered[math.ceil(0.9 * n) - 1]
        out["mean_days"] = round(sum(ordered) / n, 2)
    dist = Counter(bucket(v, DURATION_BUCKETS) for v in ordered)
    out["distribution"] = {label: dist.get(label, 0) for _, label in DURATION_BUCKETS}
    return out


# --- one complaint ----------------------------------------------------------------------------


def next_deadline(row: Row) -> tuple[str | None, str | None]:
    """The nearest deadline still to be met and its kind (acknowledge, respond, statutory)."""
    if row["status"] not in OPEN:
        return None, None
    due: list[tuple[str, str]] = []
    if row["acknowledged_at"] is None and row["acknowledge_by"]:
        due.append((row["acknowledge_by"], "acknowledge"))
    if row["status"] in UNANSWERED:
        due += [
            (row[k], kind)
            for k, kind in (("respond_by", "respond"), ("statutory_by", "statutory"))
            if row[k]
        ]
    return min(due) if due else (None, None)


def with_deadline(row: Row, now: datetime) -> Row:
    deadline, kind = next_deadline(row)
    overdue = deadline is not None and parse_ts(deadline) < now  # type: ignore[operator]
    return {**row, "next_deadline": deadline, "deadline_kind": kind, "overdue": overdue}


def select(rows: list[Row], now: datetime, **want: Any) -> list[Row]:
    out = []
    for row in map(lambda r: with_deadline(r, now), rows):
        if all(v is None or row[k] == v for k, v in want.items()):
            out.append(row)
    return out


def worklist(rows: list[Row], now: datetime, *, replies: bool = False) -> list[Row]:
    """Complaints that need a handler: open ones, and closed ones with a reply waiting (a
    reply after closure asks whether to reopen). Nearest deadline first (no deadline: last,
    oldest first); with ``replies``, only those with a reply waiting, the oldest reply first."""
    if replies:
        waiting = [with_deadline(r, now) for r in rows if r["replies_waiting"]]
        return sorted(waiting, key=lambda r: (r["last_reply_at"], r["received_at"]))
    work = [with_deadline(r, now) for r in rows if r["status"] in OPEN or r["replies_waiting"]]
    return sorted(work, key=lambda r: (r["next_deadline"] or "9999", r["received_at"]))


# --- KPIs ------------------------------------------------------------------------------------


def response_times(rows: list[Row], by: str) -> dict[str, Any]:
    """Time to acknowledge and to (first) respond, per channel, category or month. Every
    complaint is in its group: `count` measured, `without` not (yet) acknowledged or answered."""
    groups: dict[str, dict[str, list[float]]] = defaultdict(
        lambda: {"acknowledge": [], "respond": []}
    )
    sizes: Counter[str] = Counter()
    for r in rows:
        key = month_of(r["received_at"]) if by == "month" else (r[by] or "none")
        sizes[key] += 1
        for kind, end in (("acknowledge", "acknowledged_at"), ("respond", "first_responded_at")):
            d = days(r["received_at"], r[end])
            if d is not None:
                groups[key][kind].append(d)
    return {
        k: {kind: {**stats(v), "without": n - len(v)} for kind, v in groups[k].items()}
        for k, n in sorted(sizes.items())
    }


def counted(rows: list[Row]) -> list[Row]:
    """The complaints the figures count: a duplicate (issue 17) counts once, in the complaint it
    repeats (reads.py `_counted` alike)."""
    return [r for r in rows if not r.get("duplicate_of")]


def compliance(rows: list[Row], now: datetime) -> dict[str, Any]:
    """Met / missed / pending per norm; the rate counts decided cases only (met + missed)."""
    norms = {
        "acknowledge_norm": ("acknowledged_at", "acknowledge_by"),
        "respond_norm": ("first_responded_at", "respond_by_norm"),
        "statutory": ("first_responded_at", "statutory_by"),
    }
    out: dict[str, Any] = {}
    for name, (done_col, due_col) in norms.items():
        c = Counter()
        for r in counted(rows):
            due, done = r[due_col], r[done_col]
            if due is None:
                continue
            if done is not None:
                c["met" if done <= due else "missed"] += 1
            elif r["status"] not in OPEN:
                c["not_applicable"] += 1  # closed without a response (withdrawn, not handled)
            elif r["status"] in OPEN and parse_ts(due) >= now:  # type: ignore[operator]
                c["pending"] += 1
            else:
                c["missed"] += 1
        decided = c["met"] + c["missed"]
        rate = round(c["met"] / decided, 4) if decided else None
        out[name] = {
            **{k: c[k] for k in ("met", "missed", "pending", "not_applicable")},
            "rate": rate,
        }
    return out


def escalations(rows: list[Row]) -> dict[str, Any]:
    by_level: Counter[str] = Counter()
    by_reason: Counter[str] = Counter()
    both: Counter[str] = Counter()
    for r in rows:  # a row may be a SQL group of n (handling.weight)
        by_level[str(r["level"])] += handling.weight(r)
        by_reason[r["reason"]] += handling.weight(r)
        both[f"{r['level']}:{r['reason']}"] += handling.weight(r)
    return {
        "total": sum(map(handling.weight, rows)),
        "by_level": dict(sorted(by_level.items())),
        "by_reason": dict(sorted(by_reason.items())),
        "by_level_and_reason": dict(sorted(both.items())),
    }


def backlog(rows: list[Row], now: datetime) -> dict[str, Any]:
    open_rows = [with_deadline(r, now) for r in counted(rows) if r["status"] in OPEN]
    ages = Counter(
        bucket((now - parse_ts(r["received_at"])).total_seconds() / 86400, AGE_BUCKETS)  # type: ignore[operator]
        for r in open_rows
    )
    return {
        "open": len(open_rows),
        "overdue": sum(r["overdue"] for r in open_rows),
        "awaiting_hearing": handling.awaiting_hearing(open_rows),
        "by_status": dict(sorted(Counter(r["status"] for r in open_rows).items())),
        "ageing": {label: ages.get(label, 0) for _, label in AGE_BUCKETS},
    }


def inflow(rows: list[Row], tz: tzinfo | None = None) -> dict[str, dict[str, int]]:
    """Complaints received per month and channel."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    tz = tz or local_zone()
    for r in rows:
        out[month_of(r["received_at"], tz)][r["channel"]] += 1
    return {m: dict(sorted(c.items())) for m, c in sorted(out.items())}


def summary(tables: dict[str, list[Row]], now: datetime, position: int) -> dict[str, Any]:
    rows = counted(tables["complaints_status_and_deadlines"])
    return {
        "as_of": now.isoformat(),
        "stream_sequence": position,
        "complaints": len(rows),
        "by_status": dict(sorted(Counter(r["status"] for r in rows).items())),
        "inflow": inflow(rows),
        "compliance": compliance(rows, now),
        "handling": (ended := handling.endings(rows, with_open=True)),
        "informal_share": handling.informal_share(ended),
        "declined_by_ground": handling.declined_by_ground(rows),
        "hearings": handling.hearings(tables["hearings_by_level_and_ground"]),
        "by_department": handling.per_department(rows, [r for r in rows if r["closed_at"]]),
        "escalations": escalations(tables["escalations_by_level_and_reason"]),
        "backlog": backlog(rows, now),
        "satisfaction": satisfaction_figures(tables.get(SATISFACTION, [])),
        "response_times": {"channel": response_times(rows, "channel")},
        "undecodable_events": len(tables["undecodable_events"]),
        "learning": learning.figures(rows),
    }


def annual(tables: dict[str, list[Row]], year: int, tz: tzinfo | None = None) -> dict[str, Any]:
    """The yearly registration of Awb 9:12a (calendar year in the policy's time zone)."""
    rows = counted(tables["complaints_status_and_deadlines"])
    tz = tz or local_zone()
    end = datetime(year + 1, 1, 1, tzinfo=tz)
    received = [r for r in rows if year_of(r["received_at"], tz) == year]
    closed = [r for r in rows if year_of(r["closed_at"], tz) == year]
    escal = [
        r
        for r in tables["escalations_by_level_and_reason"]
        if year_of(r["occurred_at"], tz) == year
    ]
    ext = [r for r in tables["deadline_extensions"] if year_of(r["occurred_at"], tz) == year]
    heard = [
        r for r in tables["hearings_by_level_and_ground"] if year_of(r["occurred_at"], tz) == year
    ]
    per_cat: dict[str, Counter[str]] = defaultdict(Counter)
    for r in received:
        per_cat[r["category"] or "none"]["received"] += 1
    for r in closed:
        per_cat[r["category"] or "none"]["closed"] += 1
        per_cat[r["category"] or "none"][r["resolution"] or "no_response"] += 1
    closing = [days(r["received_at"], r["closed_at"]) or 0.0 for r in closed]
    buckets = Counter(bucket(d, AWB_BUCKETS) for d in closing)
    open_at_end = [
        r
        for r in rows
        if parse_ts(r["received_at"]) < end  # type: ignore[operator]
        and (r["closed_at"] is None or parse_ts(r["closed_at"]) >= end)
    ]  # type: ignore[operator]
    return {
        "year": year,
        "received": len(received),
        "received_by_channel": dict(sorted(Counter(r["channel"] for r in received).items())),
        "closed": len(closed),
        "closed_by_outcome": dict(sorted(Counter(r["outcome"] for r in closed).items())),
        "handling": (ended := handling.endings(closed, with_open=False)),
        "informal_share": handling.informal_share(ended),
        "declined_by_ground": handling.declined_by_ground(closed),
        "hearings": handling.hearings(heard),
        "per_department": handling.per_department(received, closed),
        "judgement": dict(
            sorted(Counter(r["resolution"] or "no_response" for r in closed).items())
        ),
        "handling_time": stats(
            [d for r in closed if (d := days(r["received_at"], r["responded_at"])) is not None]
        ),
        "time_to_close": stats(closing),
        "awb_buckets": {label: buckets.get(label, 0) for _, label in AWB_BUCKETS},
        "per_category": {k: dict(sorted(v.items())) for k, v in sorted(per_cat.items())},
        "escalations": escalations(escal),
        "extensions": {
            "total": len(ext),
            "with_consent": sum(r["with_consent"] for r in ext),
            "complaints": len({r["complaint_id"] for r in ext}),
        },
        "statutory_compliance_of_closed": compliance(closed, end)["statutory"],
        "open_at_year_end": len(open_at_end),
    }
