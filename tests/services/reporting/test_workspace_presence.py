"""Presence and conflicts on the case page (issue 17), on a real nats-server with intake and
reporting as a process: two handlers open the same complaint and each sees the other (the
page's own record, then the heartbeat); an entry holds no personal data of the complainant and
lapses with the bucket's max age; when the second handler pauses the complaint, the first's
answer comes back refused with the text kept and the list of what changed since they opened
the page, in words (nl/en). Without NATS the page shows no presence and nothing else changes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import nats
from nats.js.api import KeyValueConfig

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from services.intake.settings import IntakeSettings
from services.reporting import workspace_presence
from shared.config.permissions import PRESENCE_BUCKET
from shared.eventstore.buckets import provision_buckets
from shared.eventstore.link import JetStreamLink
from shared.runtime.staff import StaffMember
from tests.support.polling import wait_until
from tests.support.ports import free_port
from tests.support.workspace import reporting_process

ANNA = "anna-presence-token-0123456789"
BRAM = "bram-presence-token-0123456789"
TOKENS = f"anna:{ANNA}:handler+supervisor;bram:{BRAM}:handler+supervisor"
ALL = "presence-all-roles-token-0123456789"
DRAFT = "Beste mevrouw, wij hebben de tweede aanmaning ingetrokken. Dit is mijn concept."


@dataclass
class TwoHandlers:
    intake: str
    reporting: str


@asynccontextmanager
async def two_handlers(nats_url: str, tmp: Path) -> AsyncIterator[TwoHandlers]:
    """Intake and reporting (a process) knowing two handlers, anna and bram; buckets made."""
    nc = await nats.connect(nats_url)
    try:
        await provision_buckets(nc)
    finally:
        await nc.close()
    settings = IntakeSettings(
        nats_url=nats_url,
        intake_port=free_port(),
        smtp_port=free_port(),
        staff_token=ALL,
        staff_tokens=TOKENS,
        intake_rate_limit=10_000,
        data_dir=tmp / "intake",
    )
    intake = BackgroundIntake(settings).start()
    try:
        env = {"KLACHTEN_INTAKE_URL": intake.url, "KLACHTEN_STAFF_TOKENS": TOKENS}
        with reporting_process(nats_url, tmp, ALL, **env) as base:
            await wait_until(lambda: _live(base), 60, 0.2, "reporting")
            yield TwoHandlers(intake.url, base)
    finally:
        intake.stop()


async def _live(base: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(f"{base}/health/live")).status_code == 200
    except httpx.HTTPError:
        return False


async def submit(intake: str) -> str:
    body = {
        "channel": "web",
        "complainant": {"name": "Els de Boer", "email": "els@example.nl", "language": "nl"},
        "subject": "Dubbele aanmaning",
        "description": "Ik kreeg twee aanmaningen voor een betaalde rekening.",
    }
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(f"{intake}/api/complaints", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["complaint_id"])


def version_of(page: str) -> str:
    return page.split('name="version" value="')[1].split('"')[0]


async def test_two_handlers_see_each_other_and_a_conflict_shows_what_changed(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    async with (
        two_handlers(provisioned_nats.url, tmp_path) as desk,
        httpx.AsyncClient(timeout=30, headers={"Authorization": f"Bearer {ANNA}"}) as anna,
        httpx.AsyncClient(timeout=30, headers={"Authorization": f"Bearer {BRAM}"}) as bram,
    ):
        cid = await submit(desk.intake)
        page = f"{desk.reporting}/workspace/complaints/{cid}"
        first = await anna.get(page, params={"lang": "nl"})
        assert first.status_code == 200, first.text
        assert 'id="presence-others"' not in first.text  # nobody else yet
        assert 'id="presence-form"' in first.text and 'data-beat="20"' in first.text

        second = await bram.get(page, params={"lang": "nl"})
        assert 'data-members="anna"' in second.text
        assert "Deze klacht is nu ook geopend door: anna (sinds" in second.text
        beat = await anna.post(f"{page}/presence", params={"lang": "en"}, data={"opened": "x"})
        assert beat.status_code == 200 and 'data-members="bram"' in beat.text
        assert "This complaint is also open by: bram (since" in beat.text

        # The entries: a staff id and a moment, nothing of the complainant.
        nc = await nats.connect(provisioned_nats.url)
        try:
            kv = await nc.jetstream().key_value(PRESENCE_BUCKET)
            keys = await kv.keys()
            assert sorted(keys) == sorted(
                workspace_presence.key(cid, who) for who in ("anna", "bram")
            )
            for k in keys:
                entry = json.loads((await kv.get(k)).value or b"")
                assert set(entry) == {"member", "opened"}
                assert "Els" not in json.dumps(entry) and "els@" not in json.dumps(entry)
        finally:
            await nc.close()

        # Bram pauses the complaint while Anna writes her answer: hers comes back refused,
        # her text kept, and what changed since she opened the page, in words.
        seen = version_of(first.text)
        paused = await bram.post(
            f"{page}/pause",
            params={"lang": "nl"},
            data={"version": version_of(second.text), "reason": "Wacht op stukken"},
        )
        assert paused.status_code == 303, paused.text
        form = {"version": seen, "text": DRAFT, "resolution": "well_founded"}
        refused = await anna.post(f"{page}/respond", params={"lang": "nl"}, data=form)
        assert refused.status_code == 409, refused.text
        assert DRAFT in refused.text.split('id="respond-text"')[1].split("</textarea>")[0]
        changed = refused.text.split('id="changes"')[1].split("</section>")[0]
        assert "Wat er veranderde sinds u deze pagina opende" in changed
        assert '<li data-type="paused">' in changed and "door bram" in changed
        english = await anna.post(f"{page}/respond", params={"lang": "en"}, data=form)
        assert english.status_code == 409
        assert "What changed since you opened this page" in english.text
        assert " by bram" in english.text.split('id="changes"')[1]
        fresh = await anna.get(page, params={"lang": "nl"})  # looked again: no list
        assert 'id="changes"' not in fresh.text


async def test_an_entry_lapses_with_the_bucket_max_age(
    provisioned_nats: EmbeddedNats,
) -> None:
    nc = await nats.connect(provisioned_nats.url)
    try:  # made before provisioning (which never changes a bucket): a max age of 1 s
        await nc.jetstream().create_key_value(
            config=KeyValueConfig(bucket=PRESENCE_BUCKET, ttl=1.0, direct=True)
        )
        await provision_buckets(nc)
    finally:
        await nc.close()
    link = JetStreamLink(provisioned_nats.url)
    try:
        cid = "5b0c7a52-8d55-4a39-9d43-0e6f3c1c2b11"
        link.run(workspace_presence.beat(link, cid, "anna", "2026-12-05T10:00:00+00:00"))
        link.run(
            workspace_presence.beat(link, cid, "bram van der Berg", "2026-12-05T10:01:00+00:00")
        )
        link.run(workspace_presence.beat(link, "other", "carla", "2026-12-05T10:01:00+00:00"))
        found = link.run(workspace_presence.present(link, cid))
        assert [e["member"] for e in found] == ["anna", "bram van der Berg"]
        await asyncio.sleep(2.5)
        assert link.run(workspace_presence.present(link, cid)) == []
    finally:
        link.close()


def test_without_nats_the_page_shows_no_presence() -> None:
    request: Any = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(link=None)))
    member = StaffMember("anna", frozenset({"handler"}))
    assert workspace_presence.others(request, "x", member, "2026-12-05T10:00:00+00:00", "nl") == []
