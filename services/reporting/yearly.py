"""The yearly report as a publishable document (Awb 9:12a; issue 18 item 6): its figures.

``figures`` takes the read models an answer is computed from (now, or as of a moment:
http.answer_source) and the year, and returns everything the document shows: what
domain.annual counts (received, per channel and department, how complaints ended, judgements,
escalations, extensions), plus timeliness against the Awb terms and the internal norm, the
themes, the remedies and corrective actions, and satisfaction. Pure: the same tables give the
same figures, so a document made ``as_of`` its publication moment is made again byte for byte.

Timeliness counts the complaints **closed** in the year (as the statutory compliance of
domain.annual does); acknowledgement counts the complaints **received** in the year. Dates are
the ones recorded in the events (decided once, shared/rules/terms.py): "within the term" compares
the first answer with the statutory end in force (``statutory_by``, extensions included), the
6- and 10-week columns count calendar days from receipt (Awb 9:11 lid 1) for readers who compare
with other organisations' reports.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from services.reporting import domain, handling, improvements, learning, satisfaction
from services.reporting.fold import parse_ts
from services.reporting.improvements import IMPROVEMENTS
from services.reporting.tables import COMPLAINTS
from shared.config.policy import local_zone

Row = dict[str, Any]
SIX_WEEKS, TEN_WEEKS = 42.0, 70.0
JUDGED = ("well_founded", "partly_well_founded", "unfounded")


def figures(tables: dict[str, list[Row]], year: int, tz: tzinfo | None = None) -> dict[str, Any]:
    tz = tz or local_zone()
    rows = tables[COMPLAINTS]
    received = [r for r in rows if domain.year_of(r["received_at"], tz) == year]
    closed = [r for r in rows if domain.year_of(r["closed_at"], tz) == year]
    answers = [
        r for r in tables[satisfaction.SATISFACTION] if domain.year_of(r["occurred_at"], tz) == year
    ]
    annual = domain.annual(tables, year, tz)
    return {
        **annual,
        "well_founded_rate": well_founded_rate(annual["judgement"]),
        "timeliness": timeliness(received, closed),
        "learning": learning.figures(received),
        "satisfaction": satisfaction.figures(answers),
        "improvements": improvements.year_figures(tables.get(IMPROVEMENTS, []), year, tz),
    }


def well_founded_rate(judgement: dict[str, int]) -> float | None:
    """Well founded and partly well founded, as a share of the complaints judged on merit."""
    judged = sum(judgement.get(k, 0) for k in JUDGED)
    founded = judgement.get("well_founded", 0) + judgement.get("partly_well_founded", 0)
    return round(founded / judged, 4) if judged else None


def timeliness(received: list[Row], closed: list[Row]) -> dict[str, Any]:
    acknowledged = [r for r in received if r["acknowledged_at"]]
    answered = [r for r in closed if r["first_responded_at"]]
    weeks = [domain.days(r["received_at"], r["first_responded_at"]) or 0.0 for r in answered]
    return {
        "received": len(received),
        "acknowledged": len(acknowledged),
        "acknowledged_in_time": sum(
            _on_time(r, "acknowledged_at", "acknowledge_by") for r in acknowledged
        ),
        "closed": len(closed),
        "answered": len(answered),
        "closed_without_answer": len(closed) - len(answered),
        "within_6_weeks": sum(d <= SIX_WEEKS for d in weeks),
        "within_10_weeks": sum(SIX_WEEKS < d <= TEN_WEEKS for d in weeks),
        "after_10_weeks": sum(d > TEN_WEEKS for d in weeks),
        "within_term": sum(_on_time(r, "first_responded_at", "statutory_by") for r in answered),
        "late": sum(
            r["statutory_by"] is not None and not _on_time(r, "first_responded_at", "statutory_by")
            for r in answered
        ),
        "extended": sum(1 for r in closed if (r["extensions"] or 0) > 0),
        "extended_with_consent": sum(1 for r in closed if (r["extensions_with_consent"] or 0) > 0),
        "norm_met": sum(_on_time(r, "first_responded_at", "respond_by_norm") for r in answered),
        "norm_missed": sum(
            r["respond_by_norm"] is not None
            and not _on_time(r, "first_responded_at", "respond_by_norm")
            for r in answered
        ),
        "endings": handling.endings(closed, with_open=False),
    }


def _on_time(row: Row, done: str, due: str) -> bool:
    at, by = parse_ts(row[done]), parse_ts(row[due])
    return at is not None and by is not None and at <= by


def moment(position: int, at: datetime) -> dict[str, Any]:
    """Where in the log the figures were read: what the document states under its method."""
    return {"stream_sequence": position, "as_of": at.isoformat()}
