"""Reporting's answers from the live view in SQL (issue 23), so a read is an index lookup or a
GROUP BY, never a pass over every row in Python: one complaint by id or by reference, a page of
the list (keyset on complaint_id), the summary and the yearly report. Answers as of a past
moment read the same SQL on a store restored from a snapshot (snapshot_reads.restored).
The summary and the yearly report read the counters the view keeps (aggregates.py,
counted_reads.py) and fall back to the GROUP BYs here for a zone the counters were not kept in.

The answers equal domain.py's on the same rows (tests/services/reporting/test_reads_sql.py):
counts GROUP BY the columns a count reads and hand the groups to the same counting functions
(a group of n counts n times: handling.weight); times are fixed-width UTC text (fold.ts), so
comparing texts compares times and a month or a year in the policy's zone is a range of text.
Medians and p90s: exact histograms of centi-days (aggregates.stats_of), here from the rows in scope.

About 430 lines: each of domain.py's reports has its SQL twin here, side by side, so a count
changed in one place is seen to need its twin (and the equality test says so if not).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from services.reporting import aggregates as agg
from services.reporting import (
    counted_reads,
    dashboard_reads,
    domain,
    early_warning,
    handling,
    learning,
)
from services.reporting.complaints_log import SOURCE_NAME
from services.reporting.fold import (
    COMPLAINT_COLUMNS,
    COMPLAINTS,
    DEAD_LETTERS,
    ESCALATIONS,
    EXTENSIONS,
    HEARINGS,
    Row,
    parse_ts,
    ts,
)
from services.reporting.satisfaction import SATISFACTION
from services.reporting.satisfaction import figures as satisfaction_figures
from services.reporting.workspace_lists import next_due_sql
from shared.config.policy import local_zone

PAGE_SIZE = 100  # the list's default page; `limit` up to MAX_PAGE_SIZE
MAX_PAGE_SIZE = 1000
LIST_FILTERS = ("status", "channel", "category", "handler", "team", "department")
NORMS = {  # as domain.compliance: (done, due)
    "acknowledge_norm": ("acknowledged_at", "acknowledge_by"),
    "respond_norm": ("first_responded_at", "respond_by_norm"),
    "statutory": ("first_responded_at", "statutory_by"),
}
_OPEN = ", ".join(f"'{s}'" for s in domain.OPEN)  # our constants, never user input
_CLOSED = "CASE WHEN closed_at IS NULL THEN NULL ELSE 'closed' END"  # all handling.ending reads


def _all(c: Any, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    c.execute(sql, list(args))
    out = [dict(r) for r in c.fetchall()]
    for r in out:  # PostgreSQL sums BIGINT as NUMERIC
        for k in ("n", "with_consent", "with_conduct_subject"):
            if r.get(k) is not None:
                r[k] = int(r[k])
    return out


def _weighted(groups: list[Row], key: Any, *, ordered: bool = True) -> dict[Any, int]:
    """Group sizes summed by `key` (sorted by key, as domain.py's dict(sorted(Counter)))."""
    counts: Counter[Any] = Counter()
    for g in groups:
        counts[key(g)] += g["n"]
    return dict(sorted(counts.items())) if ordered else counts


def _counted(view: Any) -> str:
    """The complaints the figures count: a duplicate (issue 17) counts once, in the complaint
    it repeats, so it is left out here; lists and lookups still show it."""
    return f"(SELECT * FROM {view._table(COMPLAINTS)} WHERE duplicate_of IS NULL) AS counted"


# --- one complaint, a page of the list ------------------------------------------------------


def complaint(view: Any, complaint_id: str) -> Row | None:
    with view._tx(commit=False) as c:
        found = _all(
            c,
            f"SELECT {', '.join(COMPLAINT_COLUMNS)} FROM {view._table(COMPLAINTS)} "
            f"WHERE complaint_id = {view.placeholder}",
            [complaint_id],
        )
    return found[0] if found else None


def complaint_id_of(view: Any, reference: str) -> str | None:
    with view._tx(commit=False) as c:
        found = _all(
            c,
            f"SELECT complaint_id FROM {view._table(COMPLAINTS)} "
            f"WHERE reference = {view.placeholder} ORDER BY complaint_id LIMIT 1",
            [reference],
        )
    return found[0]["complaint_id"] if found else None


def page(
    view: Any, now: datetime, want: dict[str, Any], *, after: str | None, limit: int
) -> tuple[list[Row], str | None]:
    """Complaints matching `want` (LIST_FILTERS, `overdue`, `hearing` with "none" for none yet)
    after complaint id `after`, at most `limit`, in complaint id order as domain.select gives
    them; and the last id when more follow (the next page's `after`)."""
    m, where, args = view.placeholder, [], []
    for column in LIST_FILTERS:
        if want.get(column) is not None:
            where.append(f"{column} = {m}")
            args.append(want[column])
    if want.get("hearing") == "none":
        where.append("hearing IS NULL")
    elif want.get("hearing") is not None:
        where.append(f"hearing = {m}")
        args.append(want["hearing"])
    if want.get("overdue") is not None:  # no deadline is '9999': never overdue
        where.append(f"({next_due_sql()}) {'<' if want['overdue'] else '>='} {m}")
        args.append(ts(now))
    if after is not None:
        where.append(f"complaint_id > {m}")
        args.append(after)
    with view._tx(commit=False) as c:
        found = _all(
            c,
            f"SELECT {', '.join(COMPLAINT_COLUMNS)} FROM {view._table(COMPLAINTS)} "
            f"WHERE {' AND '.join(where) or '1 = 1'} ORDER BY complaint_id LIMIT {m}",
            [*args, limit + 1],
        )
    rows = [domain.with_deadline(r, now) for r in found[:limit]]
    return rows, (rows[-1]["complaint_id"] if len(found) > limit else None)


# --- the summary ----------------------------------------------------------------------------


def summary(view: Any, now: datetime) -> dict[str, Any]:
    """domain.summary of the live view, read in one transaction: from the counters
    (aggregates.py) when they were kept in the policy's zone, else by GROUP BY."""
    t = view._table
    with view._tx(commit=False) as c:
        position = view._max_tracking_id(SOURCE_NAME, c) or 0
        if agg.covers(c, view, local_zone()):
            return counted_reads.summary(view, c, now, position)
        groups = _all(
            c,
            f"SELECT status, outcome, {_CLOSED} AS closed_at, department, decline_grounds, "
            f"COUNT(*) AS n FROM {_counted(view)} GROUP BY 1, 2, 3, 4, 5",
        )
        ended = handling.endings(groups, with_open=True)
        out = {
            "as_of": now.isoformat(),
            "stream_sequence": position,
            "complaints": sum(g["n"] for g in groups),
            "by_status": _weighted(groups, lambda g: g["status"]),
            "inflow": _inflow(view, c),
            "compliance": _compliance(view, c, now),
            "handling": ended,
            "informal_share": handling.informal_share(ended),
            "declined_by_ground": handling.declined_by_ground(groups),
            "hearings": handling.hearings(_hearing_groups(view, c)),
            "by_department": handling.per_department(groups, [g for g in groups if g["closed_at"]]),
            "escalations": domain.escalations(_escalation_groups(view, c)),
            "backlog": _backlog(view, c, now),
            "satisfaction": satisfaction_figures(
                _all(
                    c,
                    f"SELECT department, team, themes, handling_score, outcome_score, "
                    f"COUNT(*) AS n FROM {t(SATISFACTION)} GROUP BY 1, 2, 3, 4, 5",
                )
            ),
            "response_times": {
                "channel": domain.response_times(
                    _all(
                        c,
                        f"SELECT channel, received_at, acknowledged_at, first_responded_at "
                        f"FROM {_counted(view)}",
                    ),
                    "channel",
                )
            },
            "undecodable_events": _all(c, f"SELECT COUNT(*) AS n FROM {t(DEAD_LETTERS)}")[0]["n"],
            "learning": learning.figures(
                _all(
                    c,
                    f"SELECT themes, root_causes, remedy_kinds, "
                    f"SUM(compensation_cents) AS compensation_cents, "
                    f"SUM(corrective_actions) AS corrective_actions, COUNT(*) AS n "
                    f"FROM {_counted(view)} GROUP BY 1, 2, 3",
                )
            ),
        }
    return out


def _inflow(view: Any, c: Any, tz: tzinfo | None = None) -> dict[str, dict[str, int]]:
    """domain.inflow: per month in the zone a range of received_at (indexed), per channel."""
    tz, table, m = tz or local_zone(), _counted(view), view.placeholder
    ends = _all(c, f"SELECT MIN(received_at) AS lo, MAX(received_at) AS hi FROM {table}")[0]
    if ends["lo"] is None:
        return {}
    first, last = (parse_ts(ends[k]).astimezone(tz) for k in ("lo", "hi"))  # type: ignore[union-attr]
    start, out = datetime(first.year, first.month, 1, tzinfo=tz), {}
    while start <= last:
        following = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=tz)
        found = _all(
            c,
            f"SELECT channel, COUNT(*) AS n FROM {table} "
            f"WHERE received_at >= {m} AND received_at < {m} GROUP BY channel",
            [ts(start), ts(following)],
        )
        if found:
            out[start.strftime("%Y-%m")] = _weighted(found, lambda g: g["channel"])
        start = following
    return out


