"""Read API, point-in-time answers, yearly report, audit trail, bad input and dead letters,
against a real nats-server, on a small history whose answers are computed by hand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import nats
import pytest
from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient

from klachten.stack.natsserver import EmbeddedNats
from services.reporting.app import create_app
from services.reporting.settings import ReportingSettings
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.persistence import TOPIC_HEADER
from shared.rules.complaint import Cause, Complaint
from tests.support.polling import wait_until_sync
from tests.support.reporting_history import letter

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def submit(app: ComplaintsApplication, ref: str, at: str, channel: str = "web") -> Complaint:
    c = Complaint.submit(
        complaint_id=uuid4(),
        reference=ref,
        channel=channel,
        language="nl",  # type: ignore[arg-type]
        personal=__import__("shared.contract.events", fromlist=["x"]).SubmittedPersonal(
            complainant=__import__("shared.contract.events", fromlist=["x"]).Complainant(
                name="N", email="n@example.org"
            ),
            subject="s",
            description="d",
        ),
        received_at=t(at),
        now=t(at),
        cause=Cause(actor="web"),
        category="service",
    )
    app.save(c)
    return c


def ack(app: ComplaintsApplication, c: Complaint, at: str) -> None:
    received = c.received_at
    from datetime import timedelta

    c.acknowledge(
        letter=letter("acknowledgement", t(at)),
        respond_by=received + timedelta(days=14),
        statutory_by=received + timedelta(weeks=6),
        acknowledge_by=received + timedelta(days=5),
        now=t(at),
        cause=Cause(actor="notifier"),
    )
    app.save(c)


STAFF = Cause(actor="staff:anna")


@pytest.fixture
def history(provisioned_nats: EmbeddedNats) -> Iterator[dict[str, Complaint]]:
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    a = submit(app, "K-A", "2025-03-03T09:00:00Z")
    ack(app, a, "2025-03-04T09:00:00Z")
    b = submit(app, "K-B", "2025-03-05T09:00:00Z", "email")
    ack(app, b, "2025-03-06T09:00:00Z")
    a.respond(text="x", resolution="well_founded", now=t("2025-03-10T09:00:00Z"), cause=STAFF)
    app.save(a)
    a.close(outcome="resolved", now=t("2025-03-11T09:00:00Z"), cause=STAFF)
    app.save(a)
    b.escalate(
        level=1,
        target="lead",
        reason="deadline_missed",
        now=t("2025-03-20T09:00:00Z"),
        cause=Cause(actor="sla_monitor"),
    )
    app.save(b)
    b.extend(
        weeks=4, reason="r", statutory_by=b.statutory_by, now=t("2025-03-25T09:00:00Z"), cause=STAFF
    )
    app.save(b)
    notice = letter("extension_notice", t("2025-03-25T10:00:00Z"))  # in force from here
    b.record_letter(letter=notice, cause_event_id=b.facts[-1].event_id,
                    now=t("2025-03-25T10:00:00Z"), cause=Cause(actor="notifier"))  # fmt: skip
    app.save(b)
    d = submit(app, "K-D", "2025-06-01T09:00:00Z", "phone")
    d.close(outcome="withdrawn", now=t("2025-06-05T09:00:00Z"), cause=STAFF)
    app.save(d)
    b.respond(text="x", resolution="unfounded", now=t("2025-05-10T09:00:00Z"), cause=STAFF)
    b.close(outcome="resolved", now=t("2025-05-11T09:00:00Z"), cause=STAFF)
    app.save(b)
    c = submit(app, "K-C", "2025-12-31T23:30:00Z")  # 1 January 2026 in Amsterdam
    app.close()
    yield {"A": a, "B": b, "C": c, "D": d}


@pytest.fixture
def client(provisioned_nats: EmbeddedNats, tmp_path: Path, history: dict) -> Iterator[TestClient]:
    settings = ReportingSettings(
        data_dir=tmp_path,
        nats_url=provisioned_nats.url,
        staff_token=TOKEN,
        reporting_db=str(tmp_path / "reporting.sqlite3"),
    )
    with TestClient(create_app(settings, clock=lambda: NOW)) as http:
        wait_until_sync(lambda: http.get("/api/complaints", headers=AUTH).json().__len__() == 4)
        yield http


def test_current_state_and_filters(client: TestClient, history: dict) -> None:
    rows = client.get("/api/complaints", headers=AUTH).json()
    assert sorted((r["reference"], r["status"]) for r in rows) == [
        ("K-A", "closed"),
        ("K-B", "closed"),
        ("K-C", "submitted"),
        ("K-D", "closed"),
    ]
    assert [
        r["reference"] for r in client.get("/api/complaints?channel=email", headers=AUTH).json()
    ] == ["K-B"]
    overdue = client.get("/api/complaints?overdue=true", headers=AUTH).json()
    # K-C's dates were decided at its submission: not acknowledged by June, it is overdue.
    assert [r["reference"] for r in overdue] == ["K-C"]
    b = client.get("/api/complaints/K-B", headers=AUTH).json()
    assert (b["escalation_level"], b["extensions"], b["resolution"]) == (1, 1, "unfounded")
    assert b["statutory_by"] == "2025-05-14T09:00:00.000000Z"  # 6 weeks + 4 weeks


def test_as_of_answers_match_the_hand_computed_history(client: TestClient, history: dict) -> None:
    def statuses(query: str) -> dict[str, str]:
        return {
            r["reference"]: r["status"]
            for r in client.get(f"/api/complaints?{query}", headers=AUTH).json()
        }

    assert statuses("as_of=2025-03-04T08:59:59Z") == {"K-A": "submitted"}
    assert statuses("as_of=2025-03-07T00:00:00Z") == {"K-A": "acknowledged", "K-B": "acknowledged"}
    assert statuses("as_of=2025-03-21T00:00:00%2B01:00") == {"K-A": "closed", "K-B": "escalated"}
    assert statuses("as_of=2025-06-02T00:00:00Z") == {
        "K-A": "closed",
        "K-B": "closed",
        "K-D": "submitted",
    }
    # By stream sequence: the 3rd message is B's submission.
    assert statuses("as_of_seq=3") == {"K-A": "acknowledged", "K-B": "submitted"}
    b = client.get("/api/complaints/K-B?as_of=2025-03-22T00:00:00Z", headers=AUTH).json()
    assert (b["status"], b["escalation_level"], b["extensions"]) == ("escalated", 1, 0)
    summary = client.get("/api/reports/summary?as_of=2025-03-21T00:00:00Z", headers=AUTH).json()
    assert summary["by_status"] == {"closed": 1, "escalated": 1}
    assert summary["escalations"]["by_reason"] == {"deadline_missed": 1}
    # B is escalated but not answered: its internal norm (14 days) was missed by 2025-03-21.
    assert summary["compliance"]["respond_norm"] == {
        "met": 1,
        "missed": 1,
        "pending": 0,
        "not_applicable": 0,
        "rate": 0.5,
    }


def test_yearly_report_counts(client: TestClient) -> None:
    y = client.get("/api/reports/annual/2025", headers=AUTH).json()
    assert (y["received"], y["closed"]) == (3, 3)
    assert y["judgement"] == {"no_response": 1, "unfounded": 1, "well_founded": 1}
    assert y["closed_by_outcome"] == {"resolved": 2, "withdrawn": 1}
    # receipt to closure against the Awb terms: 8 and 4 days, and 67 days (B: 5 March-11 May)
    assert y["awb_buckets"] == {"within_6_weeks": 2, "6_to_10_weeks": 1, "over_10_weeks": 0}
    assert y["escalations"]["by_level_and_reason"] == {"1:deadline_missed": 1}
    assert y["extensions"] == {"total": 1, "with_consent": 0, "complaints": 1}
    assert (
        y["handling_time"]["count"] == 2 and y["handling_time"]["median_days"] == 36.5
    )  # (7 + 66) / 2
    assert y["open_at_year_end"] == 0
    y26 = client.get("/api/reports/annual/2026", headers=AUTH).json()
    assert (y26["received"], y26["closed"]) == (1, 0)


def test_history_shows_every_event_with_verified_links(client: TestClient, history: dict) -> None:
    h = client.get(f"/api/complaints/{history['A'].id}/history", headers=AUTH).json()
    assert h["chain_ok"] is True
    assert [e["type"] for e in h["events"]] == [
        "complaint.submitted",
        "complaint.acknowledged",
        "complaint.responded",
        "complaint.closed",
    ]
    assert [e["actor"] for e in h["events"]] == ["web", "notifier", "staff:anna", "staff:anna"]
    assert [e["seq"] for e in h["events"]] == sorted(e["seq"] for e in h["events"])
    assert all(e["hash_link_ok"] for e in h["events"])
    assert client.get("/api/complaints/K-A/history", headers=AUTH).json() == h


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/reports/summary?as_of=yesterday", "as_of"),
        ("/api/reports/summary?as_of=2025-13-01T00:00:00Z", "as_of"),
        ("/api/reports/summary?as_of=2025-01-01T00:00:00", "as_of"),
        ("/api/reports/summary?as_of=2030-01-01T00:00:00Z", "as_of"),
        ("/api/reports/summary?as_of_seq=-1", "as_of_seq"),
        ("/api/reports/summary?as_of_seq=99999", "as_of_seq"),
        ("/api/reports/summary?as_of_seq=%C2%B2", "as_of_seq"),
        ("/api/reports/summary?colour=blue", "colour"),
        ("/api/reports/velocity", "name"),
        ("/api/reports/response-times?group_by=weekday", "group_by"),
        ("/api/reports/annual/20x5", "year"),
        ("/api/reports/annual/2031", "year"),
        ("/api/reports/annual/%C2%B9", "year"),  # "¹".isdigit(), but int("¹") fails
    ],
)
def test_bad_input_is_422_with_the_reason(client: TestClient, url: str, field: str) -> None:
    r = client.get(url, headers=AUTH)
    assert r.status_code == 422, r.text
    assert r.json()[0]["field"] == field and r.json()[0]["message"]


def test_staff_only(client: TestClient) -> None:
    assert client.get("/api/reports/summary").status_code == 401
    assert (
        client.get("/api/reports/summary", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    assert client.get("/dashboard").status_code == 401


def test_exports_have_no_personal_data(client: TestClient) -> None:
    lines = client.get("/api/export/events.jsonl", headers=AUTH).text.splitlines()
    assert len(lines) == 14  # A 4, B 7, C 1, D 2
    records = [json.loads(line) for line in lines]
    assert all("personal" not in r and "seq" in r for r in records)
    csv_text = client.get("/api/export/complaints_status_and_deadlines.csv", headers=AUTH).text
    assert csv_text.splitlines()[0].startswith("complaint_id,reference,channel")
    assert len(csv_text.splitlines()) == 5


async def test_undecodable_event_is_dead_lettered_and_projection_continues(
    client: TestClient, provisioned_nats: EmbeddedNats
) -> None:
    nc = await nats.connect(provisioned_nats.url)
    try:
        js = nc.jetstream()
        bad_subject = subjects.event_subject(uuid4(), 1, "submitted")
        bad = await js.publish(bad_subject, b'{"type":"complaint.nonsense"}')
        app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
        submit(app, "K-E", "2025-07-01T09:00:00Z")
        app.close()
        wait_until_sync(lambda: len(client.get("/api/complaints", headers=AUTH).json()) == 5)
        msg = await _the_reporting_dead_letter(js)
        assert msg.headers["Klachten-Stream-Seq"] == str(bad.seq)
        assert msg.headers["Klachten-Stream"] == "COMPLAINTS"
        assert msg.headers["Klachten-Consumer"] == "reporting"
        assert msg.headers["Klachten-Subject"] == bad_subject
        assert msg.headers["Klachten-Reason"]
        assert msg.data == b'{"type":"complaint.nonsense"}'
    finally:
        await nc.close()
    assert client.get("/api/reports/summary", headers=AUTH).json()["undecodable_events"] == 1
    UUID(client.get("/api/complaints/K-E", headers=AUTH).json()["complaint_id"])


async def _the_reporting_dead_letter(js: Any) -> Any:
    sub = await js.pull_subscribe(
        subjects.deadletter_subject("reporting"), stream=subjects.DEADLETTER_STREAM
    )
    [msg] = await sub.fetch(1, timeout=5)
    return msg


async def test_orphan_event_is_dead_lettered_and_every_answer_agrees(
    client: TestClient, provisioned_nats: EmbeddedNats
) -> None:
    cid = uuid4()
    orphan = ev.Responded(
        event_id=uuid4(),
        complaint_id=cid,
        version=2,
        occurred_at=t("2025-04-01T09:00:00Z"),
        actor="staff:forger",
        resolution="unfounded",
    )
    subject = subjects.event_subject(cid, 2, "responded")
    nc = await nats.connect(provisioned_nats.url)
    try:
        js = nc.jetstream()
        topic = {TOPIC_HEADER: get_topic(Complaint.Responded)}  # as the recorder writes it
        bad = await js.publish(subject, ev.encode(orphan), headers=topic)
        app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
        # A closing stamped before its submission (a skewed clock) is no orphan at any moment.
        f = submit(app, "K-F", "2025-08-01T09:00:00Z")
        f.close(outcome="withdrawn", now=t("2025-07-31T09:00:00Z"), cause=STAFF)
        app.save(f)
        app.close()
        wait_until_sync(lambda: len(client.get("/api/complaints", headers=AUTH).json()) == 5)
        msg = await _the_reporting_dead_letter(js)
        assert msg.headers["Klachten-Stream-Seq"] == str(bad.seq)
        assert msg.headers["Klachten-Consumer"] == "reporting"
        assert msg.headers["Klachten-Subject"] == subject
        assert msg.headers["Klachten-Reason"] == (
            "no submitted event for this complaint before version 2"
        )
        assert msg.data == ev.encode(orphan)
    finally:
        await nc.close()

    def undecodable(query: str = "") -> int:
        url = f"/api/reports/summary{query}"
        return client.get(url, headers=AUTH).json()["undecodable_events"]

    assert undecodable() == 1
    assert client.get("/api/export/undecodable_events.jsonl", headers=AUTH).text.count("\n") == 1
    assert (undecodable(f"?as_of_seq={bad.seq}"), undecodable(f"?as_of_seq={bad.seq - 1}")) == (
        1,
        0,
    )
    assert (
        undecodable("?as_of=2025-04-02T00:00:00Z"),
        undecodable("?as_of=2025-03-31T00:00:00Z"),
    ) == (1, 0)
    assert undecodable("?as_of=2025-07-31T12:00:00Z") == 1
    assert client.get("/api/complaints/K-F", headers=AUTH).json()["status"] == "closed"
