"""The Wkkgz route and the consented extension on the case page (issues 16/17): support and
mediation by the klachtenfunctionaris, the judgement's measures with their days (rows added
and left out by re-rendering, no script needed), a further extension with the complainant's
written consent. On a real nats-server with intake, the notifier and reporting: each form
sends intake's own body, is refused in the page's language on the field it names, and what
it records shows on the page (the measures' days, the new statutory date) and in the
letter."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import msgspec
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake import bodies
from services.reporting import workspace, workspace_steps
from shared.config.policy import local_zone
from shared.runtime.staff import parse_tokens
from tests.support.polling import wait_until
from tests.support.workspace import desk_with_letters, letters_to

TOKEN = "wkkgz-workspace-token-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}
NL, EN = workspace.TEXTS["nl"]["steps"], workspace.TEXTS["en"]["steps"]


@pytest.mark.unit
def test_each_form_sends_intakes_body() -> None:
    mediation = workspace._body(
        "mediate",
        {"kind": "mediation", "held_at": "2026-12-01", "held_at_time": "10:00",
         "text": "Gesprek met de afdeling", "agreed": "yes"},
    )  # fmt: skip
    assert msgspec.convert(mediation, bodies.MediationBody).agreed is True
    support = workspace._body("mediate", {"kind": "support", "agreed": "yes", "text": "x"})
    assert support["agreed"] is None  # agreement is a mediation's only
    form = {
        "rows": "3",
        "measure_1_description": "Nieuwe werkinstructie",
        "measure_1_due": "2027-01-15",
        "measure_2_description": "Wordt weggelaten",
        "measure_2_due": "2027-01-20",
        "measure_2_remove": "yes",
        "measure_3_description": "",
        "measure_3_due": "",
    }
    measures = workspace._body("measures", form)
    decoded = msgspec.convert(measures, bodies.MeasuresBody)
    assert [(m.description, m.due) for m in decoded.measures] == [
        ("Nieuwe werkinstructie", "2027-01-15")
    ]
    consent = workspace._body(
        "extend_consent",
        {"weeks": "3", "reason": "Het advies duurt langer.", "consent_on": "2026-12-03",
         "consent_how": "email", "letter_language": "en"},
    )  # fmt: skip
    decoded_extension = msgspec.convert(consent, bodies.ExtensionBody)
    assert decoded_extension.with_consent and decoded_extension.weeks == 3
    assert consent["reason"] == (
        "On Thursday 3 December 2026 you agreed in writing to this extension (by e-mail).\n"
        "Het advies duurt langer."
    )
    assert workspace._endpoint("extend_consent", {}) == "extensions"
    assert workspace._endpoint("measures", {}) == "measures"


@pytest.mark.unit
def test_the_workspace_refuses_a_half_measure_and_a_consent_without_its_day() -> None:
    today = date(2026, 12, 5)
    half = {"rows": "2", "measure_1_description": "Instructie", "measure_2_due": "2027-01-01"}
    said = workspace_steps.problems("measures", half, today, NL)
    assert said == [
        {"id": "measures-measure_1_due", "message": "Vul bij maatregel 1 ook de datum in."},
        {"id": "measures-measure_2_description",
         "message": "Beschrijf maatregel 2, of laat ook de datum leeg."},
    ]  # fmt: skip
    empty = workspace_steps.problems("measures", {"rows": "2"}, today, EN)
    assert [p["id"] for p in empty] == ["measures-measure_1_description"]
    tomorrow = (today + timedelta(days=1)).isoformat()
    late = {"consent_on": tomorrow, "consent_how": "fax"}
    assert [p["id"] for p in workspace_steps.problems("extend_consent", late, today, EN)] == [
        "extend_consent-consent_on",
        "extend_consent-consent_how",
    ]
    fine = {"consent_on": today.isoformat(), "consent_how": "letter"}
    assert workspace_steps.problems("extend_consent", fine, today, EN) == []


@pytest.mark.unit
def test_the_forms_are_offered_to_the_roles_that_may_use_them() -> None:
    tokens = parse_tokens(
        "", "anna:anna-token-0123456789:handler;kim:kim-token-0123456789:klachtenfunctionaris"
    )

    def request(token: str) -> Any:
        app = SimpleNamespace(state=SimpleNamespace(tokens=tokens))
        return SimpleNamespace(headers={"authorization": f"Bearer {token}"}, app=app, cookies={})

    assert workspace_steps.may(request("anna-token-0123456789")) == {"measures", "extend_consent"}
    assert workspace_steps.may(request("kim-token-0123456789")) == {"mediate"}
    assert workspace_steps.may(request("nobody")) == frozenset()


def _today() -> date:
    return datetime.now(local_zone()).date()


async def test_a_care_complaint_gets_mediation_and_measures_from_the_case_page(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    async with (
        desk_with_letters(provisioned_nats.url, tmp_path, TOKEN) as desk,
        httpx.AsyncClient(timeout=30, headers=STAFF) as http,
    ):
        body = {
            "channel": "web",
            "category": "zorg",  # the shipped policy's care category (regime wkkgz)
            "complainant": {"name": "Ria Smit", "email": "ria@example.nl"},
            "subject": "Medicatie te laat",
            "description": "Mijn moeder kreeg haar medicijnen twee uur te laat.",
        }
        made = await http.post(f"{desk.intake.url}/api/complaints", json=body)
        cid = made.json()["complaint_id"]
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        case = f"{desk.reporting}/workspace/complaints/{cid}"
        page = await http.get(case)
        assert NL["wkkgz"] in page.text and "Geschillencommissie Zorg" in page.text
        assert 'id="mediate"' in page.text and 'id="measures"' in page.text

        # Rows: "another measure" re-renders with what was typed and one more row.
        version = await http.get(f"{desk.intake.url}/api/complaints/{cid}", headers=STAFF)
        seen = str(version.json()["version"])
        due = (_today() + timedelta(days=30)).isoformat()
        typed = {
            "version": seen, "rows": "2", "measure_1_description": "Extra controle bij de "
            "medicijnronde", "measure_1_due": due, "measure_2_description": "", "more": "1",
        }  # fmt: skip
        more = await http.post(f"{case}/measures/rows", params={"lang": "nl"}, data=typed)
        assert more.status_code == 200
        assert 'name="measure_3_due"' in more.text and "Extra controle bij de" in more.text

        # A half measure is refused on its field, in the page's language.
        half = {**typed, "rows": "3", "measure_2_description": "Overdracht op papier"}
        half.pop("more")
        refused = await http.post(f"{case}/checked/measures", params={"lang": "en"}, data=half)
        assert refused.status_code == 422
        assert 'href="#measures-measure_2_due"' in refused.text
        assert "Fill in the date of measure 2 too." in refused.text
        assert "Overdracht op papier" in refused.text  # kept as typed

        # Recorded: both measures with their days, shown on the page.
        half["measure_2_due"] = due
        done = await http.post(f"{case}/checked/measures", params={"lang": "nl"}, data=half)
        assert done.status_code == 303, done.text
        page = await http.get(case)
        recorded = page.text.split('id="measures-recorded"')[1].split("</ul>")[0]
        assert "Extra controle bij de medicijnronde" in recorded
        assert "Overdracht op papier" in recorded and recorded.count("uiterlijk") == 2

        # Mediation by the klachtenfunctionaris (this token has every role).
        seen = page.text.split('name="version" value="')[1].split('"')[0]
        mediation = {
            "version": seen, "kind": "mediation", "held_at": _today().isoformat(),
            "held_at_time": "00:01", "text": "Gesprek met de teamleider en de klager.",
            "agreed": "yes",
        }  # fmt: skip
        done = await http.post(f"{case}/mediate", params={"lang": "en"}, data=mediation)
        assert done.status_code == 303, done.text
        page = await http.get(case, params={"lang": "en"})
        assert "Mediation," in page.text and "ended in agreement" in page.text


async def test_a_second_extension_with_the_complainants_consent(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    async with (
        desk_with_letters(provisioned_nats.url, tmp_path, TOKEN) as desk,
        httpx.AsyncClient(timeout=30, headers=STAFF) as http,
    ):
        body = {
            "channel": "web",
            "complainant": {"name": "Tom Bos", "email": "tom@example.nl", "language": "en"},
            "subject": "Parking permit",
            "description": "My permit was refused without a reason.",
        }
        made = await http.post(f"{desk.intake.url}/api/complaints", json=body)
        cid = made.json()["complaint_id"]
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        case = f"{desk.reporting}/workspace/complaints/{cid}"
        page = await http.get(case)
        assert 'id="extend_consent"' not in page.text  # no first extension yet
        seen = page.text.split('name="version" value="')[1].split('"')[0]
        first = {"version": seen, "weeks": "2", "reason": "Advies van de afdeling nodig."}
        assert (await http.post(f"{case}/extend", data=first)).status_code == 303
        page = await http.get(case)
        assert 'id="extend-refusal"' in page.text  # the plain form refuses a second
        assert 'id="extend_consent"' in page.text
        seen = page.text.split('name="version" value="')[1].split('"')[0]

        form = {"version": seen, "letter_language": "en", "weeks": "3", "consent_on": "",
                "consent_how": "email", "reason": "The report takes longer."}  # fmt: skip
        refused = await http.post(f"{case}/checked/extend_consent", data=form)
        assert refused.status_code == 422
        assert NL["consent_no_day"] in refused.text
        assert "The report takes longer." in refused.text  # kept

        form["consent_on"] = _today().isoformat()
        done = await http.post(f"{case}/checked/extend_consent", data=form)
        assert done.status_code == 303, done.text
        assert "done=extend_consent" in done.headers["location"]
        page = await http.get(case, params={"lang": "en", "done": "extend_consent"})
        assert "The term has been extended with the complainant" in page.text
        state = (await http.get(f"{desk.intake.url}/api/complaints/{cid}")).json()
        statutory = workspace._day(state["deadlines"]["statutory"], "en")
        listed = page.text.split('id="extensions"')[1].split("</ul>")[0]
        assert f"now runs until {statutory} inclusive (with the complainant" in listed

        def consented() -> list[str]:
            return [text for kind, text in letters_to(desk.maildir, cid)
                    if kind == "extension_notice" and "agreed in writing" in text]  # fmt: skip

        await wait_until(lambda: bool(consented()), 60, 0.5, "the consented extension's letter")
        [letter] = consented()
        assert "(by e-mail)" in letter and "The report takes longer." in letter
        assert statutory.split(" ", 1)[1] in letter  # the new date the rule recorded