def _compliance(
    view: Any, c: Any, now: datetime, where: str = "1 = 1", args: tuple[Any, ...] = ()
) -> dict[str, Any]:
    """domain.compliance: each norm's verdict per row in SQL, counted by GROUP BY."""
    m, verdicts = view.placeholder, []
    for done, due in NORMS.values():
        verdicts.append(
            f"CASE WHEN {due} IS NULL THEN NULL WHEN {done} IS NOT NULL THEN "
            f"CASE WHEN {done} <= {due} THEN 'met' ELSE 'missed' END "
            f"WHEN COALESCE(status, '') NOT IN ({_OPEN}) THEN 'not_applicable' "
            f"WHEN {due} >= {m} THEN 'pending' ELSE 'missed' END"
        )
    groups = _all(
        c,
        f"SELECT {', '.join(f'{v} AS v{i}' for i, v in enumerate(verdicts))}, COUNT(*) AS n "
        f"FROM {_counted(view)} WHERE {where} GROUP BY 1, 2, 3",
        [ts(now)] * len(NORMS) + list(args),
    )
    out: dict[str, Any] = {}
    for i, name in enumerate(NORMS):
        counts = _weighted(groups, lambda g, i=i: g[f"v{i}"], ordered=False)
        met, missed = counts.get("met", 0), counts.get("missed", 0)
        out[name] = {
            **{k: counts.get(k, 0) for k in ("met", "missed", "pending", "not_applicable")},
            "rate": round(met / (met + missed), 4) if met + missed else None,
        }
    return out


