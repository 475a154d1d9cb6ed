"""Letters render in both languages, state reference and dates, and are reproducible."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from services.notifier import letters
from services.notifier.letter_kinds import TO_CONDUCT_SUBJECT, MeasureLine
from services.notifier.letters import (
    ExternalRoute,
    LetterContext,
    LetterContextError,
    LetterKind,
    render,
)
from shared.runtime import words

COMPLAINT_ID = "0b6f3c1e-1d2a-4c55-9a4e-0d6f9f1e2a33"
REVIEW_URL = f"http://127.0.0.1:8080/status/{COMPLAINT_ID}/0123456789abcdef/review"


MEASURES = [MeasureLine(description="Werkinstructie aangepast.", due=date(2027, 1, 29))]


def context(language: str = "nl", **changes: object) -> LetterContext:
    ctx = LetterContext(
        complaint_id=COMPLAINT_ID,
        reference="KL-2026-000123",
        language=language,
        complainant_name="Jan de Vries",
        complainant_email="jan@example.org",
        subject="Te lang gewacht op mijn vergunning",
        received_at=datetime(2026, 12, 7, 13, 5, tzinfo=UTC),
        organisation_name="Gemeente Voorbeeld",
        acknowledge_by=date(2026, 12, 14),
        respond_by=date(2026, 12, 28),
        statutory_by=date(2027, 1, 18),
        response_text="Wij hebben uw klacht onderzocht.\n\nWij vinden uw klacht gegrond.",
        extension_weeks=4,
        extension_reason="Wij wachten op het advies van een externe deskundige.",
        new_statutory_by=date(2027, 2, 15),
        escalation_level=2,
        escalation_target="de directeur Dienstverlening",
        escalation_respond_by=date(2027, 1, 4),
        closure_reason="U hebt laten weten dat het probleem is opgelost.",
        external_route=ExternalRoute(
            name="de Nationale ombudsman",
            url="https://www.nationaleombudsman.nl",
            deadline=date(2027, 12, 7),
        ),
        status_url="http://127.0.0.1:8080/klacht/KL-2026-000123",
        review_url=REVIEW_URL,
        hearing_at=datetime(2026, 12, 21, 9, 30, tzinfo=UTC),
        hearing_mode="in_person",
        hearing_place="Stadhuis, Markt 1, Voorbeeld",
        informal_text="Wij hebben u gebeld en onze excuses aangeboden.",
        confirmed_by="phone",
        confirmed_at=datetime(2026, 12, 10, 15, 0, tzinfo=UTC),
        decline_grounds=["older_than_a_year"],
        decline_explanation="Het voorval was in 2019.",
        question_text="Aan welk loket was u die dag?\nEn hoe laat ongeveer?",
        committee_name="de Commissie klachtadvisering",
        mediation_kind="mediation",
        mediation_held_at=datetime(2026, 12, 9, 10, 0, tzinfo=UTC),
        mediation_agreed=True,
        awaiting_judgement=True,
    )
    return msgspec.structs.replace(ctx, **changes)


def context_for(kind: LetterKind, language: str = "nl", **changes: object) -> LetterContext:
    """`context`, and for a letter to the person complained about what letter_context gives
    it: their address, the complaint's text, no link of the complainant's. A measures letter
    gets a measure (the other letters none: an answer lists them only when there are)."""
    if kind is LetterKind.MEASURES:
        changes = {"measures": MEASURES, **changes}
    if kind not in TO_CONDUCT_SUBJECT:
        return context(language, **changes)
    person = {
        "recipient_name": "Piet Bakker",
        "recipient_email": "p.bakker@voorbeeld.nl",
        "recipient_role": "baliemedewerker",
        "complaint_description": "De medewerker aan de balie was onvriendelijk.\n\nHij lachte.",
        "desired_outcome": "Excuses.",
        "attachment_names": ["foto.jpg"],
        "status_url": None,
        "review_url": None,
        "privacy_url": "http://127.0.0.1:8080/privacy",
    }
    return context(language, **{**person, **changes})


# The dates each letter must name, as the complainant reads them.
EXPECTED_DATES = {
    "nl": {
        LetterKind.ACKNOWLEDGEMENT: ["maandag 28 december 2026", "maandag 18 januari 2027"],
        LetterKind.EXTENSION_NOTICE: ["maandag 18 januari 2027", "maandag 15 februari 2027"],
        LetterKind.RESPONSE: ["dinsdag 7 december 2027"],
        LetterKind.ESCALATION_NOTICE: ["maandag 4 januari 2027", "maandag 18 januari 2027"],
        LetterKind.CLOSURE: ["dinsdag 7 december 2027"],
        LetterKind.HEARING_INVITATION: ["maandag 21 december 2026 om 10:30", "18 januari 2027"],
        LetterKind.INFORMAL_RESOLUTION: ["donderdag 10 december 2026"],
        LetterKind.DECLINING: ["dinsdag 7 december 2027"],
        LetterKind.FOLLOW_UP_ANSWER: ["dinsdag 7 december 2027"],
        LetterKind.COMMITTEE_REFERRAL: ["maandag 18 januari 2027"],
        LetterKind.MEDIATION: ["woensdag 9 december 2026", "maandag 18 januari 2027"],
        LetterKind.MEASURES: ["vrijdag 29 januari 2027", "maandag 18 januari 2027"],
    },
    "en": {
        LetterKind.ACKNOWLEDGEMENT: ["Monday 28 December 2026", "Monday 18 January 2027"],
        LetterKind.EXTENSION_NOTICE: ["Monday 18 January 2027", "Monday 15 February 2027"],
        LetterKind.RESPONSE: ["Tuesday 7 December 2027"],
        LetterKind.ESCALATION_NOTICE: ["Monday 4 January 2027", "Monday 18 January 2027"],
        LetterKind.CLOSURE: ["Tuesday 7 December 2027"],
        LetterKind.HEARING_INVITATION: ["Monday 21 December 2026 at 10:30", "18 January 2027"],
        LetterKind.INFORMAL_RESOLUTION: ["Thursday 10 December 2026"],
        LetterKind.DECLINING: ["Tuesday 7 December 2027"],
        LetterKind.FOLLOW_UP_ANSWER: ["Tuesday 7 December 2027"],
        LetterKind.COMMITTEE_REFERRAL: ["Monday 18 January 2027"],
        LetterKind.MEDIATION: ["Wednesday 9 December 2026", "Monday 18 January 2027"],
        LetterKind.MEASURES: ["Friday 29 January 2027", "Monday 18 January 2027"],
    },
}
RECEIVED = {"nl": "maandag 7 december 2026 om 14:05", "en": "Monday 7 December 2026 at 14:05"}
REVIEW = {"nl": "Ik wil dat dit opnieuw bekeken wordt", "en": "I want this reviewed"}
# After an informal resolution the same link asks for the formal route (Awb 9:5).
FORMAL_ROUTE = {
    "nl": "Ik wil dat mijn klacht toch formeel behandeld wordt",
    "en": "I want my complaint handled formally",
}
# The old wording that made a reply look like a request for review (issue #14 item 3).
REPLY_TO_DISAGREE = ("vermeld het kenmerk", "quoting reference")
# The receipt, the status link (a link, nothing more) and a handler's question (a question and
# the link to answer it, issue 25) state no dates and no review; the
# letters to the person complained about carry none of the complainant's links
# (test_procedure_letters.py).
LETTERS = [
    k
    for k in LetterKind
    if k
    not in (
        LetterKind.REACTION_RECEIPT,
        LetterKind.STATUS_LINK,
        LetterKind.QUESTION,
        *TO_CONDUCT_SUBJECT,
    )
]
# After an informal resolution the next step is the formal route here, not the ombudsman.
NO_ROUTE = (LetterKind.INFORMAL_RESOLUTION,)


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("kind", LETTERS)
def test_every_letter_states_reference_dates_and_how_to_escalate(
    kind: LetterKind, language: str
) -> None:
    letter = render(kind, context_for(kind, language), letter_key="1")

    assert letter.language == language
    assert letter.template_name == f"{language}/{kind.value}"
    assert "KL-2026-000123" in letter.subject
    for body in (letter.text, letter.html):
        assert "KL-2026-000123" in body
        assert RECEIVED[language] in body
        label = FORMAL_ROUTE if kind is LetterKind.INFORMAL_RESOLUTION else REVIEW
        assert label[language] in body and REVIEW_URL in body
        assert not any(old in body for old in REPLY_TO_DISAGREE)
        assert "http://127.0.0.1:8080/klacht/KL-2026-000123" in body
        assert ("nationaleombudsman.nl" in body) is (kind not in NO_ROUTE)
        for stated in EXPECTED_DATES[language][kind]:
            assert stated in body, f"{stated!r} missing from {kind} ({language})"
    assert letter.html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{language}">' in letter.html


def test_dutch_letters_use_the_formal_salutation() -> None:
    assert render(LetterKind.ACKNOWLEDGEMENT, context("nl"), letter_key="1").text.startswith(
        "Geachte heer/mevrouw Jan de Vries,\n"
    )
    nameless = render(
        LetterKind.ACKNOWLEDGEMENT, context("nl", complainant_name=" "), letter_key="1"
    )
    assert nameless.text.startswith("Geachte heer/mevrouw,\n")
    english = render(LetterKind.ACKNOWLEDGEMENT, context("en"), letter_key="1")
    assert english.text.startswith("Dear Jan de Vries,\n")


def test_letters_state_the_dates_they_promise() -> None:
    ack = render(LetterKind.ACKNOWLEDGEMENT, context(), letter_key="1")
    assert ack.stated_dates == {"respond_by": date(2026, 12, 28), "statutory_by": date(2027, 1, 18)}
    extension = render(LetterKind.EXTENSION_NOTICE, context(), letter_key="5")
    assert extension.stated_dates["new_statutory_by"] == date(2027, 2, 15)
    response = render(LetterKind.RESPONSE, context(), letter_key="7")
    assert response.stated_dates == {"external_route_deadline": date(2027, 12, 7)}


def test_same_input_gives_same_hash_and_message_id() -> None:
    first = render(LetterKind.ACKNOWLEDGEMENT, context(), letter_key="1")
    second = render(LetterKind.ACKNOWLEDGEMENT, context(), letter_key="1")
    assert first == second
    assert re.fullmatch(r"[0-9a-f]{64}", first.sha256)
    assert first.message_id == f"<acknowledgement.{COMPLAINT_ID}.1@klachten.local>"


def test_different_letter_key_gives_different_message_id() -> None:
    first = render(LetterKind.ESCALATION_NOTICE, context(), letter_key="4")
    second = render(LetterKind.ESCALATION_NOTICE, context(), letter_key="9")
    assert first.message_id != second.message_id
    assert second.message_id == f"<escalation_notice.{COMPLAINT_ID}.9@klachten.local>"


def test_different_content_gives_different_hash() -> None:
    first = render(LetterKind.RESPONSE, context(), letter_key="1")
    other = render(LetterKind.RESPONSE, context(response_text="Anders."), letter_key="1")
    assert first.sha256 != other.sha256
    assert first.message_id == other.message_id


def test_letter_key_that_cannot_be_in_a_message_id_is_refused() -> None:
    with pytest.raises(LetterContextError) as error:
        render(LetterKind.ACKNOWLEDGEMENT, context(), letter_key="a b@c")
    assert error.value.field == "$.letter_key"


def test_html_escapes_user_text_and_text_keeps_it_verbatim() -> None:
    hostile = "<script>alert('x')</script>"
    for kind in LetterKind:
        ctx = context_for(
            kind, complainant_name=hostile, subject=f"<b>{hostile}</b>", response_text=hostile
        )
        letter = render(kind, ctx, letter_key="1")
        assert "<script>" not in letter.html
        assert "&lt;script&gt;" in letter.html
        assert hostile in letter.text


def test_missing_fields_for_the_kind_are_named() -> None:
    with pytest.raises(LetterContextError) as error:
        render(LetterKind.EXTENSION_NOTICE, context(extension_reason=None), letter_key="1")
    assert error.value.field == "$.extension_reason"
    with pytest.raises(LetterContextError, match=r"\$\.response_text"):
        render(LetterKind.RESPONSE, context(response_text="  "), letter_key="1")


def test_optional_parts_are_left_out_cleanly() -> None:
    ctx = context(respond_by=None, status_url=None, external_route=None)
    letter = render(LetterKind.ACKNOWLEDGEMENT, ctx, letter_key="1")
    assert "maandag 18 januari 2027" in letter.text
    assert "ombudsman" not in letter.text
    assert "None" not in letter.text and "None" not in letter.html
    assert "\n\n\n" not in letter.text


def test_route_without_deadline_names_the_term() -> None:
    route = ExternalRoute(
        name="de Geschilleninstantie Zorg", url="https://www.degeschilleninstantie.nl"
    )
    letter = render(LetterKind.RESPONSE, context(external_route=route), letter_key="1")
    assert "binnen 12 maanden" in letter.text
    assert "de Geschilleninstantie Zorg" in letter.text


def test_language_is_chosen_from_the_complainant_with_dutch_as_fallback() -> None:
    assert words.language("en-GB") == "en"
    assert words.language("EN") == "en"
    assert words.language("de") == "nl"
    assert words.language(None) == "nl"
    assert render(LetterKind.CLOSURE, context("fr"), letter_key="1").language == "nl"


def test_dates_are_written_out_in_the_language_and_in_amsterdam_time() -> None:
    assert words.long_date(date(2026, 12, 7), "nl") == "maandag 7 december 2026"
    assert words.long_date(date(2026, 12, 7), "en") == "Monday 7 December 2026"
    # 23:30 UTC on New Year's Eve is already 1 January in Amsterdam.
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert words.long_date(new_year, "nl") == "vrijdag 1 januari 2027"
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert words.date_time(summer, "nl") == "woensdag 1 juli 2026 om 14:00"
    with pytest.raises(ValueError):
        words.date_time(datetime(2026, 7, 1, 12, 0), "nl")
    assert words.long_date(None, "en") == "—"
    assert words.period(timedelta(days=730), "nl") == "2 jaar"
    assert words.period(timedelta(days=182), "en") == "26 weeks"
    assert words.period(timedelta(days=1), "nl") == "1 dag"


def test_template_version_is_stable_and_distinct_per_letter() -> None:
    versions = {
        letters.template_version(f"{language}/{kind.value}")
        for language in ("nl", "en")
        for kind in LetterKind
    }
    assert len(versions) == 2 * len(LetterKind)
    assert all(re.fullmatch(r"[0-9a-f]{16}", version) for version in versions)


def test_template_version_changes_when_a_shared_template_is_edited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = render(LetterKind.ACKNOWLEDGEMENT, context(), letter_key="1")
    copy = tmp_path / "templates"
    shutil.copytree(letters.TEMPLATE_DIR, copy)
    (copy / "nl" / "_common.txt.j2").write_text(
        (copy / "nl" / "_common.txt.j2").read_text() + "\n{# edited #}\n"
    )
    monkeypatch.setattr(letters, "TEMPLATE_DIR", copy)
    _clear_template_caches()
    try:
        after = render(LetterKind.ACKNOWLEDGEMENT, context(), letter_key="1")
        untouched = render(LetterKind.ACKNOWLEDGEMENT, context("en"), letter_key="1")
    finally:
        monkeypatch.undo()
        _clear_template_caches()
    assert after.template_version != before.template_version
    assert after.text == before.text
    assert untouched.template_version == letters.template_version("en/acknowledgement")


def _clear_template_caches() -> None:
    letters._environment.cache_clear()
    letters.template_version.cache_clear()


names = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40)


@settings(max_examples=50, deadline=None)
@given(name=names, subject=names, language=st.sampled_from(["nl", "en"]))
def test_any_name_and_subject_render_escaped_and_reproducibly(
    name: str, subject: str, language: str
) -> None:
    ctx = context(language, complainant_name=name, subject=subject)
    letter = render(LetterKind.ACKNOWLEDGEMENT, ctx, letter_key="1")
    assert str(escape(name.strip())) in letter.html
    assert str(escape(subject)) in letter.html
    assert render(LetterKind.ACKNOWLEDGEMENT, ctx, letter_key="1").sha256 == letter.sha256


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_reaction_receipt_confirms_without_quoting(language: str) -> None:
    ctx = context(language, response_text="Mijn geheime reactie", closure_reason=None)
    letter = render(LetterKind.REACTION_RECEIPT, ctx, letter_key="6")
    expected = {
        "nl": ("Wij hebben uw bericht over klacht KL-2026-000123 ontvangen", "leest uw bericht"),
        "en": ("We have received your message about complaint KL-2026-000123", "will read"),
    }[language]
    assert letter.subject == expected[0]
    for body in (letter.text, letter.html):
        assert expected[1] in body and "geheime" not in body
    assert letter.message_id == f"<reaction_receipt.{COMPLAINT_ID}.6@klachten.local>"


def test_the_acknowledgement_names_files_it_did_not_accept() -> None:
    refused = [
        letters.RefusedFile(filename="foto.heic", reason="type_not_accepted", max_mb=10),
        letters.RefusedFile(filename="scan.pdf", reason="too_large", max_mb=10),
        letters.RefusedFile(filename="kapot.docx", reason="unreadable", max_mb=10),
    ]
    nl = render(LetterKind.ACKNOWLEDGEMENT, context(refused_files=refused), letter_key="1")
    en = render(LetterKind.ACKNOWLEDGEMENT, context("en", refused_files=refused), letter_key="1")
    for body in (nl.text, nl.html):
        assert "foto.heic" in body and "omdat wij dit soort bestand niet aannemen" in body
        assert "omdat het groter is dan 10 MB" in body
        assert "omdat wij het niet konden openen" in body
    for body in (en.text, en.html):
        assert "it is not a type of file we accept" in body
        assert "because it is larger than 10 MB" in body and "we could not open it" in body
    plain = render(LetterKind.ACKNOWLEDGEMENT, context(), letter_key="1")
    assert "foto.heic" not in plain.text and "niet aangenomen" not in plain.text
