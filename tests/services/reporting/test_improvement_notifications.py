"""An improvement action owned by a department reaches its members (issue 18 item 3): the
workspace's notifications of a staff member list the actions open or in progress owned by
them, one of their teams or their department (the shipped organisation file: ``staff`` is in
the team ``klachten`` of the department ``klantcontact``), from when it became theirs, and the
SLA monitor's reminder of such an action's passed due date. Real events through the fold into
a real SQLite read model, the page and the count from reporting on a real nats-server, in
Dutch and English."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from klachten.stack.natsserver import EmbeddedNats
from services.reporting import fold, workspace_notifications
from services.reporting.view_backends import open_view
from shared.config import CONFIG_DIR
from shared.config.organisation import load_organisation
from shared.config.policy_file import build_calendar, load_policy
from shared.rules import improvements, procedure, reminders
from shared.rules.complaint import Cause, Complaint
from tests.support.domain import personal
from tests.support.workspace import reporting_client

CAL = build_calendar(load_policy(CONFIG_DIR / "policy.toml").calendar)
OPENED = datetime(2026, 3, 2, 10, tzinfo=UTC)
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
ME, TOKEN = "staff", "improvement-notices-token-0123456789"
STAFF = Cause("staff:anna")


def register() -> list[object]:
    """A lead complaint with four actions: the department's (its due date passed and was
    reminded), another department's, a team's handed to the department later, a dropped one."""
    lead = Complaint.submit(
        complaint_id=uuid4(), reference="KL-2026-000042", channel="web", language="nl",
        personal=personal(), received_at=OPENED, now=OPENED, cause=Cause("complainant"),
        procedure=procedure.CURRENT,
    )  # fmt: skip
    day = CAL.local_date(OPENED)

    def opened(title: str, owner: str, due: int = 30) -> object:
        action_id = uuid4()
        lead.open_improvement(action_id=action_id, title=title, owner=owner, now=OPENED,
                              due=day + timedelta(days=due), cause=STAFF, calendar=CAL)  # fmt: skip
        return action_id

    opened("Wachttijd aan de telefoon korter", "klantcontact", due=3)
    opened("Formulier parkeervergunning", "publiekszaken")
    handed = opened("Uitleg in de ontvangstbevestiging", "balie")
    dropped = opened("Oud idee", "klantcontact")
    later = NOW - timedelta(days=1)
    lead.update_improvement(action_id=handed, owner="klantcontact", now=later, cause=STAFF)  # type: ignore[arg-type]
    lead.update_improvement(action_id=dropped, status="dropped", outcome="Niet nodig.",  # type: ignore[arg-type]
                            now=later, cause=STAFF)  # fmt: skip
    (due,) = reminders.reminders_due(list(lead.facts), NOW)  # type: ignore[attr-defined]
    lead.remind_overdue(reminder=due, now=NOW - timedelta(hours=1), cause=Cause("system:sla"))
    assert len(improvements.actions_led(lead.facts)) == 4  # type: ignore[attr-defined]
    return list(lead.facts)  # type: ignore[attr-defined]


def seeded(path: Path) -> None:
    view = open_view(str(path))
    view.create_table()
    model = fold.replay(list(enumerate(register(), start=1)))
    with view._tx(commit=True) as c:
        for name, rows in fold.tables_of(model).items():
            view._upsert(c, name, rows, update=True)


def test_the_departments_actions_reach_its_members_and_no_one_else(tmp_path: Path) -> None:
    seeded(tmp_path / "view.sqlite3")
    view = open_view(str(tmp_path / "view.sqlite3"))
    org = load_organisation(CONFIG_DIR / "organisation.toml")
    departments = workspace_notifications.departments_of(org, ME)
    assert departments == ("klantcontact",)
    found = workspace_notifications.notices(view, ME, ("klachten",), NOW, 5, departments)
    kinds = sorted((n.kind, n.detail.get("title") or n.detail.get("source")) for n in found)
    assert kinds == [
        ("improvement", "Uitleg in de ontvangstbevestiging"),  # handed to the department
        ("improvement", "Wachttijd aan de telefoon korter"),
        ("measure", "improvement_action"),  # its due date passed
    ]
    handed = next(n for n in found if n.detail.get("title", "").startswith("Uitleg"))
    assert handed.at == fold.ts(NOW - timedelta(days=1))  # when it became the department's
    elsewhere = workspace_notifications.notices(view, "bram", (), NOW, 5, ("publiekszaken",))
    assert [n.detail["title"] for n in elsewhere] == ["Formulier parkeervergunning"]
    assert workspace_notifications.notices(view, "carla", (), NOW, 5) == []


@pytest.fixture
def client(provisioned_nats: EmbeddedNats, tmp_path: Path) -> Iterator[TestClient]:
    seeded(tmp_path / "reporting.sqlite3")
    with reporting_client(provisioned_nats.url, tmp_path, TOKEN, NOW) as http:
        yield http


def test_the_page_and_the_count_in_both_languages(client: TestClient) -> None:
    page = client.get("/workspace/notifications", params={"lang": "nl"})
    assert page.status_code == 200, page.text
    assert page.text.count('data-kind="improvement"') == 2
    assert "Verbeteractie voor u" in page.text
    assert "Verbeteractie ‘Wachttijd aan de telefoon korter’ voor Klantcontact, klaar op" in (
        page.text
    )
    assert "De verbeteractie had klaar moeten zijn op" in page.text
    assert "verbeteracties voor u, uw team of uw afdeling" in page.text
    assert "Formulier parkeervergunning" not in page.text and "Oud idee" not in page.text
    english = client.get("/workspace/notifications", params={"lang": "en"})
    assert "Improvement action for you" in english.text
    assert "Improvement action ‘Uitleg in de ontvangstbevestiging’ for Customer contact, due" in (
        english.text
    )
    assert client.get("/workspace/notifications/count").json()["unseen"] == 3
