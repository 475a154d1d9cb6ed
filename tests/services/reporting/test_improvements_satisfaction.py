"""Satisfaction per theme (issue 18 item 4): an answer counts under the themes its complaint was
classified by when it was answered (both, for two themes; ``none`` when not classified), in the
fold's row, the summary (the SQL summary equals the Python one) and the yearly report's
figures and document, in Dutch and English. The log is made by the aggregate's own commands."""

from __future__ import annotations

import tempfile
from datetime import timedelta

from services.reporting import domain, fold, reads, yearly, yearly_document
from services.reporting.satisfaction import SATISFACTION
from shared.config.vocabularies import DEFAULT_VOCABULARIES_FILE, load_vocabulary
from shared.contract import events as ev
from shared.rules.complaint import Cause, Complaint
from tests.services.reporting.test_reads_sql import written
from tests.support.domain import NOW, submitted

VOCABULARY = load_vocabulary(DEFAULT_VOCABULARIES_FILE)
STAFF = Cause(actor="staff:anna")
WEB = Cause(actor="complainant:web")


def answered(n: int, themes: list[str], scores: tuple[int, int]) -> Complaint:
    c = submitted(reference=f"KL-2026-{n:06d}", now=NOW + timedelta(minutes=n))
    at = NOW + timedelta(days=n)
    if themes:
        c.classify(themes=themes, vocabulary=VOCABULARY, now=at, cause=STAFF)
    c.respond(text="Onderzocht.", resolution="well_founded", now=at, cause=STAFF)
    c.close(outcome="resolved", now=at, cause=STAFF)
    c.record_satisfaction(handling=scores[0], outcome=scores[1], now=at, cause=WEB)
    return c


def tables() -> dict[str, list[fold.Row]]:
    made = [
        answered(1, ["informatie", "tijdigheid"], (5, 4)),
        answered(2, ["informatie"], (3, 1)),
        answered(3, [], (1, 2)),
    ]
    events: list[ev.Event] = [e.fact for c in made for e in c.collect_events()]
    events.sort(key=lambda f: (f.occurred_at, str(f.complaint_id), f.version))
    return fold.tables_of(fold.replay(list(enumerate(events, start=1))))


EXPECTED = {
    "informatie": {"answers": 2, "handling_average": 4.0, "outcome_average": 2.5},
    "none": {"answers": 1, "handling_average": 1.0, "outcome_average": 2.0},
    "tijdigheid": {"answers": 1, "handling_average": 5.0, "outcome_average": 4.0},
}


def test_each_answer_counts_under_the_themes_of_its_complaint_in_sql_and_python() -> None:
    found = tables()
    assert [r["themes"] for r in found[SATISFACTION]] == [
        '["informatie", "tijdigheid"]', '["informatie"]', None]  # fmt: skip
    figures = domain.summary(found, NOW, 0)["satisfaction"]
    assert figures["by_theme"] == EXPECTED
    with tempfile.TemporaryDirectory() as folder:
        view = written(folder, found)
        assert reads.summary(view, NOW)["satisfaction"] == figures


def test_the_yearly_report_shows_satisfaction_per_theme_in_both_languages() -> None:
    fig = yearly.figures(tables(), NOW.year)
    assert fig["satisfaction"]["by_theme"] == EXPECTED
    for lang, theme, unclassified in (("nl", "Informatie", "nog niet ingedeeld"),
                                      ("en", "Information", "not yet classified")):  # fmt: skip
        doc = yearly_document.document(
            fig, lang=lang, organisation="Gemeente Voorbeeld", org=None, vocabulary=VOCABULARY,
            position=1, as_of="2026-12-31T23:00:00Z",
        )  # fmt: skip
        [section] = [s for s in doc.sections if s.key == "satisfaction"]
        rows = dict(section.rows)
        said = [label for label in rows if theme in label]
        assert said and rows[said[0]] == "2 · 4,0 · 2,5".replace(",", "," if lang == "nl" else ".")
        assert any(unclassified in label.lower() for label in rows)
