"""The survey after closure in reporting (issue 18 item 4): the fold keeps one row per answer
with the department and team the complaint counted for when it was answered, never the words;
the summary gives answers and averages overall, per department and per team, and how many gave
each score; the SQL summary equals the Python one. The log is made by the aggregate's own
commands; the expected figures are counted by hand below."""

from __future__ import annotations

import tempfile
from datetime import timedelta

from services.reporting import domain, fold, reads
from services.reporting.satisfaction import SATISFACTION
from shared.contract import events as ev
from shared.rules.complaint import Cause, Complaint
from tests.services.reporting.test_reads_sql import written
from tests.support.domain import NOW, submitted

STAFF = Cause(actor="staff:anna")
WEB = Cause(actor="complainant:web")


def answered(n: int, team: str | None, dept: str | None, scores: tuple[int, int]) -> Complaint:
    c = submitted(reference=f"KL-2026-{n:06d}", now=NOW + timedelta(minutes=n))
    at = NOW + timedelta(days=n)
    if team or dept:
        c.assign(handler=None, team=team, department=dept, now=at, cause=STAFF)
    c.respond(text="Onderzocht.", resolution="well_founded", now=at, cause=STAFF)
    c.close(outcome="resolved", now=at, cause=STAFF)
    c.record_satisfaction(
        handling=scores[0], outcome=scores[1], text="Mijn woorden", now=at, cause=WEB
    )
    return c


def history() -> list[ev.Event]:
    made = [
        answered(1, "team-a", "dept-x", (5, 4)),
        answered(2, "team-a", "dept-x", (3, 1)),
        answered(3, "team-b", "dept-x", (4, 4)),
        answered(4, None, None, (1, 2)),
    ]
    unanswered = submitted(reference="KL-2026-000009")
    events = [e.fact for c in [*made, unanswered] for e in c.collect_events()]
    return sorted(events, key=lambda f: (f.occurred_at, str(f.complaint_id), f.version))


def test_the_fold_keeps_one_row_per_answer_without_words() -> None:
    tables = fold.tables_of(fold.replay(list(enumerate(history(), start=1))))
    rows = tables[SATISFACTION]
    assert [
        (r["team"], r["department"], r["handling_score"], r["outcome_score"]) for r in rows
    ] == [
        ("team-a", "dept-x", 5, 4),
        ("team-a", "dept-x", 3, 1),
        ("team-b", "dept-x", 4, 4),
        (None, None, 1, 2),
    ]
    assert not any("Mijn woorden" in str(v) for r in rows for v in r.values())


def test_the_summary_per_department_and_team_and_sql_agrees() -> None:
    tables = fold.tables_of(fold.replay(list(enumerate(history(), start=1))))
    figures = domain.summary(tables, NOW, 0)["satisfaction"]
    assert figures == {
        "answers": 4,
        "handling_average": 3.25,  # (5 + 3 + 4 + 1) / 4
        "outcome_average": 2.75,  # (4 + 1 + 4 + 2) / 4
        "by_score": {
            "handling": {"1": 1, "3": 1, "4": 1, "5": 1},
            "outcome": {"1": 1, "2": 1, "4": 2},
        },
        "by_department": {
            "dept-x": {"answers": 3, "handling_average": 4.0, "outcome_average": 3.0},
            "none": {"answers": 1, "handling_average": 1.0, "outcome_average": 2.0},
        },
        "by_team": {
            "none": {"answers": 1, "handling_average": 1.0, "outcome_average": 2.0},
            "team-a": {"answers": 2, "handling_average": 4.0, "outcome_average": 2.5},
            "team-b": {"answers": 1, "handling_average": 4.0, "outcome_average": 4.0},
        },
        # none was classified when answered (per theme: tests/.../test_improvements_satisfaction.py)
        "by_theme": {"none": {"answers": 4, "handling_average": 3.25, "outcome_average": 2.75}},
    }
    with tempfile.TemporaryDirectory() as folder:
        view = written(folder, tables)
        assert reads.summary(view, NOW)["satisfaction"] == figures


def test_no_answers_no_averages() -> None:
    tables = fold.tables_of(fold.replay([(1, submitted().collect_events()[0].fact)]))
    assert domain.summary(tables, NOW, 0)["satisfaction"] == {
        "answers": 0,
        "handling_average": None,
        "outcome_average": None,
        "by_score": {"handling": {}, "outcome": {}},
        "by_department": {},
        "by_team": {},
        "by_theme": {},
    }
