"""The summary and the yearly report from the counters the view keeps (aggregates.py), equal to
reads.py's GROUP BYs and domain.py's Python over the same rows (tests/services/reporting/
test_reads_sql.py, test_aggregates.py). What depends on `now` is split by range counts over the
partial indexes of aggregates.PARTIAL: the query repeats an index's WHERE so the index serves.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta, tzinfo
from typing import Any

from services.reporting import aggregates as agg
from services.reporting import domain, handling, learning
from services.reporting.fold import COMPLAINTS, ts
from services.reporting.satisfaction import figures as satisfaction_figures
from services.reporting.workspace_lists import next_due_sql
from shared.config.policy import local_zone

ENDINGS = ("status", "outcome", "closed_at", "department", "decline_grounds")
CLOSED = ("status", "outcome", "closed_at", "category", "resolution", "department",
          "decline_grounds")  # fmt: skip


def _count(view: Any, c: Any, index: str, where: str, args: list[Any]) -> int:
    """How many complaints match `where`, which repeats partial index `index`'s terms."""
    hint = view._indexed_by(agg.index_name(index))
    c.execute(f"SELECT COUNT(*) AS n FROM {view._table(COMPLAINTS)} {hint} WHERE {where}", args)
    return int(c.fetchone()["n"])


def _sorted(counts: Counter[Any]) -> dict[Any, int]:
    return dict(sorted(counts.items()))


def _waiting_where(norm: str) -> str:
    return next(where for name, _, where in agg.PARTIAL if name == f"waiting_{norm}")


def compliance(view: Any, c: Any, now: datetime) -> dict[str, Any]:
    """reads._compliance of every counted complaint: the counted verdicts, the waiting ones
    split at `now` (pending until their due moment, then missed)."""
    counts: dict[str, Counter[str]] = {norm: Counter() for norm in agg.NORMS}
    for (norm, verdict), v in agg.read(c, view, "compliance"):
        counts[norm][verdict] += v["n"]
    out: dict[str, Any] = {}
    for norm, (_, due) in agg.NORMS.items():
        k = counts[norm]
        late = 0
        if k["waiting"]:
            where = f"{_waiting_where(norm)} AND {due} < {view.placeholder}"
            late = _count(view, c, f"waiting_{norm}", where, [ts(now)])
        met, missed = k["met"], k["missed"] + late
        out[norm] = {
            "met": met,
            "missed": missed,
            "pending": k["waiting"] - late,
            "not_applicable": k["not_applicable"],
            "rate": round(met / (met + missed), 4) if met + missed else None,
        }
    return out


def backlog(view: Any, c: Any, now: datetime) -> dict[str, Any]:
    """reads._backlog: the open complaints counted by status and hearing; overdue and ages
    are range counts at `now`."""
    m = view.placeholder
    groups = agg.groups(c, view, "backlog", ("status", "procedure", "hearing"))
    opened = sum(g["n"] for g in groups)
    overdue = _count(
        view, c, "open_next_due", f"{agg.OPEN_COUNTED} AND ({next_due_sql()}) < {m}", [ts(now)]
    )
    ageing, younger = {}, 0
    for limit, label in domain.AGE_BUCKETS:
        if limit == domain.AGE_BUCKETS[-1][0]:
            ageing[label] = opened - younger
            break
        since = ts(now - timedelta(days=limit))
        within = _count(
            view, c, "open_received", f"{agg.OPEN_COUNTED} AND received_at >= {m}", [since]
        )
        ageing[label], younger = within - younger, within
    by_status: Counter[str] = Counter()
    for g in groups:
        by_status[g["status"]] += g["n"]
    return {
        "open": opened,
        "overdue": overdue,
        "awaiting_hearing": handling.awaiting_hearing(groups),
        "by_status": _sorted(by_status),
        "ageing": ageing,
    }


def inflow(view: Any, c: Any, tz: tzinfo) -> dict[str, dict[str, int]]:
    """domain.inflow of the counted complaints, from the counters kept in zone `tz`."""
    months: dict[str, Counter[str]] = defaultdict(Counter)
    for (_, month, channel), v in agg.read(c, view, "inflow", (agg.zone_name(tz),)):
        months[month][channel] += v["n"]
    return {month: _sorted(months[month]) for month in sorted(months)}


