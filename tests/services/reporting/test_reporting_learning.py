"""Learning from complaints (issue 18 items 1-3) in reporting: the fold keeps the latest themes
and root causes, every remedy kind, the compensation paid and the corrective actions; the
summary counts each complaint once per theme and per root cause; the SQL summary equals the
Python one over the same rows; a replay of the same log gives the same figures. The log is made
by the aggregate's own commands; the expected figures are counted by hand below."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from services.reporting import domain, fold, reads
from services.reporting.event_words import describe
from shared.config.vocabularies import DEFAULT_VOCABULARIES_FILE, load_vocabulary
from shared.contract import events as ev
from shared.rules.complaint import Cause, Complaint
from shared.rules.learning import RemedyGiven
from shared.rules.procedure import CURRENT
from tests.services.reporting.test_reads_sql import written

VOCABULARY = load_vocabulary(DEFAULT_VOCABULARIES_FILE)
NOW = datetime(2026, 6, 1, tzinfo=UTC)
STAFF = Cause(actor="staff:anna")


def complaint(at: datetime) -> Complaint:
    return Complaint.submit(
        complaint_id=uuid4(), reference=f"KL-2026-{at.day:06d}", channel="web", language="nl",
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name="N", email="n@example.org"),
            subject="s", description="d",
        ),
        received_at=at, now=at, cause=Cause(actor="web"), procedure=CURRENT,
    )  # fmt: skip


def history() -> list[ev.Event]:
    a, b, c = (complaint(NOW + timedelta(days=d)) for d in (1, 2, 3))
    at = NOW + timedelta(days=5)
    # a: classified twice (the second replaces the first), two root causes, two records of remedies
    a.classify(themes=["informatie"], vocabulary=VOCABULARY, now=at, cause=STAFF)
    a.classify(themes=["bejegening", "informatie"], vocabulary=VOCABULARY, now=at, cause=STAFF)
    a.record_root_causes(root_causes=["communicatie", "werkwijze"], vocabulary=VOCABULARY,
                         now=at, cause=STAFF)  # fmt: skip
    a.record_remedies(remedies=[RemedyGiven("apology"), RemedyGiven("compensation", 2500)],
                      vocabulary=VOCABULARY, now=at, cause=STAFF)  # fmt: skip
    action = RemedyGiven("corrective_action", owner="klachten", due=at.date(), description="x")
    a.record_remedies(remedies=[RemedyGiven("compensation", 1000), action],
                      vocabulary=VOCABULARY, now=at, cause=STAFF)  # fmt: skip
    # b: one theme, root cause replaced
    b.classify(themes=["informatie"], vocabulary=VOCABULARY, now=at, cause=STAFF)
    b.record_root_causes(root_causes=["systeem"], vocabulary=VOCABULARY, now=at, cause=STAFF)
    b.record_root_causes(root_causes=["communicatie"], vocabulary=VOCABULARY, now=at, cause=STAFF)
    # c: not classified at all
    events = [e.fact for x in (a, b, c) for e in x.collect_events()]
    return sorted(events, key=lambda f: (f.occurred_at, str(f.complaint_id), f.version))


def test_the_fold_keeps_themes_root_causes_remedies_and_compensation() -> None:
    model = fold.replay(list(enumerate(history(), start=1)))
    rows = sorted(model.complaints.values(), key=lambda r: r["received_at"])
    a, b, c = rows
    assert json.loads(a["themes"]) == ["bejegening", "informatie"]
    assert json.loads(a["root_causes"]) == ["communicatie", "werkwijze"]
    assert json.loads(a["remedy_kinds"]) == ["apology", "compensation", "corrective_action"]
    assert a["compensation_cents"] == 3500 and a["corrective_actions"] == 1
    assert json.loads(b["root_causes"]) == ["communicatie"] and b["remedy_kinds"] is None
    assert c["themes"] is None and c["compensation_cents"] == 0


def test_the_summary_counts_each_complaint_once_per_theme_and_sql_agrees() -> None:
    tables = fold.tables_of(fold.replay(list(enumerate(history(), start=1))))
    figures = domain.summary(tables, NOW, 0)["learning"]
    assert figures == {
        "classified": 2,
        "per_theme": {"bejegening": 1, "informatie": 2},  # a's first classification replaced
        "per_root_cause": {"communicatie": 2, "werkwijze": 1},  # b's "systeem" replaced
        "per_remedy_kind": {"apology": 1, "compensation": 1, "corrective_action": 1},
        "compensation_cents": 3500,
        "corrective_actions": 1,
    }
    with tempfile.TemporaryDirectory() as folder:
        view = written(folder, tables)
        assert reads.summary(view, NOW)["learning"] == figures


def test_the_history_says_the_codes_in_words_in_dutch_and_english() -> None:
    facts = history()
    classified = next(f for f in facts if isinstance(f, ev.Classified) and len(f.themes) == 2)
    remedies = [f for f in facts if isinstance(f, ev.RemediesRecorded)][-1]
    themes = "Bejegening, Informatie en communicatie"
    assert describe(classified, "nl") == f"geclassificeerd: {themes}"
    english = "Treatment by staff, Information and communication"
    assert describe(classified, "en") == f"classified: {english}"
    said = describe(remedies, "en")
    assert said.startswith("remedies recorded: Compensation €10.00, Corrective action (due ")
    assert "Schadevergoeding € 10,00, Verbetermaatregel (uiterlijk" in describe(remedies, "nl")
