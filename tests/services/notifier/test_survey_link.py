"""The closure letter invites the complainant to the satisfaction survey (issue 18 item 4): one
sentence and one private link (shared/privacy/surveylink.py), in Dutch and English, in the
text and the HTML part; no other letter carries it, the withdrawal's confirmation neither."""

from __future__ import annotations

import re
from uuid import UUID, uuid4

import pytest

from services.notifier import letter_context as context
from services.notifier.letter_context import Letterhead
from services.notifier.letters import LetterKind, RenderedLetter, render
from shared.config.calendar import business_calendar
from shared.config.policy import DEFAULT_POLICY_FILE
from shared.config.policy_file import load_policy
from shared.contract import events as ev
from shared.privacy import surveylink
from shared.rules.complaint import Cause, Complaint
from shared.rules.terms import current_terms
from tests.support.domain import NOW, personal

CALENDAR = business_calendar("NL")
POLICY = load_policy(DEFAULT_POLICY_FILE)
SECRET = b"s3cret"
HEAD = Letterhead(
    organisation_name="Gemeente Voorbeeld",
    status_link_secret=SECRET,
    public_url="https://klachten.example.nl/",
)
STAFF = Cause(actor="staff:ann")
SURVEY = re.compile(r"https://klachten\.example\.nl/survey/([0-9a-f-]{36})/([0-9a-f]{32})")
INVITES = {"nl": "twee korte vragen", "en": "Two short questions"}


def closure_letters(language: str, outcome: str = "resolved") -> dict[LetterKind, RenderedLetter]:
    c = Complaint.submit(
        complaint_id=uuid4(), reference="KL-2026-000042", channel="web",
        language=language, personal=personal(), received_at=NOW, now=NOW,  # type: ignore[arg-type]
        cause=Cause(actor="complainant"),
    )  # fmt: skip
    first: ev.Submitted = c.pending_events[0].fact  # type: ignore[attr-defined]
    if outcome == "withdrawn":
        c.withdraw(now=NOW, cause=Cause(actor="complainant:web"))
    else:
        c.respond(text="Onderzocht.", resolution="well_founded", now=NOW, cause=STAFF)
        c.close(outcome=outcome, now=NOW, cause=STAFF)  # type: ignore[arg-type]
    responded = c.pending_events[1].fact  # type: ignore[attr-defined]
    closed = c.pending_events[-1].fact  # type: ignore[attr-defined]
    terms = current_terms(c.facts, POLICY, CALENDAR)
    letters = {}
    kinds = [(LetterKind.ACKNOWLEDGEMENT, first), (LetterKind.CLOSURE, closed)]
    if outcome != "withdrawn":
        kinds.append((LetterKind.RESPONSE, responded))
    for kind, event in kinds:
        ctx = context.letter_context(kind, event, first, c, terms, CALENDAR, HEAD, POLICY)
        assert ctx is not None
        letters[kind] = render(kind, ctx, letter_key="1")
    return letters


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_closure_letter_carries_one_survey_link(language: str) -> None:
    letters = closure_letters(language)
    closure = letters[LetterKind.CLOSURE]
    for part in (closure.text, closure.html):
        found = SURVEY.findall(part)
        assert len(set(found)) == 1, part
        complaint_id, token = found[0]
        assert surveylink.survey_valid(SECRET, UUID(complaint_id), token)
        assert INVITES[language].lower() in part.lower()
    assert f'href="{SURVEY.search(closure.html)[0]}"' in closure.html  # type: ignore[index]
    for kind in (LetterKind.ACKNOWLEDGEMENT, LetterKind.RESPONSE):
        assert not SURVEY.search(letters[kind].text + letters[kind].html), kind


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_withdrawal_is_not_asked_to_rate_a_handling_that_did_not_happen(language: str) -> None:
    closure = closure_letters(language, outcome="withdrawn")[LetterKind.CLOSURE]
    assert "/survey/" not in closure.text + closure.html


def test_the_survey_link_is_not_a_status_link() -> None:
    cid = uuid4()
    token = surveylink.survey_token(SECRET, cid)
    assert surveylink.survey_valid(SECRET, cid, token.upper())
    assert not surveylink.survey_valid(SECRET, uuid4(), token)
    assert not surveylink.survey_valid(b"other", cid, token)
    assert surveylink.redact(f"GET /survey/{cid}/{token} 200") == f"GET /survey/{cid}/*** 200"