def _backlog(view: Any, c: Any, now: datetime) -> dict[str, Any]:
    """domain.backlog: the open complaints grouped by status, hearing, overdue and age."""
    m = view.placeholder
    ages = " ".join(
        f"WHEN received_at >= {m} THEN '{label}'" for _, label in domain.AGE_BUCKETS[:-1]
    )
    groups = _all(
        c,
        f"SELECT status, CASE WHEN procedure IS NOT NULL AND procedure <> '' THEN 1 ELSE 0 END "
        f"AS procedure, hearing, CASE WHEN ({next_due_sql()}) < {m} THEN 1 ELSE 0 END AS "
        f"overdue, CASE {ages} ELSE '{domain.AGE_BUCKETS[-1][1]}' END AS age, COUNT(*) AS n "
        f"FROM {_counted(view)} WHERE status IN ({_OPEN}) GROUP BY 1, 2, 3, 4, 5",
        [ts(now)] + [ts(now - timedelta(days=limit)) for limit, _ in domain.AGE_BUCKETS[:-1]],
    )
    ages_counted = _weighted(groups, lambda g: g["age"], ordered=False)
    return {
        "open": sum(g["n"] for g in groups),
        "overdue": sum(g["n"] for g in groups if g["overdue"]),
        "awaiting_hearing": handling.awaiting_hearing(groups),
        "by_status": _weighted(groups, lambda g: g["status"]),
        "ageing": {label: ages_counted.get(label, 0) for _, label in domain.AGE_BUCKETS},
    }


