"""A stranger cannot make the organisation mail a link of their choosing: whatever the public
typed and a letter repeats (name, subject, file names, the representative's name) reaches the
text and HTML parts defanged ("hxxps[://]evil[.]example"), in Dutch and English."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest

from services.notifier import letter_context as context
from services.notifier.letter_context import Letterhead
from services.notifier.letters import LetterKind, RenderedLetter, render
from shared.config.calendar import business_calendar
from shared.config.policy import DEFAULT_POLICY_FILE
from shared.config.policy_file import load_policy
from shared.contract import events as ev
from shared.rules.complaint import Cause, Complaint
from shared.rules.terms import current_terms
from tests.support.domain import NOW

CALENDAR = business_calendar("NL")
POLICY = load_policy(DEFAULT_POLICY_FILE)
HEAD = Letterhead(organisation_name="Gemeente Voorbeeld", status_link_secret=b"s3cret")
STAFF = Cause(actor="staff:ann")

# What an autolinker (linkify-it, Gmail, Outlook) makes a link of: a scheme, "www.", an
# e-mail address, a bare domain ending in letters (IDNA's other dots included), an IP address.
LINKABLE = re.compile(
    r"(?i)\b[a-z][a-z0-9+.-]*://\S*"
    r"|\bwww\.\S*"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[\w-]+(?:[.\u3002\uff0e\uff61][\w-]+)*[.\u3002\uff0e\uff61][^\W\d_]{2,}\b\S*"
    r"|\b\d{1,3}(?:\.\d{1,3}){3}\b\S*"
)
# The hosts a stranger typed; none of them may be part of a link in a letter.
HOSTILE = ("evil", "phish", "bank-hulp", "6.6.6.6", "xn--")


def hostile_complaint(language: str) -> Complaint:
    personal = ev.SubmittedPersonal(
        complainant=ev.Complainant(
            name="Jan https://evil.example/login", email="victim@example.nl"
        ),
        subject="Uw pas is geblokkeerd: www.phish.example/reset, bel bank-hulp.nl of "
        "schrijf naar hulp@evil.example (http://6.6.6.6/x, evil\u3002example, xn--80ak6aa92e.com)",
        description="Zie de onderwerpregel.",
        refused_attachments=[
            ev.RefusedAttachment(
                filename="login.evil.example.exe",
                declared_type="application/x-msdownload",
                size=10,
                reason="type_not_accepted",
            )
        ],
        representative=ev.Representative(
            name="Mr. Evil (evil.example/aanmelden)",
            relation="advocaat",
            email="vertegenwoordiger@example.nl",
        ),
    )
    return Complaint.submit(
        complaint_id=uuid4(),
        reference="KL-2026-000042",
        channel="web",
        language=language,  # type: ignore[arg-type]
        personal=personal,
        received_at=NOW,
        now=NOW,
        cause=Cause(actor="complainant"),
    )


def letters_of(language: str) -> list[RenderedLetter]:
    """The letters such a complaint gets, rendered as the notifier renders them."""
    complaint = hostile_complaint(language)
    first: ev.Submitted = complaint.pending_events[0].fact  # type: ignore[attr-defined]
    complaint.respond(text="Onderzocht.", resolution="well_founded", now=NOW, cause=STAFF)
    responded = complaint.pending_events[-1].fact  # type: ignore[attr-defined]
    complaint.close(outcome="resolved", now=NOW, cause=STAFF)
    closed = complaint.pending_events[-1].fact  # type: ignore[attr-defined]
    terms = current_terms(complaint.facts, POLICY, CALENDAR)
    rendered = []
    for kind, event in (
        (LetterKind.ACKNOWLEDGEMENT, first),
        (LetterKind.STATUS_LINK, first),
        (LetterKind.REACTION_RECEIPT, first),
        (LetterKind.RESPONSE, responded),
        (LetterKind.CLOSURE, closed),
    ):
        ctx = context.letter_context(kind, event, first, complaint, terms, CALENDAR, HEAD, POLICY)
        assert ctx is not None
        rendered.append(render(kind, ctx, letter_key="1"))
    return rendered


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_link_the_public_typed_reaches_a_letter(language: str) -> None:
    for letter in letters_of(language):
        for part in (letter.subject, letter.text, letter.html):
            links = [link for link in LINKABLE.findall(part) if any(h in link for h in HOSTILE)]
            assert links == [], f"{letter.kind} ({language}) links {links}"
        # Still readable: the complainant sees what they typed, defanged.
        assert "Mr. Evil (evil[.]example/aanmelden)" in letter.text
        assert "Jan hxxps[://]evil[.]example/login" in letter.text + letter.html
    acknowledgement = letters_of(language)[0]
    for part in (acknowledgement.text, acknowledgement.html):
        assert "www[.]phish[.]example/reset" in part
        assert "hulp@evil[.]example" in part
        assert "hxxp[://]6[.]6[.]6[.]6/x" in part
        assert "login[.]evil[.]example[.]exe" in part


def test_defanging_keeps_ordinary_text_and_file_names_and_is_idempotent() -> None:
    for plain in ("Jan de Vries", "J.P. Balkenende", "scan.pdf", "kapot.docx", "versie 1.2"):
        assert context.defang(plain) == plain
    for hostile in ("HTTPS://EVIL.EXAMPLE", "ftp://evil.example", "evil.example.pdf"):
        once = context.defang(hostile)
        assert not LINKABLE.search(once.replace(".pdf", "")), once
        assert context.defang(once) == once
