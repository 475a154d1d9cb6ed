"""The desk's lists over a real SQLite read model: the nearest deadline in SQL equals the
read model's own rule (domain.next_deadline), each view keeps what it says, search finds a
reference by any part, sorting and pages are done by the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.reporting import domain, fold, workspace_lists
from services.reporting.view_backends import open_view
from services.reporting.workspace_lists import ListQuery, list_page

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _at(days: float) -> str:
    return fold.ts(NOW + timedelta(days=days))  # type: ignore[return-value]


def row(n: int, **values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        c: (0 if c in fold.INT_COLUMNS else None) for c in fold.COMPLAINT_COLUMNS
    }
    base |= {
        "complaint_id": f"00000000-0000-4000-8000-{n:012d}",
        "reference": f"KL-2026-{n:06d}",
        "channel": "web",
        "language": "nl",
        "status": "acknowledged",
        "received_at": _at(-20 + n / 1000),
        "acknowledged_at": _at(-19),
        "acknowledge_by": _at(-18),
        "respond_by": _at(5 + n),
        "statutory_by": _at(30 + n),
    }
    return base | values


def seed(view: Any, rows: list[dict[str, Any]]) -> None:
    with view._tx(commit=True) as c:
        view._upsert(c, fold.COMPLAINTS, rows, update=True)


@pytest.fixture
def view(tmp_path: Path) -> Any:
    opened = open_view(str(tmp_path / "reporting.sqlite3"))
    opened.create_table()
    return opened


def _refs(page: workspace_lists.ListPage) -> list[str]:
    return [r["reference"] for r in page.rows]


def test_the_nearest_deadline_in_sql_is_the_read_models_rule(view: Any) -> None:
    rows = [
        row(1),
        row(2, acknowledged_at=None, acknowledge_by=_at(-1)),  # acknowledgement overdue
        row(3, status="responded", respond_by=_at(-3)),  # answered: no response clock
        row(4, status="closed", closed_at=_at(-1)),
        row(5, status="escalated", respond_by=None, statutory_by=_at(2)),
        row(6, status="closed", replies_waiting=1, last_reply_at=_at(-1)),
    ]
    seed(view, rows)
    page = list_page(view, ListQuery(), NOW, "anna", ())
    got = {r["reference"]: (r["next_deadline"], r["deadline_kind"]) for r in page.rows}
    for r in rows:
        if r["reference"] in got:
            assert got[r["reference"]] == domain.next_deadline(r), r["reference"]
    assert "KL-2026-000004" not in got  # closed, nothing waiting
    assert set(got) == {f"KL-2026-00000{n}" for n in (1, 2, 3, 5, 6)}


def test_views_search_sort_and_pages(view: Any) -> None:
    rows = [row(n) for n in range(1, 61)]
    rows[0] |= {"respond_by": _at(-1)}  # overdue
    rows[1] |= {"replies_waiting": 2, "last_reply_at": _at(-2)}
    rows[2] |= {"channel": "phone"}
    rows[3] |= {"respond_by": _at(3)}
    rows[4] |= {"status": "responded"}
    seed(view, rows)
    first = list_page(view, ListQuery(), NOW, "anna", ())
    assert first.total == 60 and len(first.rows) == workspace_lists.PAGE_SIZE
    assert _refs(first)[:2] == ["KL-2026-000001", "KL-2026-000004"]  # nearest deadline first
    assert first.rows[0]["overdue"] and not first.rows[1]["overdue"]
    third = list_page(view, ListQuery(page=3), NOW, "anna", ())
    assert len(third.rows) == 10 and third.rows[-2]["reference"] == "KL-2026-000060"
    assert third.rows[-1]["reference"] == "KL-2026-000005"  # answered: no deadline left, last
    assert _refs(list_page(view, ListQuery(view="overdue"), NOW, "anna", ())) == ["KL-2026-000001"]
    assert _refs(list_page(view, ListQuery(view="replies"), NOW, "anna", ())) == ["KL-2026-000002"]
    week = list_page(view, ListQuery(view="week"), NOW, "anna", ())
    assert _refs(week) == ["KL-2026-000004"]  # in 3 days; 1 is overdue, 2 due in 7 days exactly
    assert _refs(list_page(view, ListQuery(q="0042"), NOW, "anna", ())) == ["KL-2026-000042"]
    assert _refs(list_page(view, ListQuery(q="kl-2026-00005"), NOW, "anna", ()))[0] == (
        "KL-2026-000050"
    )
    assert _refs(list_page(view, ListQuery(channel="phone"), NOW, "anna", ())) == ["KL-2026-000003"]
    answered = list_page(view, ListQuery(view="answered"), NOW, "anna", ())
    assert _refs(answered) == ["KL-2026-000005"]
    newest = list_page(view, ListQuery(sort="received", descending=True), NOW, "anna", ())
    assert newest.rows[0]["reference"] == "KL-2026-000060"


def test_owner_views_follow_the_ownership_columns(view: Any) -> None:
    if not workspace_lists.has_owner_columns(view):
        page = list_page(view, ListQuery(view="mine"), NOW, "anna", ())
        assert page.missing == "no_owner_column" and page.rows == []
        return
    seed(
        view,
        [
            row(1, handler="anna", team="balie", department="publiekszaken"),
            row(2, team="balie", department="publiekszaken"),  # the team's queue
            row(3),  # nobody's
            row(4, handler="sam", team="klachten", department="klantcontact"),
        ],
    )
    assert _refs(list_page(view, ListQuery(view="mine"), NOW, "anna", ("balie",))) == [
        "KL-2026-000001"
    ]
    assert _refs(list_page(view, ListQuery(view="team"), NOW, "anna", ("balie",))) == [
        "KL-2026-000002"
    ]
    assert _refs(list_page(view, ListQuery(view="team"), NOW, "anna", ())) == []
    assert _refs(list_page(view, ListQuery(view="unassigned"), NOW, "anna", ())) == [
        "KL-2026-000003"
    ]
    klantcontact = list_page(view, ListQuery(department="klantcontact"), NOW, "anna", ())
    assert _refs(klantcontact) == ["KL-2026-000004"]


def test_the_query_string_is_read_strictly_and_written_back() -> None:
    q = ListQuery.from_params({"view": "nope", "page": "-3", "sort": "x;drop", "level": "a"})
    assert q == ListQuery()
    assert ListQuery.from_params({"replies": "1"}).view == "replies"
    q = ListQuery.from_params({"view": "overdue", "q": "42", "page": "2", "dir": "desc"})
    assert q.link() == "view=overdue&q=42&sort=deadline&dir=desc"
    assert q.link(page=3) == "view=overdue&q=42&sort=deadline&dir=desc&page=3"