def _hearing_groups(view: Any, c: Any, where: str = "1 = 1", args: Any = ()) -> list[Row]:
    return _all(
        c,
        f"SELECT step, ground, mode, COUNT(*) AS n, SUM(with_conduct_subject) AS "
        f"with_conduct_subject FROM {view._table(HEARINGS)} WHERE {where} GROUP BY 1, 2, 3",
        args,
    )


def _escalation_groups(view: Any, c: Any, where: str = "1 = 1", args: Any = ()) -> list[Row]:
    return _all(
        c,
        f"SELECT level, reason, COUNT(*) AS n FROM {view._table(ESCALATIONS)} WHERE {where} "
        "GROUP BY 1, 2",
        args,
    )


# --- the yearly report ----------------------------------------------------------------------


def annual(view: Any, year: int, tz: tzinfo | None = None) -> tuple[int, dict[str, Any]]:
    """The view's position and domain.annual of it, read in one transaction: the counters
    (aggregates.py) when they were kept in `tz`, else each time column's range (indexed)."""
    tz = tz or local_zone()
    end = datetime(year + 1, 1, 1, tzinfo=tz)
    bounds = (ts(datetime(year, 1, 1, tzinfo=tz)), ts(end))
    m, t = view.placeholder, view._table
    occurred_in = f"occurred_at >= {m} AND occurred_at < {m}"
    with view._tx(commit=False) as c:
        position = view._max_tracking_id(SOURCE_NAME, c) or 0
        if agg.covers(c, view, tz):
            parts = counted_reads.annual_parts(view, c, year, tz, bounds)
        else:
            parts = _annual_parts(view, c, end, bounds)
        escal = _escalation_groups(view, c, occurred_in, bounds)
        ext = _all(
            c,
            f"SELECT COUNT(*) AS n, SUM(with_consent) AS with_consent, COUNT(DISTINCT "
            f"complaint_id) AS complaints FROM {t(EXTENSIONS)} WHERE {occurred_in}",
            bounds,
        )[0]
        heard = _hearing_groups(view, c, occurred_in, bounds)
    received, closed, closing, handled = (
        parts[k] for k in ("received", "closed", "closing", "handled")
    )
    per_cat: dict[str, Counter[str]] = defaultdict(Counter)
    for g in received:
        per_cat[g["category"] or "none"]["received"] += g["n"]
    for g in closed:
        per_cat[g["category"] or "none"]["closed"] += g["n"]
        per_cat[g["category"] or "none"][g["resolution"] or "no_response"] += g["n"]
    buckets: Counter[str] = Counter()
    for centi, n in closing.items():
        buckets[domain.bucket(centi / 100, domain.AWB_BUCKETS)] += n
    return position, {
        "year": year,
        "received": sum(g["n"] for g in received),
        "received_by_channel": _weighted(received, lambda g: g["channel"]),
        "closed": sum(g["n"] for g in closed),
        "closed_by_outcome": _weighted(closed, lambda g: g["outcome"]),
        "handling": (ended := handling.endings(closed, with_open=False)),
        "informal_share": handling.informal_share(ended),
        "declined_by_ground": handling.declined_by_ground(closed),
        "hearings": handling.hearings(heard),
        "per_department": handling.per_department(received, closed),
        "judgement": _weighted(closed, lambda g: g["resolution"] or "no_response"),
        "handling_time": agg.stats_of(handled.items()),
        "time_to_close": agg.stats_of(closing.items()),
        "awb_buckets": {label: buckets.get(label, 0) for _, label in domain.AWB_BUCKETS},
        "per_category": {k: dict(sorted(v.items())) for k, v in sorted(per_cat.items())},
        "escalations": domain.escalations(escal),
        "extensions": {
            "total": ext["n"],
            "with_consent": ext["with_consent"] or 0,
            "complaints": int(ext["complaints"]),
        },
        "statutory_compliance_of_closed": parts["statutory"],
        "open_at_year_end": parts["open_at_end"],
    }


