"""What a complainant may send (issue 25): an e-mail or a postal address (Awb 9:4), a
representative, the day of the event, the department involved; refusals in Dutch and English."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.intake import domain

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DEPARTMENTS = frozenset({"publiekszaken", "klantcontact"})


def body(**complainant: Any) -> dict[str, Any]:
    return {
        "channel": "web",
        "complainant": {"name": "Jan de Vries", **complainant},
        "subject": "Geen reactie",
        "description": "Ik wacht al maanden.",
    }


def check(data: dict[str, Any], lang: domain.Lang = "nl") -> tuple[Any, list[dict[str, str]]]:
    return domain.validate_submission(
        data, staff=False, now=NOW, lang=lang, departments=DEPARTMENTS
    )


def test_a_postal_address_alone_will_do_and_is_recorded_with_no_e_mail() -> None:
    submission, errors = check(body(address="Dorpsstraat 1\n1234 AB Ergens"))
    assert errors == []
    person = submission.personal.complainant
    assert (person.email, person.address) == ("", "Dorpsstraat 1\n1234 AB Ergens")


@pytest.mark.parametrize(
    ("lang", "words"),
    [("nl", "e-mailadres of een postadres"), ("en", "e-mail address or a postal address")],
)
def test_neither_e_mail_nor_address_is_refused_in_words(lang: domain.Lang, words: str) -> None:
    submission, errors = check(body(address="  "), lang)
    assert submission is None
    assert [e["field"] for e in errors] == ["complainant.email"]
    assert words in errors[0]["message"]


def test_an_internationalised_address_is_accepted() -> None:
    submission, errors = check(body(email="jan@münchen.de"))
    assert errors == [] and submission.personal.complainant.email == "jan@münchen.de"


def test_a_representative_is_recorded_in_the_sealed_part() -> None:
    data = body(email="jan@example.nl") | {
        "representative": {"name": "Els de Vries", "relation": "dochter", "email": "els@x.nl"}
    }
    submission, errors = check(data)
    assert errors == []
    agent = submission.personal.representative
    assert (agent.name, agent.relation, agent.email) == ("Els de Vries", "dochter", "els@x.nl")


def test_a_representative_needs_a_relation_and_a_way_to_reach_them() -> None:
    data = body(email="jan@example.nl") | {"representative": {"name": "Els de Vries"}}
    _, errors = check(data, "en")
    assert {e["field"] for e in errors} == {"representative.relation", "representative.email"}


def test_the_day_of_the_event_and_the_department_are_recorded() -> None:
    data = body(email="jan@example.nl") | {"event_date": "2026-02-27", "department": "klantcontact"}
    submission, errors = check(data)
    assert errors == []
    assert (submission.event_date, submission.department) == (date(2026, 2, 27), "klantcontact")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("event_date", "27-02-2026", "Vul een datum in"),
        ("event_date", "2026-03-05", "in de toekomst"),
        ("event_date", "1026-03-05", "vóór 2000"),
        ("department", "geheim", "geen afdeling"),
    ],
)
def test_a_wrong_day_or_department_is_refused(field: str, value: str, words: str) -> None:
    _, errors = check(body(email="jan@example.nl") | {field: value})
    assert [e["field"] for e in errors] == [field] and words in errors[0]["message"]
