"""The yearly report as a publishable document (issue 18 item 6), against a real nats-server:
the PDF's text (pdftotext) says the figures that this test computes itself from the raw log
(plain JSON of every COMPLAINTS message, none of reporting's code), in Dutch and English; the
same ``as_of`` gives the same bytes; the document states the log position it was made from."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import nats
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from klachten import cli
from klachten.stack.natsserver import EmbeddedNats
from services.reporting.app import create_app
from services.reporting.settings import ReportingSettings
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from tests.support.polling import wait_until_sync
from tests.support.reporting_history import generate

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2026, 3, 1, tzinfo=UTC)
AS_OF = "2026-02-01T00:00:00Z"
LOCAL = ZoneInfo("Europe/Amsterdam")
N = 150

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")


@pytest.fixture
def client(provisioned_nats: EmbeddedNats, tmp_path: Path) -> Iterator[TestClient]:
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    generate(app, N, seed=11)
    app.close()
    settings = ReportingSettings(
        data_dir=tmp_path,
        nats_url=provisioned_nats.url,
        staff_token=TOKEN,
        reporting_db=str(tmp_path / "reporting.sqlite3"),
        organisation_name="Gemeente Voorbeeld",
    )
    with TestClient(create_app(settings, clock=lambda: NOW)) as http:
        wait_until_sync(
            lambda: len(http.get("/api/complaints?limit=500", headers=AUTH).json()) == N
        )
        yield http


def raw_log(url: str) -> list[dict[str, Any]]:
    """Every event of the log as the plain JSON an analyst reads (no code of ours)."""

    async def read() -> list[dict[str, Any]]:
        nc = await nats.connect(url)
        try:
            js = nc.jetstream()
            last = (await js.stream_info(subjects.COMPLAINTS_STREAM)).state.last_seq
            out = []
            for seq in range(1, last + 1):
                msg = await js.get_msg(subjects.COMPLAINTS_STREAM, seq)
                if msg.subject.startswith("complaints."):
                    out.append(json.loads(msg.data))
            return out
        finally:
            await nc.close()

    return asyncio.run(read())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def expected(events: list[dict[str, Any]], year: int, until: datetime) -> dict[str, Any]:
    """The figures, folded here from the raw events up to ``until``."""
    seen = [e for e in events if at(e["occurred_at"]) <= until]
    submitted = {e["complaint_id"]: e for e in seen if e["type"] == "complaint.submitted"}
    received = [
        e for e in submitted.values() if at(e["received_at"]).astimezone(LOCAL).year == year
    ]
    closed = {
        e["complaint_id"]: e
        for e in seen
        if e["type"] == "complaint.closed" and at(e["occurred_at"]).astimezone(LOCAL).year == year
    }
    first_answer: dict[str, datetime] = {}
    for e in seen:
        if e["type"] == "complaint.responded":
            first_answer.setdefault(e["complaint_id"], at(e["occurred_at"]))
    judgement: Counter[str] = Counter()
    last_resolution = {
        e["complaint_id"]: e["resolution"] for e in seen if e["type"] == "complaint.responded"
    }
    for cid in closed:
        judgement[last_resolution.get(cid, "no_response")] += 1
    days = [
        (first_answer[cid] - at(submitted[cid]["received_at"])).total_seconds() / 86400
        for cid in closed
        if cid in first_answer
    ]
    founded = judgement["well_founded"] + judgement["partly_well_founded"]
    judged = founded + judgement["unfounded"]
    return {
        "received": len(received),
        "by_channel": Counter(e["channel"] for e in received),
        "within_6": sum(d <= 42 for d in days),
        "within_10": sum(42 < d <= 70 for d in days),
        "after_10": sum(d > 70 for d in days),
        "answered": len(days),
        "rate": f"{founded / judged * 100:.1f}",
        "escalations": sum(
            1
            for e in seen
            if e["type"] == "complaint.escalated"
            and at(e["occurred_at"]).astimezone(LOCAL).year == year
        ),
    }


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return re.sub(r"[ \t]+", " ", out.stdout)


def figure(text: str, label: str) -> str:
    match = re.search(re.escape(label) + r" (\S+)", text)
    assert match, f"{label!r} not in the report"
    return match.group(1)


def test_the_pdf_says_the_figures_of_the_raw_log(
    client: TestClient, provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    want = expected(raw_log(provisioned_nats.url), 2025, at(AS_OF))
    assert want["received"] > 100 and want["answered"] > 50  # a real year, not an empty one

    first = client.get(f"/reports/yearly/2025/pdf?as_of={AS_OF}", headers=AUTH)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/pdf"
    assert "attachment" in first.headers["content-disposition"]
    again = client.get(f"/reports/yearly/2025/pdf?as_of={AS_OF}", headers=AUTH)
    assert again.content == first.content  # reproducible: the same moment, the same bytes

    nl = text_of(first.content, tmp_path)
    assert "Jaarverslag klachten 2025" in nl and "Gemeente Voorbeeld" in nl
    assert figure(nl, "Ontvangen in 2025") == str(want["received"])
    assert figure(nl, "Webformulier") == str(want["by_channel"]["web"])
    assert figure(nl, "Telefoon") == str(want["by_channel"]["phone"])
    assert figure(nl, "Antwoord binnen 6 weken") == str(want["within_6"])
    assert figure(nl, "Antwoord na 6, binnen 10 weken") == str(want["within_10"])
    assert figure(nl, "Antwoord na meer dan 10 weken") == str(want["after_10"])
    assert figure(nl, "Afgehandeld met een antwoord") == str(want["answered"])
    assert figure(nl, "beoordeelde klachten") == want["rate"].replace(".", ",") + "%"
    assert re.search(r"Escalaties (\d+)", nl).group(1) == str(want["escalations"])  # type: ignore[union-attr]
    position = re.search(r"positie (\d+)", nl)
    assert position and int(position.group(1)) > N  # the log position it was made from

    en = text_of(
        client.get(f"/reports/yearly/2025/pdf?as_of={AS_OF}&lang=en", headers=AUTH).content,
        tmp_path,
    )
    assert "Complaints annual report 2025" in en
    assert figure(en, "Received in 2025") == str(want["received"])
    assert figure(en, "Answered within 6 weeks") == str(want["within_6"])
    assert figure(en, "judged") == want["rate"] + "%"


def test_the_page_and_its_refusals(client: TestClient) -> None:
    page = client.get(f"/reports/yearly/2025?as_of={AS_OF}&lang=en", headers=AUTH)
    assert page.status_code == 200
    assert '<html lang="en">' in page.text and "Complaints annual report 2025" in page.text
    assert 'data-chart="yearly-channels"' in page.text  # a chart with its numbers on it
    assert "/reports/yearly/2025/pdf?" in page.text  # the same report as PDF
    assert client.get("/reports/yearly/2025").status_code == 401  # staff only
    assert client.get("/reports/yearly/1999", headers=AUTH).status_code == 422
    assert client.get("/reports/yearly/2025?lang=de", headers=AUTH).status_code == 422
    assert client.get("/reports/yearly/2025?as_of=gisteren", headers=AUTH).status_code == 422


def test_the_command_publishes_the_same_document(
    client: TestClient,
    provisioned_nats: EmbeddedNats,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KLACHTEN_NATS_URL", provisioned_nats.url)
    monkeypatch.setenv("KLACHTEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KLACHTEN_ORGANISATION_NAME", "Gemeente Voorbeeld")
    out = tmp_path / "jaarverslag.pdf"
    result = CliRunner().invoke(
        cli.app, ["yearly-report", "2025", "--out", str(out), "--as-of", AS_OF]
    )
    assert result.exit_code == 0, result.output
    api = client.get(f"/reports/yearly/2025/pdf?as_of={AS_OF}", headers=AUTH).content
    assert out.read_bytes() == api  # the browser and the command publish one document
    page = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli.app, ["yearly-report", "2025", "--out", str(page), "--as-of", AS_OF, "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "Complaints annual report 2025" in page.read_text("utf-8")
    refused = CliRunner().invoke(
        cli.app, ["yearly-report", "2025", "--out", str(tmp_path / "x.doc")]
    )
    assert refused.exit_code == 2 and ".pdf" in refused.output
