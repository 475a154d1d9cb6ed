"""Bulk actions from the worklist (issue 17): the rows carry checkboxes of the bulk form, a
choice leads to a confirmation page listing what will happen to which references (nothing is
done yet), and the confirmation makes one staff API call per complaint: each result is shown,
a refusal in intake's own words, the others done. More than the batch limit is refused, saying
so. Real nats-server, intake, notifier with its mail sink, reporting as a process."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx

from klachten.stack.natsserver import EmbeddedNats
from tests.support.intake import HEARING_WAIVED
from tests.support.polling import wait_until
from tests.support.workspace import desk_with_letters

TOKEN = "bulk-workspace-token-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}


async def _submit(http: httpx.AsyncClient, intake: str, n: int) -> str:
    body = {
        "channel": "web",
        "complainant": {"name": f"Klager {n}", "email": f"k{n}@example.nl", "language": "nl"},
        "subject": f"Bulk {n}",
        "description": "Een klacht om in bulk te behandelen.",
    }
    answer = await http.post(f"{intake}/api/complaints", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["complaint_id"])


async def _listed(http: httpx.AsyncClient, base: str, ids: list[str]) -> dict[str, Any] | None:
    answer = await http.get(f"{base}/api/complaints", headers=STAFF)
    rows = {r["complaint_id"]: r for r in answer.json()} if answer.status_code == 200 else {}
    return rows if all(i in rows for i in ids) else None


async def test_bulk_assign_and_close_with_each_result(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    env = {"KLACHTEN_WORKSPACE_BULK_LIMIT": "3"}
    async with (
        desk_with_letters(provisioned_nats.url, tmp_path, TOKEN, **env) as desk,
        httpx.AsyncClient(timeout=60) as http,
    ):
        intake, base = desk.intake.url, desk.reporting
        ids = [await _submit(http, intake, n) for n in range(3)]
        rows = await wait_until(lambda: _listed(http, base, ids), 30, 0.2, "in the read model")
        refs = [rows[i]["reference"] for i in ids]
        http.headers["Authorization"] = f"Bearer {TOKEN}"

        # The worklist: a checkbox per row belonging to the bulk form, the limit said.
        page = await http.get(f"{base}/workspace", params={"lang": "nl"})
        assert page.status_code == 200
        for cid in ids:
            assert f'form="bulk" name="cid" value="{cid}"' in page.text
        assert 'id="bulk"' in page.text and "Ten hoogste 3 klachten per keer" in page.text

        # Nothing ticked, no action, too many: said, nothing done.
        none = await http.post(f"{base}/workspace/bulk?lang=nl", data={"do": "close:resolved"})
        assert none.status_code == 422 and "geen klachten aangevinkt" in none.text
        no_action = await http.post(f"{base}/workspace/bulk?lang=en", data={"cid": ids})
        assert no_action.status_code == 422 and "Choose what should happen" in no_action.text
        four = {"cid": [*ids, str(uuid.uuid4())], "do": "assign:team:klachten"}
        many = await http.post(f"{base}/workspace/bulk/confirm?lang=nl", data=four)
        assert many.status_code == 422
        assert "U koos 4 klachten; per keer kunnen er ten hoogste 3" in many.text

        # Assign into the complaints team's queue: confirmation first, then each done.
        form = {"cid": ids, "do": "assign:team:klachten"}
        confirm = await http.post(f"{base}/workspace/bulk?lang=nl", data=form)
        assert confirm.status_code == 200, confirm.text
        assert "Bevestigen: 3 klachten" in confirm.text
        assert "In de wachtrij zetten van Klachtenteam" in confirm.text
        assert all(ref in confirm.text for ref in refs)
        before = await http.get(f"{intake}/api/complaints/{ids[0]}", headers=STAFF)
        assert before.json()["assignment"]["team"] is None  # the confirmation did nothing
        done = await http.post(
            f"{base}/workspace/bulk/confirm?lang=nl", data={**form, "text": "Verdeling"}
        )
        assert done.status_code == 200, done.text
        assert "Resultaat: 3 van 3 gelukt" in done.text
        assert done.text.count('data-done="yes"') == 3
        for cid in ids:
            state = (await http.get(f"{intake}/api/complaints/{cid}", headers=STAFF)).json()
            assert state["assignment"]["team"] == "klachten", state

        # Close as resolved: only the answered one may be; the others are refused in words.
        waiver = f"{intake}/api/complaints/{ids[0]}/hearing/waiver"
        assert (await http.post(waiver, json=HEARING_WAIVED, headers=STAFF)).status_code == 201
        answer = {"text": "Opgelost.", "resolution": "well_founded"}
        responded = await http.post(
            f"{intake}/api/complaints/{ids[0]}/responses", json=answer, headers=STAFF
        )
        assert responded.status_code == 201, responded.text
        closing = {"cid": ids, "do": "close:resolved"}
        result = await http.post(f"{base}/workspace/bulk/confirm?lang=nl", data=closing)
        assert result.status_code == 200, result.text
        assert "Resultaat: 1 van 3 gelukt" in result.text
        assert "2 van de 3 klachten zijn niet verwerkt" in result.text
        cells = re.findall(r'data-done="(yes|no)"', result.text)
        assert cells == ["yes", "no", "no"]
        refused = result.text.split(f'data-complaint="{ids[1]}"')[1].split("</tr>")[0]
        assert "Geweigerd: Een klacht is pas afgehandeld als hij is beantwoord." in refused
        closed = (await http.get(f"{intake}/api/complaints/{ids[0]}", headers=STAFF)).json()
        assert closed["status"] == "closed"

        english = await http.post(f"{base}/workspace/bulk/confirm?lang=en", data=closing)
        assert "Result: 0 of 3 done" in english.text and "Refused:" in english.text
