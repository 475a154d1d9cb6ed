"""How satisfied were complainants, per department, team and theme? (issue 18 item 4)

The read model ``satisfaction_by_department_and_team``: one row per survey answer
(``satisfaction_recorded``) with the two scores and the department, team and themes the complaint
counted for when it was answered (the ones recorded last, as everywhere in reporting; themes as
the JSON list of the complaints table). Never the complainant's words: they are sealed and stay
in the log.

``figures`` is the summary's ``satisfaction``: overall and per department, team and theme, the
number of answers and the average of each score, and overall how many gave each score. An
answer on a complaint with two themes counts under both; ``none``: not classified when answered.
Rows may be groups of ``n`` (the SQL of reads.py), which count n times.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from shared.contract import events as ev

SATISFACTION = "satisfaction_by_department_and_team"
SATISFACTION_COLUMNS = (
    "seq",
    "complaint_id",
    "department",
    "team",
    "themes",
    "handling_score",
    "outcome_score",
    "occurred_at",
)
SCORE_COLUMNS = frozenset({"handling_score", "outcome_score"})
QUESTIONS = ("handling", "outcome")
NONE = "none"  # no department or team recorded (as handling.NO_DEPARTMENT)

Row = dict[str, Any]


def answer_row(seq: int, f: ev.SatisfactionRecorded, complaint: Row, occurred_at: str) -> Row:
    """The row of one answer; ``complaint`` is the complaint's row as folded before it."""
    return {
        "seq": seq,
        "complaint_id": str(f.complaint_id),
        "department": complaint["department"],
        "team": complaint["team"],
        "themes": complaint["themes"],
        "handling_score": f.handling,
        "outcome_score": f.outcome,
        "occurred_at": occurred_at,
    }


def figures(rows: list[Row]) -> dict[str, Any]:
    return {
        **_averages(rows),
        "by_score": {
            q: {str(s): n for s, n in sorted(_count(rows, f"{q}_score").items())} for q in QUESTIONS
        },
        "by_department": _per(rows, "department"),
        "by_team": _per(rows, "team"),
        "by_theme": _per_theme(rows),
    }


def _weight(r: Row) -> int:
    return int(r.get("n", 1))


def _count(rows: list[Row], column: str) -> Counter[int]:
    out: Counter[int] = Counter()
    for r in rows:
        out[int(r[column])] += _weight(r)
    return out


def _averages(rows: list[Row]) -> dict[str, Any]:
    answers = sum(_weight(r) for r in rows)
    out: dict[str, Any] = {"answers": answers}
    for q in QUESTIONS:
        total = sum(int(r[f"{q}_score"]) * _weight(r) for r in rows)
        out[f"{q}_average"] = round(total / answers, 2) if answers else None
    return out


def _per(rows: list[Row], column: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        groups[r[column] or NONE].append(r)
    return {key: _averages(group) for key, group in sorted(groups.items())}


def _per_theme(rows: list[Row]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        for theme in sorted(set(json.loads(r.get("themes") or "[]"))) or [NONE]:
            groups[theme].append(r)
    return {key: _averages(group) for key, group in sorted(groups.items())}