def _response_times(view: Any, c: Any) -> dict[str, Any]:
    """domain.response_times by channel, from the group sizes and the duration histograms."""
    sizes = {k[0]: v["n"] for k, v in agg.read(c, view, "rt_size") if v["n"]}
    hists: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(
        lambda: {"acknowledge": [], "respond": []}
    )
    for kind in ("acknowledge", "respond"):
        for (channel, centi), v in agg.read(c, view, f"rt:{kind}"):
            hists[channel][kind].append((centi, v["n"]))
    out = {}
    for channel, n in sorted(sizes.items()):
        out[channel] = {}
        for kind, hist in hists[channel].items():
            figures = agg.stats_of(hist)
            out[channel][kind] = {**figures, "without": n - figures["count"]}
    return out


def summary(view: Any, c: Any, now: datetime, position: int) -> dict[str, Any]:
    """reads.summary from the counters (inside its transaction `c`)."""
    groups = agg.groups(c, view, "endings", ENDINGS)
    ended = handling.endings(groups, with_open=True)
    learned = [
        {**g, "compensation_cents": g["a"], "corrective_actions": g["b"]}
        for g in agg.groups(c, view, "learning", ("themes", "root_causes", "remedy_kinds"))
    ]
    hearings = [
        {**g, "with_conduct_subject": g["a"]}
        for g in agg.groups(c, view, "hearings", ("step", "ground", "mode"))
    ]
    answers = ("department", "team", "themes", "handling_score", "outcome_score")
    by_status: Counter[str] = Counter()
    for g in groups:
        by_status[g["status"]] += g["n"]
    return {
        "as_of": now.isoformat(),
        "stream_sequence": position,
        "complaints": sum(g["n"] for g in groups),
        "by_status": _sorted(by_status),
        "inflow": inflow(view, c, local_zone()),
        "compliance": compliance(view, c, now),
        "handling": ended,
        "informal_share": handling.informal_share(ended),
        "declined_by_ground": handling.declined_by_ground(groups),
        "hearings": handling.hearings(hearings),
        "by_department": handling.per_department(groups, [g for g in groups if g["closed_at"]]),
        "escalations": domain.escalations(agg.groups(c, view, "escalations", ("level", "reason"))),
        "backlog": backlog(view, c, now),
        "satisfaction": satisfaction_figures(agg.groups(c, view, "satisfaction", answers)),
        "response_times": {"channel": _response_times(view, c)},
        "undecodable_events": sum(v["n"] for _, v in agg.read(c, view, "dead")),
        "learning": learning.figures(learned),
    }


def annual_parts(
    view: Any, c: Any, year: int, tz: tzinfo, bounds: tuple[str, str]
) -> dict[str, Any]:
    """reads._annual_parts from the counters of `year` in zone `tz`."""
    prefix, m = (agg.zone_name(tz), year), view.placeholder
    verdicts: Counter[str] = Counter()
    for key, v in agg.read(c, view, "statutory_closed", prefix):
        verdicts[key[2]] += v["n"]
    late = 0
    if verdicts["waiting"]:  # answered nor in time, at the year's end: rare (a reopened one)
        due = agg.NORMS["statutory"][1]
        where = f"{_waiting_where('statutory')} AND {due} < {m} AND closed_at >= {m} AND " \
            f"closed_at < {m}"  # fmt: skip
        late = _count(view, c, "waiting_statutory", where, [bounds[1], *bounds])
    met, missed = verdicts["met"], verdicts["missed"] + late
    open_at_end = sum(
        v["n"]
        for (_, received, closed), v in agg.read(c, view, "open_at_end", (prefix[0],))
        if received <= year and (closed is None or closed > year)
    )
    return {
        "received": agg.groups(c, view, "received", ("channel", "category", "department"), prefix),
        "closed": agg.groups(c, view, "closed", CLOSED, prefix),
        "closing": Counter({k[2]: v["n"] for k, v in agg.read(c, view, "close_days", prefix)}),
        "handled": Counter({k[2]: v["n"] for k, v in agg.read(c, view, "handle_days", prefix)}),
        "statutory": {
            "met": met,
            "missed": missed,
            "pending": verdicts["waiting"] - late,
            "not_applicable": verdicts["not_applicable"],
            "rate": round(met / (met + missed), 4) if met + missed else None,
        },
        "open_at_end": open_at_end,
    }