def _annual_parts(view: Any, c: Any, end: datetime, bounds: tuple[str, str]) -> dict[str, Any]:
    """The year's groups by GROUP BY over the complaints (when no counters fit the zone);
    durations as histograms of centi-days (aggregates.stats_of reads them)."""
    m = view.placeholder
    closed_in = f"closed_at >= {m} AND closed_at < {m}"
    received = _all(
        c,
        f"SELECT channel, category, department, COUNT(*) AS n FROM {_counted(view)} "
        f"WHERE received_at >= {m} AND received_at < {m} GROUP BY 1, 2, 3",
        bounds,
    )
    closed = _all(
        c,
        f"SELECT status, outcome, {_CLOSED} AS closed_at, category, resolution, department, "
        f"decline_grounds, COUNT(*) AS n FROM {_counted(view)} WHERE {closed_in} "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7",
        bounds,
    )
    times = _all(
        c,
        f"SELECT received_at, responded_at, closed_at FROM {_counted(view)} WHERE {closed_in}",
        bounds,
    )
    closing: Counter[int] = Counter()
    handled: Counter[int] = Counter()
    for r in times:
        closing[round((domain.days(r["received_at"], r["closed_at"]) or 0.0) * 100)] += 1
        if (d := domain.days(r["received_at"], r["responded_at"])) is not None:
            handled[round(d * 100)] += 1
    return {
        "received": received,
        "closed": closed,
        "closing": closing,
        "handled": handled,
        "statutory": _compliance(view, c, end, closed_in, bounds)["statutory"],
        "open_at_end": _all(
            c,
            f"SELECT COUNT(*) AS n FROM {_counted(view)} WHERE received_at < {m} "
            f"AND (closed_at IS NULL OR closed_at >= {m})",
            bounds[1:] * 2,
        )[0]["n"],
    }


def _read(view: Any, answer: Callable[[Any], Any]) -> Any:
    with view._tx(commit=False) as c:
        return answer(c)


def _early_warning(view: Any, now: datetime) -> dict[str, Any]:
    """The rising topics (early_warning.py) over the complaints received in its weeks only."""
    s = early_warning.Settings()
    with view._tx(commit=False) as c:
        position = view._max_tracking_id(SOURCE_NAME, c) or 0
        rows = dashboard_reads.received_since(view, c, now)
    return early_warning.answer(early_warning.warnings(rows, now, s), now, position, s)


EVERY_ROW = 2**62  # a LIMIT both SQLite and PostgreSQL take as "no limit"
# The reports /api/reports/{name} answers from the live view in SQL (the others: domain.py).
REPORTS: dict[str, Callable[[Any, datetime], Any]] = {
    "early-warning": _early_warning,
    "summary": summary,
    # the counters (aggregates.py) do not depend on the zone: these always read them
    "compliance": lambda view, now: _read(view, lambda c: counted_reads.compliance(view, c, now)),
    "backlog": lambda view, now: _read(view, lambda c: counted_reads.backlog(view, c, now)),
    "escalations": lambda view, now: _read(
        view,
        lambda c: domain.escalations(agg.groups(c, view, "escalations", ("level", "reason"))),
    ),
    # every row of the worklist, in the dashboard's indexed order (its first rows are the page's)
    "worklist": lambda view, now: _read(
        view, lambda c: dashboard_reads.worklist(view, c, now, EVERY_ROW)[0]
    ),
}
