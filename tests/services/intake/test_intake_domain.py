"""Pure intake decisions: validation, references, mail parsing, staff tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from services.intake import domain, problems
from services.intake.mailparse import (
    MailRejected,
    detect_language,
    detect_type,
    is_auto_reply,
    own_words,
    parse_mail,
)
from shared.runtime.staff import authenticate, parse_tokens

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
    assert errors == [{"field": "received_at", "message": problems.MESSAGES["future"]["nl"]}]
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


@pytest.mark.parametrize(
    ("is_open", "level", "expected"),
    [(True, 0, 1), (True, 2, 3), (True, 3, None), (False, 0, None)],
)
def test_an_explicit_review_request_moves_an_open_complaint_up_the_ladder(
    is_open: bool, level: int, expected: int | None
) -> None:
    assert domain.review_level(is_open, level, 3) == expected


TRUSTED = frozenset({"mx.gemeente.example"})


@pytest.mark.parametrize(
    ("header", "verified"),
    [
        ("mx.gemeente.example; spf=pass; dmarc=pass (p=reject) header.from=example.nl", True),
        (
            "MX.Gemeente.Example 1; dkim=pass header.d=example.nl;"
            " dmarc=pass header.from=EXAMPLE.nl",
            True,
        ),
        ("mx.gemeente.example; dmarc=fail header.from=example.nl", False),
        ("mx.gemeente.example; dmarc=pass header.from=elders.nl", False),  # not aligned
        ("mx.elders.example; dmarc=pass header.from=example.nl", False),  # not our MTA
        ("mx.gemeente.example; spf=pass smtp.mailfrom=example.nl", False),
        ("", False),
    ],
)
def test_a_dmarc_pass_counts_only_from_a_trusted_mta_and_aligned_with_from(
    header: str, verified: bool
) -> None:
    assert domain.dmarc_verified(header, TRUSTED, "jb@example.nl") is verified
    assert not domain.dmarc_verified(header, frozenset(), "jb@example.nl")


@pytest.mark.parametrize(
    ("text", "header", "lang"),
    [
        ("The bin has not been emptied for three weeks and nobody answers the phone.", "", "en"),
        ("De container is al drie weken niet geleegd en niemand neemt de telefoon op.", "", "nl"),
        ("De container is al drie weken niet geleegd en niemand neemt op.", "en", "nl"),
        ("Hi", "en-GB", "en"),
        ("Hoi", "", "nl"),
    ],
)
def test_the_language_of_a_mail_is_read_from_its_text_then_its_header(
    text: str, header: str, lang: str
) -> None:
    assert detect_language(text, header) == lang


def _auto(subject: str = "Re: Uw klacht", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    return msg


@pytest.mark.parametrize(
    ("msg", "auto"),
    [
        (_auto(Auto_Submitted="auto-replied"), True),
        (_auto(Auto_Submitted="no"), False),
        (_auto(X_Autoreply="yes"), True),
        (_auto(X_Autorespond="yes"), True),
        (_auto(Precedence="junk"), True),
        (_auto(Precedence="list"), True),
        (_auto("Automatisch antwoord: Uw klacht KL-2026-000001"), True),
        (_auto("Out of Office: Your complaint"), True),
        (_auto("Afwezig: Uw klacht"), True),
        (_auto("Re: afwezigheid van de handhaver"), False),
        (_auto(), False),
    ],
)
def test_auto_replies_are_known_by_headers_and_typical_subjects(
    msg: EmailMessage, auto: bool
) -> None:
    assert is_auto_reply(msg) is auto


@pytest.mark.parametrize(
    ("data", "claimed", "detected"),
    [
        (b"%PDF-1.7\n...", "application/octet-stream", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "application/pdf", "image/png"),
        (b"MZ\x90\x00" + b"\0" * 60, "application/pdf", "application/x-msdownload"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
            "application/msword",
            "application/msword",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
            "text/plain",
            "application/x-ole-storage",
        ),
        ("Gewoon tekst, met é.\n".encode(), "text/plain", "text/plain"),
        (b"\x00\x01\x02\x03binary", "text/plain", None),
    ],
)
def test_a_files_type_is_read_from_its_bytes(
    data: bytes, claimed: str, detected: str | None
) -> None:
    assert detect_type(data, claimed) == detected


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
