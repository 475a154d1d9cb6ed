"""Notifications in the workspace (issue 17), over a real SQLite read model and a real
nats-server: a new case in my queue (assigned to me or to my team without a handler, not
one I took myself, still open and still ours), a new message on my case, a recorded deadline
of either clock within N days, and the SLA monitor's reminders (mine as owner, my team's, or a
promised measure on my case); the page and the chrome's count in Dutch and English; "seen up
to" kept per staff member in the WORKSPACE_SEEN bucket, never moved back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from klachten.stack.natsserver import EmbeddedNats
from services.reporting import fold, workspace_notifications
from services.reporting.reminders import REMINDERS
from services.reporting.view_backends import open_view
from shared.eventstore.link import JetStreamLink
from tests.support.workspace import reporting_client

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
ME, TEAM = "staff", "klachten"  # the shipped organisation file: staff is in the klachten team
TOKEN = "notifications-token-0123456789"


def _at(days: float) -> str:
    return fold.ts(NOW + timedelta(days=days))  # type: ignore[return-value]


def _id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def complaint(n: int, **values: Any) -> dict[str, Any]:
    base = {c: (0 if c in fold.INT_COLUMNS else None) for c in fold.COMPLAINT_COLUMNS}
    base |= {
        "complaint_id": _id(n),
        "reference": f"KL-2026-{n:06d}",
        "channel": "web",
        "language": "nl",
        "status": "acknowledged",
        "received_at": _at(-20),
        "acknowledged_at": _at(-19),
        "respond_by": _at(40),
        "statutory_by": _at(60),
    }
    return base | values


def assignment(seq: int, n: int, days: float, kind: str = "assign", **who: Any) -> dict[str, Any]:
    return {"seq": seq, "complaint_id": _id(n), "kind": kind, "handler": who.get("handler"),
            "team": who.get("team"), "department": None, "previous_handler": None,
            "occurred_at": _at(days)}  # fmt: skip


def reminder(seq: int, n: int, source: str, owner: str | None) -> dict[str, Any]:
    return {"seq": seq, "complaint_id": _id(n), "source": source, "item": 1,
            "due_by": _at(-1), "owner": owner, "occurred_at": _at(-0.5)}  # fmt: skip


def seeded(path: Path) -> Any:
    view = open_view(str(path))
    view.create_table()
    complaints = [
        complaint(1, handler=ME, replies_waiting=2, last_reply_at=_at(-1)),  # reply
        complaint(2, handler=ME, respond_by=_at(3)),  # internal clock in 3 days
        complaint(3, handler=ME, respond_by=_at(10), statutory_by=_at(4)),  # statutory in 4
        complaint(4, team=TEAM),  # in my team's queue
        complaint(5, handler=ME),  # assigned to me
        complaint(6, handler=ME),  # taken by me: no news
        complaint(7, handler="bram", replies_waiting=1, last_reply_at=_at(-1)),  # not mine
        complaint(8, handler=ME, status="closed"),  # closed: no queue news
        complaint(9, handler=ME, status="responded", respond_by=_at(2)),  # answered: no clock
        complaint(10, handler="bram", team=TEAM),  # once in my queue, now bram's
        complaint(11, handler=ME, respond_by=_at(-1)),  # overdue: the overdue list, not here
    ]
    assignments = [
        assignment(1, 4, -2, team=TEAM),
        assignment(2, 5, -1, handler=ME, team=TEAM),
        assignment(3, 6, -1, kind="take", handler=ME),
        assignment(4, 8, -1, handler=ME),
        assignment(5, 10, -3, team=TEAM),
        assignment(6, 10, -2, kind="reassign", handler="bram", team=TEAM),
        assignment(7, 5, -40, handler=ME),  # too long ago (30 days back at most)
    ]
    reminders = [
        reminder(1, 2, "measure", None),  # a promised measure on my case
        reminder(2, 7, "remedy", TEAM),  # my team owns the remedy
        reminder(3, 7, "remedy", "carla"),  # not mine
    ]
    with view._tx(commit=True) as c:
        view._upsert(c, fold.COMPLAINTS, complaints, update=True)
        view._upsert(c, fold.ASSIGNMENTS, assignments, update=True)
        view._upsert(c, REMINDERS, reminders, update=True)
    return view


def _kinds(found: list[workspace_notifications.Notice]) -> list[tuple[str, str, str]]:
    return sorted(
        (n.kind, n.reference[-2:], str(n.detail.get("clock") or n.detail.get("source") or ""))
        for n in found
    )


def test_what_is_a_notification(tmp_path: Path) -> None:
    view = seeded(tmp_path / "view.sqlite3")
    found = workspace_notifications.notices(view, ME, (TEAM,), NOW, 5)
    assert _kinds(found) == [
        ("deadline", "02", "respond"),
        ("deadline", "03", "statutory"),
        ("measure", "02", "measure"),
        ("measure", "07", "remedy"),
        ("queue", "04", ""),
        ("queue", "05", ""),
        ("reply", "01", ""),
    ]
    assert [n.at for n in found] == sorted((n.at for n in found), reverse=True)  # newest first
    deadline = next(n for n in found if n.reference.endswith("02") and n.kind == "deadline")
    assert deadline.at == _at(3 - 5)  # news from five days before the recorded date
    # Fewer days: only the nearer clock; no team: the team's queue and remedy are not mine.
    near = workspace_notifications.notices(view, ME, (TEAM,), NOW, 3)
    assert [n.reference[-2:] for n in near if n.kind == "deadline"] == []
    alone = workspace_notifications.notices(view, ME, (), NOW, 5)
    assert ("queue", "04", "") not in _kinds(alone) and ("measure", "07", "remedy") not in _kinds(
        alone
    )
    assert workspace_notifications.unseen(found, "") == 7
    assert workspace_notifications.unseen(found, _at(-1.5)) == 5


async def test_seen_up_to_is_kept_per_member_and_never_moves_back(
    provisioned_nats: EmbeddedNats,
) -> None:
    link = JetStreamLink(provisioned_nats.url)
    try:
        from shared.eventstore.buckets import provision_buckets

        link.run(provision_buckets(link.nc))
        assert link.run(workspace_notifications.seen_upto(link, "anna")) == ""
        link.run(workspace_notifications.mark_seen(link, "anna", _at(-1)))
        link.run(workspace_notifications.mark_seen(link, "anna", _at(-3)))  # an older page
        assert link.run(workspace_notifications.seen_upto(link, "anna")) == _at(-1)
        assert link.run(workspace_notifications.seen_upto(link, "bram de Vries")) == ""
    finally:
        link.close()


@pytest.fixture
def client(provisioned_nats: EmbeddedNats, tmp_path: Path) -> Iterator[TestClient]:
    seeded(tmp_path / "reporting.sqlite3")
    with reporting_client(provisioned_nats.url, tmp_path, TOKEN, NOW) as http:
        yield http


def test_the_page_the_count_and_marking_them_read(client: TestClient) -> None:
    page = client.get("/workspace/notifications", params={"lang": "nl"})
    assert page.status_code == 200, page.text
    assert '<span class="badge run" id="unseen">7 nieuw</span>' in page.text
    assert page.text.count('data-new="yes"') == 7
    assert "Wettelijke termijn (Awb 9:11) op" in page.text
    assert "De toegezegde maatregel 1 had klaar moeten zijn op" in page.text
    assert "In de wachtrij van Klachtenteam" in page.text and "Aan u toegewezen" in page.text
    assert '<a href="/workspace/notifications?lang=nl" id="bell">Meldingen' in page.text
    assert client.get("/workspace/notifications/count", params={"lang": "en"}).json() == {
        "unseen": 7,
        "label": "7 new",
    }
    english = client.get("/workspace/notifications", params={"lang": "en"})
    assert "The remedy 1 was due on" in english.text and "New message" in english.text

    upto = page.text.split('name="upto" value="')[1].split('"')[0]
    marked = client.post(
        "/workspace/notifications/seen?lang=nl", data={"upto": upto}, follow_redirects=False
    )
    assert marked.status_code == 303
    after = client.get(marked.headers["location"])
    assert "Alle meldingen zijn als gelezen gemarkeerd." in after.text
    assert 'data-new="yes"' not in after.text and 'id="unseen"' not in after.text
    assert 'id="seen"' not in after.text  # nothing new: no button
    assert client.get("/workspace/notifications/count").json() == {"unseen": 0, "label": ""}
    nonsense = client.post(
        "/workspace/notifications/seen", data={"upto": "gisteren"}, follow_redirects=False
    )
    assert nonsense.status_code == 303 and "done=seen" not in nonsense.headers["location"]


def test_signed_out_gets_the_sign_in(client: TestClient) -> None:
    del client.headers["Authorization"]
    assert client.get("/workspace/notifications").status_code == 401
    assert client.get("/workspace/notifications/count").status_code == 401
