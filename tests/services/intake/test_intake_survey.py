"""The satisfaction survey after closure (issue 18 item 4) over real HTTP on a real nats-server:
answered once through the closure letter's link, refused in words a second time, while the
complaint is open, after erasure and for a wrong link; Dutch and English; the words sealed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import httpx
import nats
import pytest

from services.intake.server import BackgroundIntake
from shared.privacy import statuslink, surveylink
from shared.privacy.shredding import PrivateComplaints, execute_erasure, plan_erasure
from tests.support.intake import STAFF, complaint_body, waive_hearing

ANSWER = {"handling": "4", "outcome": "2", "text": "Vriendelijk, maar het duurde lang."}


async def _closed(client: httpx.AsyncClient, intake: BackgroundIntake, lang: str = "nl") -> str:
    """A complaint closed by staff; its survey link as the closure letter gives it."""
    body = complaint_body()
    body["complainant"]["language"] = lang
    made = await client.post("/api/complaints", json=body)
    assert made.status_code == 201, made.text
    cid = made.json()["complaint_id"]
    await waive_hearing(client, cid)
    answer = {"text": "Wij hebben het uitgezocht.", "resolution": "well_founded"}
    responded = await client.post(f"/api/complaints/{cid}/responses", json=answer, headers=STAFF)
    assert responded.status_code == 201, responded.text
    closed = await client.post(
        f"/api/complaints/{cid}/closure", json={"outcome": "resolved"}, headers=STAFF
    )
    assert closed.status_code == 201, closed.text
    secret = statuslink.link_secret(Path(intake.settings.data_dir))
    return surveylink.survey_path(secret, UUID(cid))


@pytest.mark.parametrize(
    ("lang", "asks", "thanks", "twice"),
    [
        ("nl", "Hoe tevreden bent u over de uitkomst?", "Dank u wel", "al beantwoord"),
        ("en", "How satisfied are you with the outcome?", "Thank you", "already answered"),
    ],
)
async def test_answered_once_then_refused_in_words(
    client: httpx.AsyncClient, intake: BackgroundIntake, lang: str, asks: str, thanks: str,
    twice: str,
) -> None:  # fmt: skip
    link = await _closed(client, intake, lang)
    page = await client.get(link)
    assert page.status_code == 200 and asks in page.text and f'lang="{lang}"' in page.text
    assert "set-cookie" not in page.headers
    done = await client.post(link, data={**ANSWER, "lang": lang})
    assert done.status_code == 303, done.text
    after = await client.get(done.headers["location"])
    assert after.status_code == 200 and thanks in after.text and "<form" not in after.text
    again = await client.post(link, data={"handling": "5", "outcome": "5", "lang": lang})
    assert again.status_code == 409 and twice in again.text
    assert twice in (await client.get(link)).text  # the page itself says it, too


async def test_the_answer_is_one_event_with_its_words_sealed(
    client: httpx.AsyncClient, intake: BackgroundIntake
) -> None:
    link = await _closed(client, intake)
    assert (await client.post(link, data=ANSWER)).status_code == 303
    nc = await nats.connect(intake.settings.nats_url)
    try:
        cid = link.split("/")[2]
        msg = await nc.jetstream().get_last_msg("COMPLAINTS", f"complaints.{cid}.>")
    finally:
        await nc.close()
    assert msg.subject.endswith(".satisfaction_recorded")
    assert b'"handling":4' in msg.data and b'"outcome":2' in msg.data
    assert b"duurde lang" not in msg.data  # sealed with the complainant's key


@pytest.mark.parametrize(
    ("lang", "words"), [("nl", "Kies een cijfer van 1 tot en met 5"), ("en", "Choose a score")]
)
async def test_a_missing_score_is_named_and_the_words_stay(
    client: httpx.AsyncClient, intake: BackgroundIntake, lang: str, words: str
) -> None:
    link = await _closed(client, intake)
    refused = await client.post(link, data={"lang": lang, "handling": "9", "text": "Mijn tekst"})
    assert refused.status_code == 422 and words in refused.text
    assert 'href="#f-handling-1"' in refused.text and 'href="#f-outcome-1"' in refused.text
    assert "Mijn tekst" in refused.text


async def test_refused_while_open_and_for_a_wrong_link(
    client: httpx.AsyncClient, intake: BackgroundIntake
) -> None:
    made = await client.post("/api/complaints", json=complaint_body())
    cid = made.json()["complaint_id"]
    secret = statuslink.link_secret(Path(intake.settings.data_dir))
    link = surveylink.survey_path(secret, UUID(cid))
    still_open = await client.post(link, data={**ANSWER, "lang": "en"})
    assert still_open.status_code == 409 and "once it is closed" in still_open.text
    status_token = statuslink.link_token(secret, UUID(cid), datetime.now(UTC))
    for wrong in (f"/survey/{cid}/{status_token[8:]}", f"/survey/{cid}/{'0' * 32}", "/survey/x/y"):
        page = await client.get(wrong)
        assert page.status_code == 404 and "niet geldig" in page.text


async def test_refused_after_erasure_in_both_languages(
    client: httpx.AsyncClient, intake: BackgroundIntake, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = await _closed(client, intake)
    cid = link.split("/")[2]
    reference = (await client.get(f"/api/complaints/{cid}", headers=STAFF)).json()["reference"]
    monkeypatch.setenv("KLACHTEN_DATA_DIR", str(Path(intake.settings.data_dir)))
    app = PrivateComplaints(env={"NATS_URL": intake.settings.nats_url})
    try:
        plan = plan_erasure(app.factory.link, app.keystore, reference)  # type: ignore[attr-defined]
        now = datetime.now(UTC)
        execute_erasure(plan, app, actor="staff:privacy", legal_basis="AVG art. 17", now=now)
    finally:
        app.close()
    for lang, words in (("nl", "uw gegevens bij deze klacht zijn verwijderd"),
                        ("en", "your data for this complaint has been erased")):  # fmt: skip
        refused = await client.post(link, data={**ANSWER, "lang": lang})
        assert refused.status_code == 409 and words in refused.text
        assert words in (await client.get(f"{link}?lang={lang}")).text
