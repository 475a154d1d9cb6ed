"""Escalating from the case page (issue 17): the form names the next level of the policy's
ladder (the rules go one level at a time, so that is not a choice) and lets the handler choose
who handles it there, a member or team of the organisation file, or the ladder's role by
default; the choice is the one recorded. Real nats-server, intake, notifier, reporting."""

from __future__ import annotations

from pathlib import Path

import httpx

from klachten.stack.natsserver import EmbeddedNats
from services.reporting import workspace, workspace_steps
from shared.config.organisation import DEFAULT_ORGANISATION_FILE, load_organisation
from shared.config.policy import policy_in_force
from tests.support.workspace import desk_with_letters

TOKEN = "escalation-workspace-token-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}
ORGANISATION = load_organisation(DEFAULT_ORGANISATION_FILE)  # what reporting reads by default


def test_the_form_offers_the_next_level_and_who_handles_it_there() -> None:
    ladder = policy_in_force()[0].ladder
    first = workspace_steps.next_level(0, "en")
    assert first is not None and first["level"] == ladder[0].level
    assert first["name"] == (ladder[0].name_en or ladder[0].name)
    assert workspace_steps.next_level(ladder[-1].level, "nl") is None  # the top
    assert workspace._body("escalate", {"target": "anna", "text": "x"})["target"] == "anna"
    assert "target" not in workspace._body("escalate", {"target": "", "text": ""})


async def test_a_handler_escalates_to_the_level_chosen(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    ladder = policy_in_force()[0].ladder
    async with (
        desk_with_letters(provisioned_nats.url, tmp_path, TOKEN) as desk,
        httpx.AsyncClient(timeout=30) as http,
    ):
        body = {
            "channel": "web",
            "complainant": {"name": "Piet Bos", "email": "piet@example.nl", "language": "nl"},
            "subject": "Geen antwoord",
            "description": "Al weken niets gehoord.",
        }
        made = await http.post(f"{desk.intake.url}/api/complaints", json=body)
        cid = made.json()["complaint_id"]
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        page_url = f"{desk.reporting}/workspace/complaints/{cid}"
        page = await http.get(page_url, params={"lang": "en"})
        first = ladder[0]
        assert f"goes to level {first.level}: {first.name_en or first.name}" in page.text
        options = page.text.split('id="escalate-target"')[1].split("</select>")[0]
        assert '<option value="">' in options and "as the complaints policy says" in options
        member = next(iter(ORGANISATION.members))
        assert f'<option value="{member}">' in options  # the organisation file's people
        state = (await http.get(f"{desk.intake.url}/api/complaints/{cid}", headers=STAFF)).json()
        form = {"version": str(state["version"]), "target": member, "text": "Ernstig."}
        done = await http.post(f"{page_url}/escalate", params={"lang": "nl"}, data=form)
        assert done.status_code == 303, done.text
        state = (await http.get(f"{desk.intake.url}/api/complaints/{cid}", headers=STAFF)).json()
        assert state["escalation_level"] == first.level
        timeline = await http.get(f"{desk.intake.url}/api/complaints/{cid}/timeline", headers=STAFF)
        [escalated] = [e for e in timeline.json()["events"] if e["type"] == "escalated"]
        assert escalated["fields"]["target"] == member
