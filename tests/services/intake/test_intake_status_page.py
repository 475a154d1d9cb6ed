"""The complainant's pages over real HTTP: guidance and attachments in the form, the
confirmation's timeline and personal link, the status page (own facts only), the request for a
new review, the external route, and the staff reads the workspace uses."""

from __future__ import annotations

import re
import stat
from datetime import date

import httpx

from services.intake.server import BackgroundIntake
from shared.privacy import statuslink
from tests.support.intake import STAFF, waive_hearing

PDF = b"%PDF-1.4\n% a tiny letter\n"


def _form(**overrides: str) -> dict[str, str]:
    return {
        "lang": "nl",
        "idempotency_key": overrides.pop("key", "k1"),
        "name": "Ans de Boer",
        "email": "ans@example.nl",
        "subject": "Brief kwijt",
        "description": "Mijn brief van 3 maart is nooit beantwoord.",
        **overrides,
    }


async def _submit(client: httpx.AsyncClient, **overrides: str) -> tuple[str, str]:
    files = {"attachments": ("brief.pdf", PDF, "application/pdf")}
    page = await client.post("/", data=_form(**overrides), files=files)
    assert page.status_code == 200, page.text
    reference = re.search(r'id="reference">([^<]+)<', page.text)
    link = re.search(r'id="status-link" href="([^"?]+)', page.text)
    assert reference and link
    return reference.group(1), link.group(1)


