"""The complainant's status page states the dates the staff API shows (both read the recorded
terms), also after an escalation whose level term was capped at the statutory end."""

from __future__ import annotations

from datetime import date, datetime

from services.intake.application import state_of
from services.intake.status import complainant_view
from shared.rules import terms as rules
from tests.shared.rules.test_terms import CAL, POLICY, STAFF, at, facts, registered


def _ahead(c: object) -> dict[str, date]:
    view = complainant_view(facts(c))
    return {s.kind: s.on for s in view.steps if not s.done}


def _api(c: object) -> dict[str, date | None]:
    d = state_of(c, facts(c), personal=False)["deadlines"]  # type: ignore[arg-type]
    return {
        "respond_by": d["response"] and CAL.due_date(_parse(d["response"])),
        "statutory_by": CAL.due_date(_parse(d["statutory"])),
    }


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_status_page_shows_the_capped_level_date_the_api_shows() -> None:
    # Received Friday 23 October 2026 (legal end Friday 4 December); escalated Monday
    # 30 November: level 1's five business days would end 7 December, capped to 4 December.
    c, _ = registered(at(date(2026, 10, 23)))
    now = at(date(2026, 11, 30))
    escalated = rules.escalation_terms(facts(c), 1, now, POLICY, CAL)
    c.escalate(level=1, target="supervisor", reason="complainant_request", now=now,
               cause=STAFF, terms=escalated)  # fmt: skip
    page, api = _ahead(c), _api(c)
    assert page["respond_by"] == api["respond_by"] == date(2026, 12, 4)
    assert page["statutory_by"] == api["statutory_by"] == date(2026, 12, 4)
