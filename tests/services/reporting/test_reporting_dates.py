"""The read model and the worklist hold the dates recorded in the log (shared/rules/terms.py
`current_terms`), never the acknowledgement's copy or a level-0 date: after an escalation the
worklist sorts and flags on the new level's date, and it shows the statutory end."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from services.reporting import domain, fold
from shared.rules import terms as rules
from shared.rules.complaint import Complaint
from tests.shared.rules.test_terms import CAL, POLICY, STAFF, at, facts, registered
from tests.support.domain import letter


def _row(c: Complaint) -> fold.Row:
    model = fold.ReadModel(rules=(POLICY, CAL))  # the shipped policy, as the tests' default
    for seq, fact in enumerate(facts(c), start=1):
        assert fold.apply(model, seq, fact) is None
    return model.complaints[str(c.id)]


def _acknowledge(c: Complaint, now: datetime) -> None:
    """As the notifier does: the letter states, and the event copies, the cause's dates."""
    copied = rules.current_terms(facts(c)[:1], POLICY, CAL)
    sent = msgspec.structs.replace(letter("acknowledgement"), sent_at=now)
    c.acknowledge(letter=sent, respond_by=copied.respond_by, statutory_by=copied.statutory_by,
                  now=now, cause=STAFF, terms=copied)  # fmt: skip


def test_the_worklist_after_an_escalation_sorts_and_flags_on_the_new_levels_date() -> None:
    # Received Monday 5 October 2026: level 0 must answer by 19 October. Escalated on
    # Wednesday 7 October before the acknowledgement went out: level 1 answers in five
    # business days, by 14 October. The acknowledgement, sent afterwards, copies the
    # submission's dates; the worklist must keep level 1's.
    c, t = registered(at(date(2026, 10, 5)))
    escalated = rules.escalation_terms(facts(c), 1, at(date(2026, 10, 7)), POLICY, CAL)
    c.escalate(level=1, target="supervisor", reason="staff_decision", now=at(date(2026, 10, 7)),
               cause=STAFF, terms=escalated)  # fmt: skip
    _acknowledge(c, at(date(2026, 10, 7), 11))
    assert CAL.due_date(escalated.respond_by) == date(2026, 10, 14)  # type: ignore[arg-type]
    assert CAL.due_date(t.respond_by) == date(2026, 10, 19)  # type: ignore[arg-type]
    row = _row(c)
    assert row["respond_by"] == fold.ts(escalated.respond_by)
    assert row["statutory_by"] == fold.ts(t.statutory_by)
    on_15th = domain.worklist([row], at(date(2026, 10, 15)))[0]
    assert on_15th["next_deadline"] == fold.ts(escalated.respond_by) and on_15th["overdue"]


def test_an_old_complainant_request_without_a_date_gets_the_levels_date() -> None:
    c, t = registered(at(date(2026, 10, 5)))
    _acknowledge(c, at(date(2026, 10, 5), 11))
    c.escalate(
        level=1,
        target="supervisor",
        reason="complainant_request",
        now=at(date(2026, 10, 7)),
        cause=STAFF,
    )  # fmt: skip (as old events were)
    expected = rules.current_terms(facts(c), POLICY, CAL).respond_by
    assert expected is not None and expected != t.respond_by
    assert _row(c)["respond_by"] == fold.ts(expected)


def test_the_statutory_end_is_in_the_row_from_registration_and_an_extension_waits() -> None:
    c, t = registered(at(date(2026, 10, 23)))
    row = _row(c)
    assert row["statutory_by"] == fold.ts(t.statutory_by) and row["acknowledged_at"] is None
    extended = rules.extension_terms(facts(c), 4, POLICY, CAL)
    c.extend(weeks=4, reason="Advies.", statutory_by=t.statutory_by,
             now=at(date(2026, 11, 2)), cause=STAFF, terms=extended)  # fmt: skip
    row = _row(c)
    assert row["statutory_by"] == fold.ts(t.statutory_by)  # not in force before the notice
    assert row["statutory_by_pending"] == fold.ts(extended.statutory_by)
    sent = msgspec.structs.replace(letter("extension_notice"), sent_at=at(date(2026, 11, 3)))
    c.record_letter(letter=sent, cause_event_id=facts(c)[-1].event_id,
                    now=at(date(2026, 11, 3)), cause=STAFF)  # fmt: skip
    row = _row(c)
    assert row["statutory_by"] == fold.ts(extended.statutory_by)
    assert row["statutory_by_pending"] is None
