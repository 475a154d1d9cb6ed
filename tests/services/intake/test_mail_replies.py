"""Replies, review requests, forged senders, auto-replies and the language of a mailed
complaint, against the running intake (real nats-server, smtplib → aiosmtpd, real HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from shared.privacy import statuslink
from shared.privacy.replyaddress import reply_address
from tests.support.intake import HEARING_WAIVED, STAFF, intake_settings, start_intake
from tests.support.mail_samples import (
    AUTO_REPLY_HEADERS,
    COMPLAINANT,
    out_of_office,
    plain,
    registered_id,
    reply,
    send,
)

TRUSTED_MTA = "mx.gemeente.example"


@pytest.fixture
def intake(provisioned_nats: EmbeddedNats, tmp_path: Path) -> Iterator[BackgroundIntake]:
    settings = intake_settings(
        provisioned_nats, data_dir=tmp_path, trusted_authserv_ids=TRUSTED_MTA
    )
    service = start_intake(settings)
    try:
        yield service
    finally:
        service.stop()


def _register(service: BackgroundIntake, n: int = 1, **headers: str) -> tuple[str, str]:
    msg = plain("Container niet geleegd", "De container staat al weken vol.", f"<new-{n}@x>")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    code, answer = send(service.settings.smtp_port, msg)
    assert code == 250 and b"registered as" in answer, answer
    reference = answer.decode().rsplit(" ", 1)[1]
    return reference, registered_id(service.settings.nats_url, reference)


def _state(service: BackgroundIntake, cid: str) -> dict[str, Any]:
    found = httpx.get(f"{service.url}/api/complaints/{cid}", headers=STAFF, timeout=30)
    assert found.status_code == 200, found.text
    return found.json()


def _events(service: BackgroundIntake, cid: str, kind: str) -> list[dict[str, Any]]:
    found = httpx.get(f"{service.url}/api/complaints/{cid}/timeline", headers=STAFF, timeout=30)
    assert found.status_code == 200, found.text
    return [e for e in found.json()["events"] if e["type"] == kind]


def _staff(service: BackgroundIntake, cid: str, action: str, body: dict[str, Any]) -> None:
    done = httpx.post(
        f"{service.url}/api/complaints/{cid}/{action}", json=body, headers=STAFF, timeout=30
    )
    assert done.status_code == 201, done.text


def _answer(service: BackgroundIntake, cid: str) -> None:
    _staff(service, cid, "hearing/waiver", HEARING_WAIVED)  # Awb 9:10
    _staff(service, cid, "responses", {"text": "Wij legen hem morgen.", "resolution": "unfounded"})


def _answered(service: BackgroundIntake) -> tuple[str, str]:
    reference, cid = _register(service)
    _answer(service, cid)
    return reference, cid


def _reply_to(service: BackgroundIntake, cid: str) -> str:
    secret = statuslink.link_secret(service.settings.data_dir)
    return reply_address(secret, UUID(cid), "klachten", service.settings.mail_domain)


def test_a_reply_is_linked_and_kept_but_its_words_never_escalate(
    intake: BackgroundIntake,
) -> None:
    reference, cid = _answered(intake)
    port = intake.settings.smtp_port
    # A reply to our answer's thread, to the general mailbox: linked, not verified.
    letter = f"<response.{cid}.r1@{intake.settings.mail_domain}>"
    msg = reply(reference, "Ik ga niet akkoord met uw reactie.", "<r-1@x>", in_reply_to=letter)
    code, answer = send(port, msg)
    assert code == 250 and b"reaction recorded" in answer, answer
    # On the reply address (verified): words that a keyword list read as "dissatisfied".
    text = "Ik ben zeker niet ontevreden, de zaak is voor mij opgelost."
    msg = reply(reference, text, "<r-2@x>", to=_reply_to(intake, cid))
    code, answer = send(port, msg, rcpt=_reply_to(intake, cid))
    assert code == 250 and b"reaction recorded" in answer, answer
    assert send(port, msg, rcpt=_reply_to(intake, cid))[0] == 250  # a retry: recorded once
    state = _state(intake, cid)
    assert state["status"] == "responded" and state["escalation_level"] == 0
    first, second = _events(intake, cid, "reaction_received")
    # The timeline leaves out fields that are false or empty: not verified, not disagreeing.
    assert not {"verified", "verified_by", "disagrees"} & set(first["fields"])
    assert first["text"] == "Ik ga niet akkoord met uw reactie."
    assert second["fields"]["verified_by"] == "reply_address" and second["fields"]["verified"]


def test_a_reply_after_closure_is_kept_on_the_closed_complaint(intake: BackgroundIntake) -> None:
    reference, cid = _register(intake)
    _answer(intake, cid)
    _staff(intake, cid, "closure", {"outcome": "resolved"})
    address = _reply_to(intake, cid)
    msg = reply(reference, "Het is nog steeds niet opgelost!", "<after-1@x>", to=address)
    code, answer = send(intake.settings.smtp_port, msg, rcpt=address)
    assert code == 250 and b"reaction recorded" in answer, answer  # was a new complaint
    assert _state(intake, cid)["status"] == "closed"
    [kept] = _events(intake, cid, "reaction_received")
    assert kept["text"] == "Het is nog steeds niet opgelost!"


def test_a_review_request_on_the_status_page_works_before_the_answer(
    intake: BackgroundIntake,
) -> None:
    _, cid = _register(intake)
    secret = statuslink.link_secret(intake.settings.data_dir)
    token = statuslink.link_token(secret, UUID(cid), datetime.now(UTC))
    url = f"{intake.url}/status/{cid}/{token}/escalation"
    asked = httpx.post(url, data={"reason": "Ik wil een leidinggevende spreken."}, timeout=30)
    assert asked.status_code == 303, asked.text[:300]  # was 409: "no answer to disagree with"
    state = _state(intake, cid)
    assert state["status"] == "escalated" and state["escalation_level"] == 1
    [request] = _events(intake, cid, "reaction_received")
    assert request["fields"]["verified_by"] == "status_link" and request["fields"]["disagrees"]
    # On a closed complaint the request is kept for the handler; it escalates nothing.
    _staff(intake, cid, "closure", {"outcome": "withdrawn"})
    again = httpx.post(url, data={"reason": "Toch nog een vraag."}, timeout=30)
    assert again.status_code == 303
    state = _state(intake, cid)
    assert state["status"] == "closed" and state["escalation_level"] == 1
    assert len(_events(intake, cid, "reaction_received")) == 2


def test_a_forged_sender_naming_a_reference_is_kept_unverified_and_never_acts(
    intake: BackgroundIntake,
) -> None:
    reference, cid = _answered(intake)
    port = intake.settings.smtp_port
    text = "Ik ben het oneens en wil escaleren naar de ombudsman."
    forged = reply(reference, text, "<forged-1@evil>", sender=COMPLAINANT)
    # The same, with an Authentication-Results the forger wrote (an MTA we do not trust).
    claimed = reply(reference, text, "<forged-2@evil>", sender=COMPLAINANT)
    claimed["Authentication-Results"] = "mx.evil.example; dmarc=pass header.from=example.nl"
    # A reply address with a made-up mac links nothing by itself.
    fake = f"klachten+{UUID(cid).hex}.aaaaaaaaaaaaaaaa@{intake.settings.mail_domain}"
    faked = reply(reference, text, "<forged-3@evil>", sender=COMPLAINANT, to=fake)
    for msg, rcpt in ((forged, None), (claimed, None), (faked, fake)):
        code, answer = send(port, msg, **({"rcpt": rcpt} if rcpt else {}))
        assert code == 250 and b"reaction recorded" in answer, answer
    state = _state(intake, cid)
    assert state["status"] == "responded" and state["escalation_level"] == 0  # was escalated
    kept = _events(intake, cid, "reaction_received")
    assert len(kept) == 3
    assert all(not {"verified", "verified_by"} & set(e["fields"]) for e in kept)
    # Our own MTA's DMARC pass for the complainant's domain does verify the sender.
    genuine = reply(reference, "Nog een foto volgt.", "<dmarc-1@x>", sender=COMPLAINANT)
    genuine["Authentication-Results"] = f"{TRUSTED_MTA}; dmarc=pass header.from=example.nl"
    assert send(port, genuine)[0] == 250
    assert _events(intake, cid, "reaction_received")[-1]["fields"]["verified_by"] == "dmarc"


@pytest.mark.parametrize(
    "headers", [*AUTO_REPLY_HEADERS, {}], ids=lambda h: next(iter(h), "subject")
)
def test_an_auto_reply_is_never_a_complaint(
    intake: BackgroundIntake, headers: dict[str, str]
) -> None:
    msg = out_of_office("<ooo-1@x>", **headers)
    code, answer = send(intake.settings.smtp_port, msg)
    assert code == 250 and b"not registered" in answer, answer  # was "registered as KL-…"


def test_an_auto_reply_to_our_letter_is_kept_as_such(intake: BackgroundIntake) -> None:
    reference, cid = _register(intake)
    address = _reply_to(intake, cid)
    msg = out_of_office("<ooo-2@x>", f"Automatisch antwoord: Uw klacht {reference}")
    msg.replace_header("To", address)
    msg["Auto-Submitted"] = "auto-replied"
    code, answer = send(intake.settings.smtp_port, msg, rcpt=address)
    assert code == 250 and b"reaction recorded" in answer, answer
    [kept] = _events(intake, cid, "reaction_received")
    assert kept["fields"]["auto_reply"] is True


def test_an_english_mail_is_an_english_complaint(intake: BackgroundIntake) -> None:
    msg = plain(
        "Bin not emptied",
        "The bin in our street has not been emptied for three weeks. Please fix this.",
        "<en-1@x>",
    )
    code, answer = send(intake.settings.smtp_port, msg)
    assert code == 250, answer
    cid = registered_id(intake.settings.nats_url, answer)
    assert _state(intake, cid)["language"] == "en"  # was "nl": answered in Dutch
    _, dutch = _register(intake, 2, Content_Language="en")  # the text wins over the header
    assert _state(intake, dutch)["language"] == "nl"


def test_control_and_bidi_characters_in_a_display_name_are_cleaned(
    intake: BackgroundIntake,
) -> None:
    # Python's email package refuses to build this header, so it is written out as sent.
    raw = (
        b"From: =?utf-8?q?Jan=0D=0Ade=E2=80=AE_Vries=E2=80=8B?= <jan@example.nl>\r\n"
        b"To: klachten@gemeente.example\r\nSubject: Klacht\r\nMessage-ID: <name-1@x>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nHet loket was dicht.\r\n"
    )
    code, answer = send(intake.settings.smtp_port, raw)
    assert code == 250, answer
    cid = registered_id(intake.settings.nats_url, answer)
    name = _state(intake, cid)["personal"]["complainant"]["name"]
    assert name == "Jan de Vries"
