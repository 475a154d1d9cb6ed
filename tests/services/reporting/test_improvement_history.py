"""An improvement action's history in reporting (services/reporting/improvements.py): a
complaint that leaves an action (``improvement_unlinked``) is no longer counted or listed as
part of it, may join again, and the action's history lists every change (title and owner
edited, status) and every complaint joining and leaving, in the order of the log. Real events
from the aggregate through the fold into a real SQLite view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from services.reporting import fold
from services.reporting import improvements as imp
from services.reporting.view_backends import open_view
from shared.config import CONFIG_DIR
from shared.config.policy_file import build_calendar, load_policy
from shared.rules import improvements, procedure
from shared.rules.complaint import Cause, Complaint
from tests.support.domain import personal

CAL = build_calendar(load_policy(CONFIG_DIR / "policy.toml").calendar)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
STAFF = Cause("staff:alice")


def complaint(reference: str) -> Complaint:
    return Complaint.submit(
        complaint_id=uuid4(), reference=reference, channel="web", language="nl",
        personal=personal(), received_at=NOW, now=NOW, cause=Cause("complainant"),
        procedure=procedure.CURRENT,
    )  # fmt: skip


def test_leaving_an_action_and_its_history(tmp_path: Path) -> None:
    lead, a, b = complaint("KL-2026-000001"), complaint("KL-2026-000002"), complaint("KL-2026-3")
    action_id = uuid4()
    lead.open_improvement(action_id=action_id, title="Brief herschrijven", owner="klachten",
                          due=CAL.local_date(NOW) + timedelta(days=10), calendar=CAL, now=NOW,
                          cause=STAFF)  # fmt: skip
    action = improvements.actions_led(lead.facts)[action_id]  # type: ignore[attr-defined]
    a.link_improvement(action=action, now=NOW, cause=STAFF)
    b.link_improvement(action=action, now=NOW, cause=STAFF)
    lead.update_improvement(action_id=action_id, title="Standaardbrief herschrijven",
                            owner="klantcontact", now=NOW, cause=STAFF)  # fmt: skip
    a.unlink_improvement(action_id=action_id, action=action, now=NOW, cause=STAFF)
    la, lb, ll = a.facts, b.facts, lead.facts  # type: ignore[attr-defined]
    facts = [*ll[:2], *la[:2], *lb, *ll[2:], *la[2:]]  # in the order they happened
    model = fold.replay(list(enumerate(facts, start=1)))
    view = open_view(str(tmp_path / "view.sqlite3"))
    view.create_table()
    with view._tx(commit=True) as c:
        for name, rows in fold.tables_of(model).items():
            view._upsert(c, name, rows, update=True)

    (now,) = imp.current(view, fold.COMPLAINTS)
    assert (now["title"], now["owner"], now["complaints"]) == (
        "Standaardbrief herschrijven", "klantcontact", 2)  # fmt: skip
    members = imp.linked_complaints(view, fold.COMPLAINTS, str(action_id))
    assert [m["reference"] for m in members] == ["KL-2026-000001", "KL-2026-3"]
    assert imp.of_complaint(view, fold.COMPLAINTS, str(a.id)) == []
    assert [r["title"] for r in imp.of_complaint(view, fold.COMPLAINTS, str(b.id))] == [
        "Standaardbrief herschrijven"
    ]
    history = imp.history(view, fold.COMPLAINTS, str(action_id))
    assert [(h["kind"], h["change"], h.get("reference")) for h in history] == [
        ("action", "opened", None),
        ("link", "linked", "KL-2026-000002"),
        ("link", "linked", "KL-2026-3"),
        ("action", "updated", None),
        ("link", "unlinked", "KL-2026-000002"),
    ]
    assert history[3]["changed"] == ["title", "owner"]
    assert [r["change"] for r in fold.tables_of(model)[imp.LINKS]] == [
        "linked", "linked", "linked", "unlinked"]  # fmt: skip


def test_a_complaint_that_left_may_join_again(tmp_path: Path) -> None:
    lead, a = complaint("KL-2026-000001"), complaint("KL-2026-000002")
    action_id = uuid4()
    lead.open_improvement(action_id=action_id, title="Wachttijd", owner="klachten",
                          due=CAL.local_date(NOW), calendar=CAL, now=NOW, cause=STAFF)  # fmt: skip
    action = improvements.actions_led(lead.facts)[action_id]  # type: ignore[attr-defined]
    a.link_improvement(action=action, now=NOW, cause=STAFF)
    a.unlink_improvement(action_id=action_id, action=action, now=NOW, cause=STAFF)
    a.link_improvement(action=action, now=NOW, cause=STAFF)
    model = fold.replay(list(enumerate([*lead.facts, *a.facts], start=1)))  # type: ignore[attr-defined]
    view = open_view(str(tmp_path / "view.sqlite3"))
    view.create_table()
    with view._tx(commit=True) as c:
        for name, rows in fold.tables_of(model).items():
            view._upsert(c, name, rows, update=True)
    (now,) = imp.current(view, fold.COMPLAINTS)
    assert now["complaints"] == 2
    assert [r["title"] for r in imp.of_complaint(view, fold.COMPLAINTS, str(a.id))] == ["Wachttijd"]
