"""The case file from the case page (issue 17): before a signed checkpoint covers the complaint
the page says so in words; after `klachten audit checkpoint` the link downloads the same case
file `klachten audit export-case` writes, which verifies offline against the signer's keyring
and holds no personal data in the clear; a role that may not (a reader) is sent back with the
reason. Real nats-server, intake, notifier, reporting."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from klachten.commands.audit import app as audit
from klachten.stack.natsserver import EmbeddedNats
from shared.integrity import casefile, keyring
from tests.support.polling import wait_until
from tests.support.workspace import desk_with_letters

TOKEN = "casefile-workspace-token-0123456789"
READER = "reader-workspace-token-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}


async def test_the_case_file_downloads_from_the_case_page_for_who_may(
    provisioned_nats: EmbeddedNats,
    tmp_path: Path,
    signer_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KLACHTEN_NATS_URL", provisioned_nats.url)
    readers = {"KLACHTEN_STAFF_TOKENS": f"lex:{READER}:reader"}
    async with (
        desk_with_letters(provisioned_nats.url, tmp_path, TOKEN, **readers) as desk,
        httpx.AsyncClient(timeout=60) as http,
    ):
        body = {
            "channel": "web",
            "complainant": {"name": "Karin Veldhuis", "email": "karin@example.nl"},
            "subject": "Parkeervergunning kwijt",
            "description": "Mijn vergunning is twee keer afgewezen.",
        }
        made = (await http.post(f"{desk.intake.url}/api/complaints", json=body)).json()
        cid, reference = made["complaint_id"], made["reference"]
        page_url = f"{desk.reporting}/workspace/complaints/{cid}"
        link = f"{page_url}/case-file"
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        page = await http.get(page_url, params={"lang": "nl"})
        assert f'href="/workspace/complaints/{cid}/case-file?lang=nl"' in page.text

        early = await http.get(link, params={"lang": "nl"})
        assert early.status_code == 303
        told = await http.get(f"{desk.reporting}{early.headers['location']}")
        assert "dekt deze klacht nog niet" in told.text and 'role="alert"' in told.text

        signed = CliRunner().invoke(audit, ["checkpoint"])
        assert signed.exit_code == 0, signed.output
        got = await wait_until(lambda: _downloaded(http, link), 30, 0.5, "case file")
        assert f'filename="case-{reference}.json"' in got.headers["content-disposition"]
        case = got.json()
        assert case["format"] == casefile.FORMAT and case["complaint_id"] == cid
        problem, _ = casefile.verify(case, keyring.load(signer_dir / keyring.KEYRING))
        assert problem is None, problem
        text = json.dumps(case, ensure_ascii=False)
        assert "Karin" not in text and "karin@example.nl" not in text  # sealed

        refused = await http.get(link, headers={"Authorization": f"Bearer {READER}"})
        assert refused.status_code == 303 and refused.headers["location"].endswith("forbidden")
        english = await http.get(page_url, params={"lang": "en", "case_file": "forbidden"})
        assert "Your roles do not allow downloading the case file" in english.text


async def _downloaded(http: httpx.AsyncClient, link: str) -> httpx.Response | None:
    answer = await http.get(link)
    return answer if answer.status_code == 200 else None
