"""Reporting reads the corrections (issue 17): a corrected category and priority with the dates
recorded in the event; a duplicate keeps its row (the lists and its page show it, with the
complaint it repeats) but counts once, in that complaint: in the summary, the yearly report,
compliance and backlog, in Python (domain.py) and in SQL (reads.py) alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from services.reporting import domain, fold, reads
from shared.rules import terms as rules
from shared.rules.complaint import Cause, Complaint
from shared.rules.correctionsteps import Primary
from shared.rules.deadlines import ClockState
from tests.services.reporting.test_reads_sql import written
from tests.shared.rules.test_terms import CAL, POLICY
from tests.support.domain import personal

STAFF = Cause("staff:anna")
RECEIVED = datetime(2027, 3, 1, 9, tzinfo=UTC)
NOW = datetime(2027, 3, 20, 12, tzinfo=UTC)


def registered(channel: str, reference: str) -> Complaint:
    state = ClockState(complaint_id="-", received_at=RECEIVED, channel=channel)
    return Complaint.submit(
        complaint_id=uuid4(), reference=reference, channel=channel, language="nl",  # type: ignore[arg-type]
        personal=personal(), received_at=RECEIVED, now=RECEIVED, cause=STAFF,
        terms=rules.registration_terms(state, POLICY, CAL, RECEIVED),
    )  # fmt: skip


def folded(*complaints: Complaint) -> dict[str, list[fold.Row]]:
    events = sorted((f for c in complaints for f in c.facts), key=lambda f: f.occurred_at)  # type: ignore[attr-defined]
    model = fold.ReadModel(rules=(POLICY, CAL))
    for seq, fact in enumerate(events, start=1):
        assert fold.apply(model, seq, fact) is None
    return fold.tables_of(model)


def corrected_and_linked() -> tuple[Complaint, Complaint, Complaint]:
    by_form, by_mail, other = (
        registered("web", "KL-2027-000001"),
        registered("email", "KL-2027-000002"),
        registered("phone", "KL-2027-000003"),
    )
    at = RECEIVED + timedelta(hours=2)
    before = rules.current_terms(list(by_form.facts), POLICY, CAL)
    t = rules.recategorisation_terms(list(by_form.facts), "bejegening", "urgent", at, POLICY, CAL)
    by_form.recategorise(category="bejegening", priority="urgent", reason="Spoed.", terms=t,
                         before=before, categories=("bejegening",), priorities=("urgent",),
                         now=at, cause=STAFF)  # fmt: skip
    primary = Primary(by_form.id, by_form.reference, False, None)
    by_mail.link_as_duplicate(primary=primary, reason="Ook per e-mail.", now=at, cause=STAFF)
    return by_form, by_mail, other


def test_the_row_takes_the_corrected_category_priority_and_recorded_dates() -> None:
    by_form, by_mail, other = corrected_and_linked()
    rows = {r["reference"]: r for r in folded(by_form, by_mail, other)[fold.COMPLAINTS]}
    row = rows["KL-2027-000001"]
    recorded = by_form.facts[-1].terms  # type: ignore[attr-defined]
    assert (row["category"], row["priority"]) == ("bejegening", "urgent")
    assert row["respond_by"] == fold.ts(recorded.respond_by)
    assert row["respond_by"] < rows["KL-2027-000003"]["respond_by"]  # urgent: sooner
    dup = rows["KL-2027-000002"]
    assert (dup["status"], dup["outcome"]) == ("closed", "duplicate")
    assert dup["duplicate_of"] == str(by_form.id)


def test_a_duplicate_counts_once_in_python_and_in_sql(tmp_path: Path) -> None:
    tables = folded(*corrected_and_linked())
    summary = domain.summary(tables, NOW, 0)
    assert summary["complaints"] == 2
    assert sum(summary["handling"].values()) == 2 and summary["backlog"]["open"] == 2
    yearly = domain.annual(tables, 2027)
    view = written(str(tmp_path), tables)
    assert reads.summary(view, NOW) == summary
    assert reads.annual(view, 2027) == (0, yearly)
    rows = tables[fold.COMPLAINTS]
    assert reads.REPORTS["compliance"](view, NOW) == domain.compliance(rows, NOW)
    assert reads.REPORTS["backlog"](view, NOW) == domain.backlog(rows, NOW)
    listed, _ = reads.page(view, NOW, {}, after=None, limit=10)
    assert len(listed) == 3  # the list still shows the duplicate


def test_a_reopened_duplicate_counts_on_its_own_again() -> None:
    by_form, by_mail, other = corrected_and_linked()
    by_mail.reopen(reason="Toch iets anders.", now=RECEIVED + timedelta(hours=3), cause=STAFF)
    tables = folded(by_form, by_mail, other)
    row = next(r for r in tables[fold.COMPLAINTS] if r["reference"] == "KL-2027-000002")
    assert row["duplicate_of"] is None and row["outcome"] is None
    assert domain.summary(tables, NOW, 0)["complaints"] == 3
