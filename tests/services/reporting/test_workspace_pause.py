"""Waiting for the complainant from the workspace, over HTTP: the complaint page offers to stop
the internal term, the button goes through intake's staff API (real intake, real reporting
process, real nats-server), the page then offers to resume, and resuming runs the term again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from services.intake.settings import IntakeSettings
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.workspace import reporting_process

TOKEN = "pause-workspace-token-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def desk(provisioned_nats: EmbeddedNats, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(intake URL, reporting URL), both answering."""
    settings = IntakeSettings(
        nats_url=provisioned_nats.url,
        intake_port=free_port(),
        smtp_port=free_port(),
        staff_token=TOKEN,
        intake_rate_limit=10_000,
        data_dir=tmp_path / "intake",
    )
    intake = BackgroundIntake(settings).start()
    try:
        with reporting_process(
            provisioned_nats.url, tmp_path, TOKEN, KLACHTEN_INTAKE_URL=intake.url
        ) as base:
            wait_until_sync(
                lambda: _answers(f"{base}/health/live"),
                timeout=60,
                interval=0.2,
                message="reporting answers",
            )
            yield intake.url, base
    finally:
        intake.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _paused(intake: str, cid: str) -> bool:
    state = httpx.get(f"{intake}/api/complaints/{cid}", headers=STAFF, timeout=20).json()
    return bool(state["paused"])


def test_staff_stop_and_resume_the_internal_term_from_the_complaint_page(
    desk: tuple[str, str],
) -> None:
    intake, base = desk
    body = {
        "channel": "web",
        "complainant": {"name": "Jan de Vries", "email": "jan@example.nl", "language": "nl"},
        "subject": "Factuur klopt niet",
        "description": "Ik heb twee keer betaald.",
    }
    cid = httpx.post(f"{intake}/api/complaints", json=body, timeout=20).json()["complaint_id"]
    page_url = f"{base}/workspace/complaints/{cid}"
    with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=20) as staff:
        page = staff.get(page_url, params={"lang": "nl"})
        assert page.status_code == 200
        assert f'action="/workspace/complaints/{cid}/pause?lang=nl"' in page.text
        assert "Termijn stilzetten" in page.text
        assert "De wettelijke termijn loopt gewoon door." in page.text
        form = {"version": "1", "reason": "Wij wachten op de kopie van de factuur."}
        stopped = staff.post(f"{page_url}/pause", params={"lang": "nl"}, data=form)
        assert stopped.status_code == 303, stopped.text
        assert _paused(intake, cid)
        page = staff.get(page_url, params={"lang": "en"})
        assert f'action="/workspace/complaints/{cid}/resume?lang=en"' in page.text
        assert "Resume the term" in page.text
        assert "The complaint is waiting for the complainant" in page.text
        resumed = staff.post(f"{page_url}/resume", params={"lang": "en"}, data={"version": "2"})
        assert resumed.status_code == 303, resumed.text
        assert not _paused(intake, cid)
        # A page rendered before the resumption is refused, naming the colleague's step.
        stale = staff.post(f"{page_url}/pause", params={"lang": "nl"}, data=form)
        assert stale.status_code == 409
        assert not _paused(intake, cid)
