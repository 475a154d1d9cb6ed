"""The procedure's figures (issue 16), counted from read-model rows: how complaints ended
(formally answered, resolved informally under Awb 9:5, declined under 9:8, withdrawn,
referred), the grounds of declining, the hearings (Awb 9:10) held and waived per ground, and
all of it per department. The summary and the yearly report (domain.py) call these, so both
count alike; every family of counts holds each complaint once (tests/services/reporting/
test_counted_once.py), except the grounds: a complaint declined on two grounds counts for each.

A row may stand for a group of `n` alike rows (reads.py groups the live view in SQL by the
columns a count reads, and hands the groups to these same functions): it then counts `n` times.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from services.reporting.fold import Row
from shared.contract import events as ev

# How an ended complaint was handled; "formal" is the complaints procedure's own answer.
ENDINGS = ("formal", "informal", "declined", "withdrawn", "referred")
OPEN = "open"  # not ended (yet): no closed_at
NOT_RECORDED = "not_recorded"  # declined before grounds were recorded (closed "not_handled")
DECLINE_GROUNDS: tuple[str, ...] = ev.DeclineGround.__args__  # type: ignore[attr-defined]
WAIVER_GROUNDS: tuple[str, ...] = ev.HearingWaiverGround.__args__  # type: ignore[attr-defined]
HEARING_STEPS = ("invited", "held", "waived")
NO_DEPARTMENT = "none"


def weight(row: Row) -> int:
    """How many complaints (or steps) a row stands for: 1, or a SQL group's size."""
    return row.get("n", 1)


def ending(row: Row) -> str:
    """How the complaint ended, or "open". A `closed` complaint with outcome `not_handled` (old
    histories, and the close action that remains) counts as declined, as `declined` does."""
    if row["closed_at"] is None:
        return OPEN
    if row["status"] == "resolved_informally":
        return "informal"
    if row["status"] == "declined" or row["outcome"] == "not_handled":
        return "declined"
    if row["outcome"] in ("withdrawn", "referred"):
        return row["outcome"]
    return "formal"


def endings(rows: list[Row], *, with_open: bool) -> dict[str, int]:
    """Each complaint once under how it ended (and "open" for the rest, when asked)."""
    counts: Counter[str] = Counter()
    for r in rows:
        counts[ending(r)] += weight(r)
    labels = (*ENDINGS, OPEN) if with_open else ENDINGS
    return {label: counts.get(label, 0) for label in labels}


def informal_share(counts: dict[str, int]) -> float | None:
    """Informal as a share of informal + formal: the headline figure of Dutch yearly reports."""
    both = counts["informal"] + counts["formal"]
    return round(counts["informal"] / both, 4) if both else None


def grounds_of(row: Row) -> list[str]:
    return json.loads(row["decline_grounds"]) if row["decline_grounds"] else [NOT_RECORDED]


def declined_by_ground(rows: list[Row]) -> dict[str, int]:
    """Declined complaints per ground of Awb 9:8 (a complaint counts once for each ground)."""
    counts: Counter[str] = Counter()
    for r in rows:
        for g in grounds_of(r) if ending(r) == "declined" else ():
            counts[g] += weight(r)
    known = {g: counts.get(g, 0) for g in DECLINE_GROUNDS}
    return known | ({NOT_RECORDED: counts[NOT_RECORDED]} if counts[NOT_RECORDED] else {})


def hearings(steps: list[Row]) -> dict[str, Any]:
    """Hearing steps (rows of hearings_by_level_and_ground): invited, held and waived, the
    waivers per ground of Awb 9:10 and the hearings held per mode."""
    by_step: Counter[str] = Counter()
    waived: Counter[str] = Counter()
    modes: Counter[str] = Counter()
    for s in steps:
        by_step[s["step"]] += weight(s)
        if s["step"] == "waived":
            waived[s["ground"]] += weight(s)
        if s["step"] == "held":
            modes[s["mode"]] += weight(s)
    return {
        **{step: by_step.get(step, 0) for step in HEARING_STEPS},
        "waived_by_ground": {g: waived.get(g, 0) for g in WAIVER_GROUNDS},
        "held_by_mode": dict(sorted(modes.items())),
        "held_with_conduct_subject": sum(
            s["with_conduct_subject"] for s in steps if s["step"] == "held"
        ),
    }


def per_department(received: list[Row], ended: list[Row]) -> dict[str, dict[str, int]]:
    """Per department (the one recorded last, "none" before any): complaints received, and
    those ended by how; a department's `received` and its endings may cover other complaints
    (received in one period, ended in another)."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for r in received:
        out[r["department"] or NO_DEPARTMENT]["received"] += weight(r)
    for r in ended:
        out[r["department"] or NO_DEPARTMENT][ending(r)] += weight(r)
    keys = ("received", *ENDINGS)
    return {d: {k: c.get(k, 0) for k in keys} for d, c in sorted(out.items())}


def awaiting_hearing(rows: list[Row]) -> int:
    """Unanswered open complaints under the procedure with the hearing rule (Awb 9:10) whose
    current level has no hearing held and no ground to waive it yet."""
    return sum(
        weight(r)
        for r in rows
        if r["procedure"]
        and r["status"] in ("submitted", "acknowledged", "escalated")
        and r["hearing"] not in ("held", "waived")
    )
