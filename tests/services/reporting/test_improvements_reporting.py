"""The improvement actions register in reporting (services/reporting/improvements.py): the fold
writes one row per change and one per complaint that is part of an action, from events the
aggregate makes; the reads on a real SQLite view give each action as it is now, filtered, with
its complaints; complaints per theme and month; the rows survive the lead's erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from services.reporting import fold
from services.reporting import improvements as imp
from services.reporting.view_backends import open_view
from shared.config import CONFIG_DIR
from shared.config.policy_file import build_calendar, load_policy
from shared.config.vocabularies import DEFAULT_VOCABULARIES_FILE, load_vocabulary
from shared.contract import events as ev
from shared.rules import improvements, procedure
from shared.rules.complaint import Cause, Complaint
from tests.support.domain import personal

VOCABULARY = load_vocabulary(DEFAULT_VOCABULARIES_FILE)
CAL = build_calendar(load_policy(CONFIG_DIR / "policy.toml").calendar)
AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
STAFF = Cause("staff:alice")


def complaint(reference: str, received: datetime) -> Complaint:
    return Complaint.submit(
        complaint_id=uuid4(), reference=reference, channel="web", language="nl",
        personal=personal(), received_at=received, now=received, cause=Cause("complainant"),
        procedure=procedure.CURRENT,
    )  # fmt: skip


def folded() -> tuple[fold.ReadModel, Complaint, Complaint, ev.ImprovementOpened]:
    lead = complaint("KL-2026-000001", NOW - timedelta(days=40))
    other = complaint("KL-2026-000002", NOW - timedelta(days=3))
    lead.classify(themes=["informatie", "tijdigheid"], vocabulary=VOCABULARY, now=NOW,
                  cause=STAFF)  # fmt: skip
    other.classify(themes=["informatie"], vocabulary=VOCABULARY, now=NOW, cause=STAFF)
    lead.open_improvement(action_id=uuid4(), title="Brief herschrijven", owner="klachten",
                          due=CAL.local_date(NOW) + timedelta(days=10), theme="informatie",
                          vocabulary=VOCABULARY, calendar=CAL, now=NOW, cause=STAFF)  # fmt: skip
    opened = lead.facts[-1]  # type: ignore[attr-defined]
    lead.open_improvement(action_id=uuid4(), title="Wachttijd telefoon", owner="klachten",
                          due=CAL.local_date(NOW), now=NOW, cause=STAFF,
                          calendar=CAL)  # fmt: skip
    action = improvements.actions_led(lead.facts)[opened.action_id]  # type: ignore[attr-defined]
    other.link_improvement(action=action, now=NOW, cause=STAFF)
    lead.update_improvement(action_id=opened.action_id, status="in_progress", now=NOW,
                            cause=STAFF)  # fmt: skip
    lead.erase(key_id="k", legal_basis="AVG art. 17", now=NOW, cause=STAFF)
    facts = [*lead.facts[:3], *other.facts, *lead.facts[3:]]  # type: ignore[attr-defined]
    model = fold.replay(list(enumerate(facts, start=1)))
    return model, lead, other, opened


def test_the_fold_writes_every_change_and_every_complaint_of_an_action() -> None:
    model, lead, other, opened = folded()
    tables = fold.tables_of(model)
    changes = [r for r in tables[imp.IMPROVEMENTS] if r["action_id"] == str(opened.action_id)]
    assert [(r["change"], r["status"], r["changed"]) for r in changes] == [
        ("opened", "open", None), ("updated", "in_progress", '["status"]')]  # fmt: skip
    assert changes[0]["title"] == "Brief herschrijven" and changes[0]["theme"] == "informatie"
    assert changes[0]["due_by"] == fold.ts(opened.due_by)
    links = [r for r in tables[imp.LINKS] if r["action_id"] == str(opened.action_id)]
    assert [r["complaint_id"] for r in links] == [str(lead.id), str(other.id)]
    assert {r["lead_complaint_id"] for r in links} == {str(lead.id)}
    assert not tables[fold.DEAD_LETTERS]
    assert model.complaints[str(lead.id)]["erased"] == 1  # erased, and the action stays


@pytest.fixture
def view(tmp_path: Path):  # type: ignore[no-untyped-def]
    model, lead, other, opened = folded()
    found = open_view(str(tmp_path / "view.sqlite"))
    found.create_table()
    with found._tx(commit=True) as c:
        for name, rows in fold.tables_of(model).items():
            found._upsert(c, name, rows, update=True)
    return found, lead, other, opened


def test_each_action_as_it_is_now_with_its_complaints_filtered(view) -> None:  # type: ignore[no-untyped-def]
    v, _lead, other, opened = view
    now = fold.ts(NOW + timedelta(days=2))
    actions = imp.current(v, fold.COMPLAINTS)
    assert [a["title"] for a in actions] == ["Wachttijd telefoon", "Brief herschrijven"]  # due
    brief = actions[1]
    assert (brief["status"], brief["complaints"], brief["lead_reference"]) == (
        "in_progress", 2, "KL-2026-000001")  # fmt: skip
    active = imp.filtered(actions, status="active", now=now)
    assert [a["overdue"] for a in active] == [True, False]
    assert [a["title"] for a in imp.filtered(actions, status="overdue", now=now)] == [
        "Wachttijd telefoon"
    ]
    assert [a["title"] for a in imp.filtered(actions, theme="informatie", now=now)] == [
        "Brief herschrijven"
    ]
    assert imp.filtered(actions, status="done", now=now) == []
    assert [a["title"] for a in imp.of_complaint(v, fold.COMPLAINTS, str(other.id))] == [
        "Brief herschrijven"
    ]
    members = imp.linked_complaints(v, fold.COMPLAINTS, str(opened.action_id))
    assert [m["reference"] for m in members] == ["KL-2026-000001", "KL-2026-000002"]


def test_complaints_per_theme_per_month_over_the_last_twelve_months(view) -> None:  # type: ignore[no-untyped-def]
    v, *_ = view
    months = imp.months_before(NOW, AMS)
    assert (len(months), months[0], months[-1]) == (12, "2025-12", "2026-11")
    rows = imp.received_with_themes(v, fold.COMPLAINTS, fold.ts(NOW - timedelta(days=365)) or "")
    counts = imp.per_theme_per_month(rows, months, AMS)
    assert counts == {
        "informatie": [0] * 10 + [1, 1],  # October (the lead) and November
        "tijdigheid": [0] * 10 + [1, 0],
    }
    assert imp.months_before(datetime(2027, 1, 1, 0, 30, tzinfo=AMS), AMS, 2) == [
        "2026-12", "2027-01"]  # fmt: skip


def test_the_yearly_report_counts_the_register_of_its_year() -> None:
    def row(seq: int, action: str, change: str, status: str, at: str) -> dict:
        return {"seq": seq, "action_id": action, "change": change, "status": status,
                "occurred_at": at}  # fmt: skip

    rows = [
        row(1, "a", "opened", "open", "2025-12-31T23:30:00.000000Z"),  # 2025 in UTC, 2026 here
        row(2, "b", "opened", "open", "2026-03-01T09:00:00.000000Z"),
        row(3, "b", "updated", "done", "2026-06-01T09:00:00.000000Z"),
        row(4, "c", "opened", "open", "2026-04-01T09:00:00.000000Z"),
        row(5, "c", "updated", "dropped", "2027-01-10T09:00:00.000000Z"),  # after the year
        row(6, "d", "opened", "open", "2025-05-01T09:00:00.000000Z"),
        row(7, "d", "updated", "in_progress", "2026-02-01T09:00:00.000000Z"),
    ]
    assert imp.year_figures(rows, 2026, AMS) == {
        "opened": 3, "done": 1, "dropped": 0, "open_at_end": 3}  # a, c, d  # fmt: skip
    assert imp.year_figures(rows, 2027, AMS)["dropped"] == 1


def test_the_yearly_document_names_the_register_in_both_languages() -> None:
    from services.reporting import yearly, yearly_document

    model, *_ = folded()
    fig = yearly.figures(fold.tables_of(model), NOW.year)
    assert fig["improvements"] == {"opened": 2, "done": 0, "dropped": 0, "open_at_end": 2}
    for lang, word in (("nl", "Verbeteracties geopend"), ("en", "Improvement actions opened")):
        doc = yearly_document.document(
            fig, lang=lang, organisation="Gemeente Voorbeeld", org=None, vocabulary=VOCABULARY,
            position=1, as_of="2026-12-31T23:00:00Z",
        )  # fmt: skip
        [learning] = [s for s in doc.sections if s.key == "learning"]
        assert [value for label, value in learning.rows if label.startswith(word)] == ["2"]
