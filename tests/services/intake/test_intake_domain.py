"""Pure intake decisions: validation, references, mail parsing, staff tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from services.intake import domain
from services.intake.mailparse import MailRejected, own_words, parse_mail
from services.intake.staff import authenticate, parse_tokens

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
VALID = {
    "channel": "web",
    "complainant": {"name": "An", "email": "an@example.nl"},
    "subject": "S",
    "description": "D",
}


def test_a_valid_submission_takes_the_request_language() -> None:
    submission, errors = domain.validate_submission(VALID, staff=False, now=NOW, lang="en")
    assert errors == [] and submission is not None
    assert submission.language == "en" and submission.received_at is None


def test_staff_may_backdate_but_not_into_the_future() -> None:
    past = {**VALID, "channel": "letter", "received_at": "2026-02-01T09:00:00+01:00"}
    submission, _ = domain.validate_submission(past, staff=True, now=NOW, lang="nl")
    assert submission is not None and submission.received_at.year == 2026
    future = {**past, "received_at": (NOW + timedelta(hours=1)).isoformat()}
    _, errors = domain.validate_submission(future, staff=True, now=NOW, lang="nl")
    assert errors == [{"field": "received_at", "message": domain.MESSAGES["future"]["nl"]}]
    naive = {**past, "received_at": "2026-02-01T09:00:00"}
    _, errors = domain.validate_submission(naive, staff=True, now=NOW, lang="nl")
    assert errors[0]["field"] == "received_at"


def test_references_are_zero_padded_and_found_in_subjects() -> None:
    assert domain.format_reference(2026, 123) == "KL-2026-000123"
    assert domain.find_reference("Re: uw klacht kl-2026-000123 (2)") == "KL-2026-000123"
    assert domain.find_reference("geen kenmerk") is None


def test_our_letters_are_recognised_in_reply_headers() -> None:
    cid = "0b7a1c3e-1111-4222-8333-444455556666"
    header = f"<x@elders.nl> <acknowledgement.{cid}.ack@klachten.local>"
    assert domain.complaint_of_letter(header, "klachten.local") == cid
    assert domain.complaint_of_letter(header, "example.org") is None


@pytest.mark.parametrize(
    ("header", "lang"), [("en-GB,en;q=0.9", "en"), ("nl-NL", "nl"), ("fr", "nl"), (None, "nl")]
)
def test_language_negotiation(header: str | None, lang: str) -> None:
    assert domain.negotiate(header) == lang


def test_tokens_and_roles() -> None:
    tokens = parse_tokens("all-roles", "rita:reader-token-123456:reader")
    assert authenticate("Bearer all-roles", tokens).may("close")
    reader = authenticate("bearer reader-token-123456", tokens)
    assert reader.may("read") and not reader.may("respond")
    assert authenticate("Basic all-roles", tokens) is None
    with pytest.raises(ValueError):
        parse_tokens("", "bob:short:handler")


def test_quoted_text_is_not_the_complainants_words() -> None:
    text = "Ik ben het niet eens.\n\nOp 2 mei schreef Gemeente <x@y>:\n> U kunt naar de ombudsman"
    assert own_words(text) == "Ik ben het niet eens."
    assert domain.reaction_disagrees(own_words(text))
    assert not domain.reaction_disagrees("Dank u wel, helder.")


def test_mail_without_sender_is_rejected_with_a_reason() -> None:
    msg = EmailMessage()
    msg["Subject"] = "Klacht"
    msg.set_content("tekst")
    with pytest.raises(MailRejected, match=r"^550 5\.1\.7"):
        parse_mail(bytes(msg), envelope_from="", max_attachment=10, allowed_types=frozenset())
    parsed = parse_mail(
        bytes(msg), envelope_from="a@b.nl", max_attachment=10, allowed_types=frozenset()
    )
    assert parsed.sender_email == "a@b.nl" and parsed.text == "tekst"
