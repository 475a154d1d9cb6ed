"""Letters say words from the policy, never codes: the ladder's level by name and description,
why a complaint moved up, the answer's recorded judgement, and the external body of the
complaint's category (a Wkkgz disputes body for care). Rendered from real events and the
shipped policy, in Dutch and English."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from services.notifier.letter_words import policy_words
from services.notifier.letters import LetterContext, LetterKind, render
from shared.config.policy_file import load_policy
from shared.contract import events as ev

POLICY = load_policy(Path(__file__).parents[3] / "config" / "policy.toml")
COMPLAINT_ID = uuid4()
AT = datetime(2026, 12, 7, 13, 5, tzinfo=UTC)
CODES = (
    "complaints_committee", "deadline_missed", "complainant_request", "staff_decision",
    "well_founded", "no_judgement", "level_", "Reden: ",
)  # fmt: skip
# English words in a Dutch letter are the roles' codes.
ROLE_CODES = ("supervisor", "management", "external")


def _meta(version: int, actor: str = "staff:anna") -> dict[str, object]:
    return {
        "event_id": uuid4(),
        "complaint_id": COMPLAINT_ID,
        "version": version,
        "occurred_at": AT,
        "actor": actor,
    }


def _letter(kind: LetterKind, event: ev.Event, language: str, category: str | None = None) -> str:
    fields = {
        "complaint_id": str(COMPLAINT_ID),
        "reference": "KL-2026-000123",
        "language": language,
        "complainant_name": "Jan de Vries",
        "complainant_email": "jan@example.org",
        "subject": "Te lang gewacht",
        "received_at": AT,
        "organisation_name": "Gemeente Voorbeeld",
        "review_url": "http://127.0.0.1:8080/status/x/y/review",
        "response_text": getattr(getattr(event, "personal", None), "text", None),
        "escalation_level": getattr(event, "level", None),
        **policy_words(event, POLICY, category, language),
    }
    rendered = render(kind, LetterContext(**fields), letter_key=str(event.version))  # type: ignore[arg-type]
    for code in CODES + (ROLE_CODES if language == "nl" else ()):
        for part in (rendered.subject, rendered.text, rendered.html):
            assert code not in part, (code, part)
    return f"{rendered.subject}\n{rendered.text}\n{rendered.html}"


MISSED = ev.Escalated(
    **_meta(3, "sla_monitor"),  # type: ignore[arg-type]
    level=1,
    target="supervisor",
    reason="deadline_missed",
    clock="respond",
)


def test_an_escalation_names_the_ladders_level_and_why_in_dutch() -> None:
    text = _letter(LetterKind.ESCALATION_NOTICE, MISSED, "nl")
    assert "voorgelegd aan de leidinggevende van uw klachtbehandelaar" in text
    assert "De leidinggevende neemt de behandeling van uw klacht over." in text
    assert "Wij hebben niet op tijd gereageerd" in text
    assert "voorgelegd aan supervisor" not in text


def test_an_escalation_names_the_ladders_level_and_why_in_english() -> None:
    text = _letter(LetterKind.ESCALATION_NOTICE, MISSED, "en")
    assert "referred your complaint to the team manager of the person handling" in text
    assert "We did not respond in time" in text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_level_three_is_the_policys_external_level_for_intake_and_monitor(language: str) -> None:
    asked = ev.Escalated(
        **_meta(5),  # type: ignore[arg-type]
        level=3,
        target="external",
        reason="complainant_request",
        personal=ev.TextPersonal(text="U was het niet eens met het besluit van de directie."),
    )
    text = _letter(LetterKind.ESCALATION_NOTICE, asked, language)
    words = {"nl": "een externe klachtinstantie", "en": "an external complaints body"}
    assert words[language] in text
    asked_words = {"nl": "U hebt ons gevraagd", "en": "You asked us"}
    assert asked_words[language] in text
    assert "niet eens met het besluit van de directie" in text  # staff's own words kept


@pytest.mark.parametrize(
    ("resolution", "nl", "en"),
    [
        ("well_founded", "Wij vinden uw klacht gegrond.", "We find your complaint well-founded."),
        (
            "partly_well_founded",
            "Wij vinden uw klacht deels gegrond.",
            "We find your complaint partly well-founded.",
        ),
        ("unfounded", "Wij vinden uw klacht ongegrond.", "We find your complaint unfounded."),
        ("no_judgement", "Wij geven geen oordeel", "We give no judgement"),
    ],
)
def test_the_answer_states_the_recorded_judgement(resolution: str, nl: str, en: str) -> None:
    answer = ev.Responded(
        **_meta(4),  # type: ignore[arg-type]
        resolution=resolution,  # type: ignore[arg-type]
        personal=ev.TextPersonal(text="Wij hebben met de afdeling gesproken."),
    )
    assert nl in _letter(LetterKind.RESPONSE, answer, "nl")
    assert en in _letter(LetterKind.RESPONSE, answer, "en")


def test_care_complaints_are_told_the_policys_disputes_body_not_the_ombudsman() -> None:
    answer = ev.Responded(
        **_meta(4),  # type: ignore[arg-type]
        resolution="unfounded",
        personal=ev.TextPersonal(text="Wij hebben uw dossier nagelopen."),
    )
    care = _letter(LetterKind.RESPONSE, answer, "nl", category="zorg")
    assert "De Geschillencommissie Zorg" in care
    assert "https://www.degeschillencommissiezorg.nl" in care
    assert "ombudsman" not in care
    other = _letter(LetterKind.RESPONSE, answer, "en", category="parkeren")
    assert "the National Ombudsman" in other
