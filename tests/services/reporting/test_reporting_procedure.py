"""The procedure steps of issue 16 in reporting, against a real nats-server: the read model's
columns (ownership, the person complained about, the hearing at the current level, informal
resolution, declining), the list filters, the summary and the yearly report (informal vs
formal, declined per ground, hearings per ground, per department), an as-of answer equal to a
fold of the log up to that moment, the rebuild equal to the live view, the history in Dutch
and English words, and the exports' new columns. Figures are computed by hand below."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from klachten.stack.natsserver import EmbeddedNats
from services.reporting import domain, fold, log
from services.reporting import rebuild as rb
from services.reporting.app import create_app
from services.reporting.settings import ReportingSettings
from services.reporting.view_backends import open_view
from shared.contract import events as ev
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.link import JetStreamLink
from shared.rules.complaint import Cause, Complaint
from shared.rules.procedure import CURRENT
from tests.support.polling import wait_until_sync
from tests.support.reporting_history import letter

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2026, 6, 1, tzinfo=UTC)
STAFF = Cause(actor="staff:anna")


def t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def submit(app: ComplaintsApplication, ref: str, at: str) -> Complaint:
    received = t(at)
    c = Complaint.submit(
        complaint_id=uuid4(), reference=ref, channel="web", language="nl",
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name="N", email="n@example.org"),
            subject="s", description="d",
        ),
        received_at=received, now=received, cause=Cause(actor="web"), category="service",
        procedure=CURRENT,
    )  # fmt: skip
    sent = received + timedelta(hours=2)
    c.acknowledge(
        letter=letter("acknowledgement", sent), respond_by=received + timedelta(days=14),
        statutory_by=received + timedelta(weeks=6), acknowledge_by=received + timedelta(days=5),
        now=sent, cause=Cause(actor="notifier"),
    )  # fmt: skip
    return c


ORGANISATION = """
version = "test-1"
[departments.klantcontact]
name = "Klantcontact"
name_en = "Customer contact"
[departments.publiekszaken]
name = "Publiekszaken"
[teams.klachten]
name = "Klachtenteam"
name_en = "Complaints team"
department = "klantcontact"
[teams.balie]
name = "Balie"
department = "publiekszaken"
[members.anna]
name = "Anna de Wit"
teams = ["klachten"]
[members.carla]
name = "Carla Smit"
teams = ["balie"]
"""


@pytest.fixture
def history(provisioned_nats: EmbeddedNats) -> Iterator[dict[str, Complaint]]:
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    # A: assigned, the person complained about, invited, heard, answered, closed: formal.
    a = submit(app, "K-A", "2025-03-03T09:00:00Z")
    a.assign(handler="anna", team="klachten", department="klantcontact",
             now=t("2025-03-03T12:00:00Z"), cause=STAFF)  # fmt: skip
    a.record_conduct_subject(employee="bert", unit="balie", name="Bert", email="b@example.org",
                             now=t("2025-03-04T09:00:00Z"), cause=STAFF)  # fmt: skip
    a.invite_to_hearing(at=t("2025-03-10T10:00:00Z"), mode="in_person", place="Stadhuis",
                        now=t("2025-03-05T09:00:00Z"), cause=STAFF)  # fmt: skip
    a.record_hearing(held_at=t("2025-03-10T10:00:00Z"), mode="in_person", report="Verslag.",
                     now=t("2025-03-10T12:00:00Z"), cause=STAFF)  # fmt: skip
    a.respond(text="x", resolution="partly_well_founded", now=t("2025-03-12T09:00:00Z"),
              cause=STAFF)  # fmt: skip
    a.close(outcome="resolved", now=t("2025-03-13T09:00:00Z"), cause=STAFF)
    app.save(a)
    # B: queued for a team, taken, hearing waived, resolved informally.
    b = submit(app, "K-B", "2025-04-01T09:00:00Z")
    b.assign(handler=None, team="klachten", department="klantcontact",
             now=t("2025-04-01T12:00:00Z"), cause=STAFF)  # fmt: skip
    b.take(handler="anna", teams=["klachten"], now=t("2025-04-02T09:00:00Z"), cause=STAFF)
    b.waive_hearing(ground="complainant_waived", now=t("2025-04-03T09:00:00Z"), cause=STAFF)
    b.resolve_informally(means="apology", confirmed_by="phone",
                         confirmed_at=t("2025-04-04T09:00:00Z"), text="Excuses.",
                         now=t("2025-04-04T10:00:00Z"), cause=STAFF)  # fmt: skip
    app.save(b)
    # C: declined on two grounds of Awb 9:8 within four weeks.
    c = submit(app, "K-C", "2025-05-01T09:00:00Z")
    c.assign(handler="carla", team="balie", department="publiekszaken",
             now=t("2025-05-01T12:00:00Z"), cause=STAFF)  # fmt: skip
    c.decline(grounds=["older_than_a_year", "insufficient_interest"], explanation="Te oud.",
              now=t("2025-05-05T09:00:00Z"), cause=STAFF)  # fmt: skip
    app.save(c)
    # D: hearing waived at level 0, then escalated: level 1 has no hearing yet (still open).
    d = submit(app, "K-D", "2025-06-02T09:00:00Z")
    d.waive_hearing(ground="manifestly_unfounded", explanation="Kennelijk ongegrond.",
                    now=t("2025-06-03T09:00:00Z"), cause=STAFF)  # fmt: skip
    d.escalate(level=1, target="lead", reason="staff_decision", now=t("2025-06-20T09:00:00Z"),
               cause=STAFF)  # fmt: skip
    app.save(d)
    app.close()
    yield {"A": a, "B": b, "C": c, "D": d}


@pytest.fixture
def client(provisioned_nats: EmbeddedNats, tmp_path: Path, history: dict) -> Iterator[TestClient]:
    organisation = tmp_path / "organisation.toml"  # the names the history shows for the ids
    organisation.write_text(ORGANISATION, encoding="utf-8")
    settings = ReportingSettings(
        data_dir=tmp_path,
        nats_url=provisioned_nats.url,
        staff_token=TOKEN,
        reporting_db=str(tmp_path / "reporting.sqlite3"),
        organisation_file=str(organisation),
    )
    with TestClient(create_app(settings, clock=lambda: NOW)) as http:
        done = sum(c.version for c in history.values())
        wait_until_sync(lambda: http.app.state.view.position() >= done)  # type: ignore[attr-defined]
        yield http


def rows_by_ref(client: TestClient, query: str = "") -> dict[str, dict]:
    return {r["reference"]: r for r in client.get(f"/api/complaints{query}", headers=AUTH).json()}


def test_the_read_model_holds_each_step(client: TestClient) -> None:
    rows = rows_by_ref(client)
    a, b, c, d = (rows[k] for k in ("K-A", "K-B", "K-C", "K-D"))
    assert (a["handler"], a["team"], a["department"], a["assignments"]) == (
        "anna", "klachten", "klantcontact", 1,
    )  # fmt: skip
    assert (a["conduct_subjects"], a["conduct_units"]) == (1, '["balie"]')
    assert (a["hearing"], a["hearing_level"], a["hearing_at"]) == (
        "held", 0, "2025-03-10T10:00:00.000000Z",
    )  # fmt: skip
    assert (a["status"], a["procedure"]) == ("closed", CURRENT)
    assert (b["status"], b["outcome"], b["handler"], b["assignments"]) == (
        "resolved_informally", "resolved_informally", "anna", 2,
    )  # fmt: skip
    assert (b["hearing"], b["hearing_ground"]) == ("waived", "complainant_waived")
    assert (b["informal_means"], b["informal_confirmed_by"]) == ("apology", "phone")
    assert b["closed_at"] == "2025-04-04T10:00:00.000000Z"
    assert (c["status"], c["outcome"], c["department"]) == (
        "declined",
        "not_handled",
        "publiekszaken",
    )
    assert json.loads(c["decline_grounds"]) == ["older_than_a_year", "insufficient_interest"]
    assert c["decline_notice_by"] is not None and c["next_deadline"] is None
    assert (d["escalation_level"], d["hearing"], d["hearing_level"]) == (1, None, None)
    # Nothing of the sealed parts: no name, address, place or report in any row.
    text = json.dumps(rows)
    assert not any(s in text for s in ("Bert", "b@example.org", "Stadhuis", "Verslag", "Excuses"))


def test_lists_filter_on_owner_department_and_hearing(client: TestClient) -> None:
    assert set(rows_by_ref(client, "?department=klantcontact")) == {"K-A", "K-B"}
    assert set(rows_by_ref(client, "?handler=anna")) == {"K-A", "K-B"}
    assert set(rows_by_ref(client, "?team=balie")) == {"K-C"}
    assert set(rows_by_ref(client, "?hearing=waived")) == {"K-B"}
    assert set(rows_by_ref(client, "?hearing=none")) == {"K-C", "K-D"}
    wrong = client.get("/api/complaints?hearing=maybe", headers=AUTH)
    assert wrong.status_code == 422 and wrong.json()[0]["field"] == "hearing"


def test_the_yearly_report_counts_informal_formal_declined_hearings_and_departments(
    client: TestClient,
) -> None:
    y = client.get("/api/reports/annual/2025", headers=AUTH).json()
    assert y["closed"] == 3
    assert y["handling"] == {
        "formal": 1, "informal": 1, "declined": 1, "withdrawn": 0, "referred": 0,
    }  # fmt: skip
    assert y["informal_share"] == 0.5
    assert y["declined_by_ground"] == {
        "already_handled": 0, "older_than_a_year": 1, "objection_possible": 0,
        "appeal_possible": 0, "before_another_court": 0, "criminal_investigation": 0,
        "insufficient_interest": 1,
    }  # fmt: skip
    hearings = y["hearings"]
    assert (hearings["invited"], hearings["held"], hearings["waived"]) == (1, 1, 2)
    assert hearings["waived_by_ground"] == {
        "manifestly_unfounded": 1, "complainant_waived": 1, "no_reaction_in_time": 0,
        "heard_at_another_level": 0,
    }  # fmt: skip
    assert hearings["held_by_mode"] == {"in_person": 1}
    ends = {"withdrawn": 0, "referred": 0}
    assert y["per_department"] == {
        "klantcontact": {"received": 2, "formal": 1, "informal": 1, "declined": 0, **ends},
        "none": {"received": 1, "formal": 0, "informal": 0, "declined": 0, **ends},
        "publiekszaken": {"received": 1, "formal": 0, "informal": 0, "declined": 1, **ends},
    }
    # The statutory compliance counts each ended complaint once: A answered in time, B and C
    # ended without a formal answer (not applicable).
    statutory = y["statutory_compliance_of_closed"]
    assert (statutory["met"], statutory["missed"], statutory["not_applicable"]) == (1, 0, 2)
    summary = client.get("/api/reports/summary", headers=AUTH).json()
    assert summary["handling"] == {**y["handling"], "open": 1}
    assert summary["by_status"]["resolved_informally"] == summary["by_status"]["declined"] == 1
    assert summary["backlog"]["awaiting_hearing"] == 1  # K-D at level 1


def test_as_of_equals_a_fold_of_the_log_up_to_then(
    client: TestClient, provisioned_nats: EmbeddedNats
) -> None:
    moment = "2025-04-10T00:00:00Z"  # after B's informal resolution, before C exists
    answer = client.get(f"/api/reports/summary?as_of={moment}", headers=AUTH).json()
    link = JetStreamLink(provisioned_nats.url)
    try:
        items = [i for m in log.messages(link) if (i := log.item_of(m)) is not None]
    finally:
        link.close()
    upto = [(s, f) for s, f in items if isinstance(f, ev.Event) and f.occurred_at <= t(moment)]
    model = fold.replay(upto)
    expected = domain.summary(fold.tables_of(model), t(moment), model.position)
    assert answer["handling"] == expected["handling"]
    assert answer["hearings"] == expected["hearings"] and answer == json.loads(
        json.dumps(expected, default=str)
    ) | {"as_of": answer["as_of"]}
    assert (answer["handling"]["formal"], answer["handling"]["informal"]) == (1, 1)
    assert answer["handling"]["declined"] == 0


def test_the_rebuild_equals_the_live_view(
    client: TestClient, provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    live = client.app.state.view  # type: ignore[attr-defined]
    link = JetStreamLink(provisioned_nats.url)
    try:
        result = rb.rebuild(link, open_view(str(tmp_path / "fresh.sqlite3")), live)
    finally:
        link.close()
    assert result.equal is True, result.difference
    tables = live.snapshot()[1]
    assert len(tables[fold.ASSIGNMENTS]) == 4 and len(tables[fold.HEARINGS]) == 4


def test_the_history_says_each_step_in_words(client: TestClient) -> None:
    def said(query: str = "", headers: dict | None = None) -> list[str]:
        answer = client.get(f"/api/complaints/K-B/history{query}", headers=AUTH | (headers or {}))
        assert answer.status_code == 200, answer.text
        return [e["what"] for e in answer.json()["events"]]

    dutch = said()
    # ids in the names of the organisation file
    assert "toegewezen: wachtrij van team Klachtenteam, afdeling Klantcontact" in dutch
    assert "opgepakt: behandelaar Anna de Wit, team Klachtenteam, afdeling Klantcontact" in dutch
    assert "afgezien van horen: klager wil niet gehoord worden (Awb 9:10 lid 2 onder b)" in dutch
    assert any(w.startswith("informeel afgehandeld: excuses; bevestigd telefonisch") for w in dutch)
    english = said("?lang=en")
    assert said(headers={"Accept-Language": "en-GB,en;q=0.9"}) == english
    assert (
        "hearing waived: the complainant does not wish to be heard (Awb 9:10 lid 2 onder b)"
        in english
    )
    assert any(w.startswith("resolved informally: apology; confirmed by phone") for w in english)
    assert "assigned: queue of team Complaints team, department Customer contact" in english
    declined = client.get("/api/complaints/K-C/history?lang=en", headers=AUTH).json()["events"]
    assert declined[-1]["what"] == (
        "declined (not handled): conduct more than a year ago (Awb 9:8 lid 1 onder b); "
        "interest or weight clearly insufficient (Awb 9:8 lid 2)"
    )
    codes = ("complainant_waived", "older_than_a_year", "in_person", "resolved_informally")
    assert not any(code in w for w in dutch + english for code in codes)


def test_exports_carry_the_new_columns(client: TestClient) -> None:
    text = client.get("/api/export/complaints_status_and_deadlines.csv", headers=AUTH).text
    reader = csv.DictReader(io.StringIO(text))
    for column in ("handler", "team", "department", "hearing", "decline_grounds"):
        assert column in (reader.fieldnames or [])
    assert {r["reference"]: r["hearing"] for r in reader}["K-B"] == "waived"
    lines = client.get("/api/export/hearings_by_level_and_ground.jsonl", headers=AUTH).text
    steps = [json.loads(line)["step"] for line in lines.splitlines()]
    assert sorted(steps) == ["held", "invited", "waived", "waived"]
    lines = client.get("/api/export/assignments_by_handler_and_team.jsonl", headers=AUTH).text
    kinds = sorted(json.loads(line)["kind"] for line in lines.splitlines())
    assert kinds == ["assign", "assign", "assign", "take"]