async def test_the_form_explains_how_to_complain_and_answers_questions_with_dates(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/")
    assert "Zo dient u een goede klacht in" in page.text and "Is het moeilijk?" in page.text
    assert 'enctype="multipart/form-data"' in page.text and 'type="file"' in page.text
    assert re.search(r"uiterlijk op \w+dag \d+ \w+ 20\d\d", page.text)  # a concrete date
    assert "Nationale ombudsman" in page.text
    english = await client.get("/?lang=en")
    assert (
        "How to make a good complaint" in english.text
        and "<legend>About you</legend>" in english.text
    )


async def test_submit_with_attachment_confirms_with_timeline_and_private_link(
    client: httpx.AsyncClient, intake: BackgroundIntake
) -> None:
    reference, link = await _submit(client)
    secret_file = intake.settings.data_dir / "credentials" / "status-link-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    complaint_id, token = link.split("/")[2:4]
    assert len(token) == 40  # the issue day (8) and the HMAC (32) and reference not in link

    own = await client.get(link)
    assert own.status_code == 200 and reference in own.text
    assert "brief.pdf" in own.text and "Klacht ontvangen" in own.text
    assert 'data-step="acknowledge_by"' in own.text  # the dates still ahead
    assert (await client.get(link[:-4] + "0000")).status_code == 404

    timeline = (await client.get(f"/api/complaints/{complaint_id}/timeline", headers=STAFF)).json()
    assert timeline["state"]["personal"]["attachments"][0]["filename"] == "brief.pdf"
    assert [e["type"] for e in timeline["events"]] == ["submitted"]
    doc = await client.get(f"/api/complaints/{complaint_id}/attachments/0", headers=STAFF)
    assert doc.content == PDF and doc.headers["content-type"] == "application/pdf"
    assert (await client.get(f"/api/complaints/{complaint_id}/attachments/0")).status_code == 401


async def test_a_file_of_the_wrong_kind_is_refused_with_a_message(
    client: httpx.AsyncClient,
) -> None:
    files = {"attachments": ("run.exe", b"MZ...", "application/x-msdownload")}
    page = await client.post("/", data=_form(key="k2"), files=files)
    assert page.status_code == 422
    assert 'href="#f-attachments"' in page.text and "run.exe" in page.text


async def test_lookup_by_reference_and_email_never_shows_the_page(
    client: httpx.AsyncClient,
) -> None:
    reference, link = await _submit(client, key="k3")
    found = await client.post("/status", data={"reference": reference, "email": "ANS@example.nl"})
    assert found.status_code == 200 and link not in found.text
    wrong = await client.post("/status", data={"reference": reference, "email": "x@example.nl"})
    assert wrong.status_code == 200 and wrong.text == found.text
    hidden = {"reference": reference + "\u200b", "email": "ans@example.nl", "lang": "en"}
    refused = await client.post("/status", data=hidden)
    assert refused.status_code == 422 and 'href="#f-reference"' in refused.text
    assert "invisible zero-width character" in refused.text


async def test_review_can_be_asked_before_the_answer_in_both_languages(
    client: httpx.AsyncClient,
) -> None:
    _, link = await _submit(client, key="k4")
    page = await client.get(link)
    assert "Wilt u dat iemand anders naar uw klacht kijkt?" in page.text
    assert "Ik wil dat dit opnieuw bekeken wordt" in page.text and 'id="f-reason"' in page.text
    english = await client.get(f"{link}?lang=en")
    assert "Do you want someone else to look at your complaint?" in english.text
    assert "I want this reviewed" in english.text
    hidden = await client.post(f"{link}/escalation", data={"reason": "Te\u202e traag"})
    assert hidden.status_code == 422 and "leesrichting" in hidden.text
    early = await client.post(f"{link}/escalation", data={"reason": "Te traag", "lang": "nl"})
    assert early.status_code == 303
    after = await client.get(early.headers["location"])
    assert "Uw klacht ligt nu bij een leidinggevende" in after.text


async def test_disagreeing_after_the_answer_asks_the_next_level(client: httpx.AsyncClient) -> None:
    _, link = await _submit(client, key="k6")
    complaint_id = link.split("/")[2]
    answer = {"text": "Uw brief is zoekgeraakt; excuses.", "resolution": "well_founded"}
    api = f"/api/complaints/{complaint_id}"
    await waive_hearing(client, api)
    assert (await client.post(f"{api}/responses", json=answer, headers=STAFF)).status_code == 201
    page = await client.get(link)
    assert "Uw brief is zoekgeraakt" in page.text and 'id="f-reason"' in page.text
    assert "Niet tevreden met onze reactie?" in page.text
    assert "staff:" not in page.text

    empty = await client.post(f"{link}/escalation", data={"reason": " ", "lang": "nl"})
    assert empty.status_code == 422 and 'href="#f-reason"' in empty.text
    asked = await client.post(
        f"{link}/escalation", data={"reason": "Geen oplossing.", "lang": "nl"}
    )
    assert asked.status_code == 303
    after = await client.get(asked.headers["location"])
    assert "Uw klacht ligt nu bij een leidinggevende" in after.text
    assert "Op uw verzoek." in after.text and 'id="f-reason"' not in after.text
    events = (await client.get(f"{api}/timeline", headers=STAFF)).json()["events"]
    assert [e["type"] for e in events][-2:] == ["reaction_received", "escalated"]
    assert events[-1]["fields"]["reason"] == "complainant_request"
    assert events[-1]["actor"] == "complainant:web"


async def test_after_the_last_internal_level_the_page_names_the_external_route(
    client: httpx.AsyncClient,
) -> None:
    _, link = await _submit(client, key="k5", lang="en")
    complaint_id = link.split("/")[2]
    api = f"/api/complaints/{complaint_id}"
    answer = {"text": "Our answer.", "resolution": "unfounded"}
    for level in (1, 2):
        await waive_hearing(client, api)
        await client.post(f"{api}/responses", json=answer, headers=STAFF)
        body = {"reason": "staff_decision", "level": level}
        assert (
            await client.post(f"{api}/escalations", json=body, headers=STAFF)
        ).status_code == 201
    await waive_hearing(client, api)
    await client.post(f"{api}/responses", json=answer, headers=STAFF)
    page = await client.get(link)
    assert '<html lang="en">' in page.text  # the complaint's language without ?lang
    assert 'id="external"' in page.text and "Nationale ombudsman" in page.text
    assert re.search(r"Do so by \w+day \d+ \w+ 20\d\d", page.text)


def test_the_link_token_depends_on_the_secret() -> None:
    from uuid import uuid4

    cid = uuid4()
    day = date(2026, 1, 5)
    assert statuslink.link_token(b"a", cid, day) != statuslink.link_token(b"b", cid, day)
    token = statuslink.link_token(b"a", cid, day).upper()
    assert statuslink.link_state(b"a", cid, token, day) == "valid"
