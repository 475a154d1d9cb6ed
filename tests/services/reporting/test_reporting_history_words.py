"""Every event type and every code the history can meet has words in Dutch and English (a
code printed in the audit trail is a missing word), and an older store is folded again."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import get_args
from uuid import uuid4

from eventsourcing.persistence import Tracking

from services.reporting import event_words as w
from services.reporting import fold
from services.reporting.complaints_log import SOURCE_NAME
from services.reporting.view_backends import open_view
from shared.contract import events as ev
from tests.services.reporting.test_reporting_fold import submitted

CODES = {
    "ASSIGNMENT_KINDS": ev.AssignmentKind,
    "HEARING_MODES": ev.HearingMode,
    "WAIVER_GROUNDS": ev.HearingWaiverGround,
    "DECLINE_GROUNDS": ev.DeclineGround,
    "INFORMAL_MEANS": ev.InformalMeans,
    "CONFIRMATIONS": ev.Confirmation,
    "RESOLUTIONS": ev.Resolution,
    "OUTCOMES": ev.Outcome,
    "MEDIATION_KINDS": ev.MediationKind,
}


def test_every_event_type_has_a_name_in_both_languages() -> None:
    tokens = {ev.subject_token(cls) for cls in ev.EVENT_TYPES}
    for lang in ("nl", "en"):
        assert tokens <= set(w.EVENT_NAMES[lang]), tokens - set(w.EVENT_NAMES[lang])


def test_every_code_has_words_in_both_languages() -> None:
    for table, literal in CODES.items():
        for lang in ("nl", "en"):
            assert set(get_args(literal)) <= set(getattr(w, table)[lang]), (table, lang)


def test_a_store_missing_a_table_or_a_column_is_folded_again(tmp_path: Path) -> None:
    db = str(tmp_path / "view.sqlite3")
    view = open_view(db)
    view.apply_batch([(1, submitted(uuid4()))], Tracking(SOURCE_NAME, 1))
    assert view.position() == 1
    for change in (
        f"DROP TABLE {fold.HEARINGS}",  # a table added by a later version
        f"ALTER TABLE {fold.COMPLAINTS} DROP COLUMN hearing_ground",  # a column added later
    ):
        with sqlite3.connect(db) as raw:
            raw.execute(change)
        again = open_view(db)
        assert again.position() == 0  # the runner folds the whole log again
        assert again.rows(fold.COMPLAINTS) == [] and again.rows(fold.HEARINGS) == []
        again.apply_batch([(1, submitted(uuid4()))], Tracking(SOURCE_NAME, 1))


def test_every_golden_event_is_said_without_a_code() -> None:
    """One of each event as the contract publishes it (tests/shared/golden): its words hold no
    code (a token with an underscore) in either language."""
    golden = Path(__file__).parents[2] / "shared" / "golden"
    seen = set()
    for path in sorted(golden.glob("*.json")):
        try:
            fact = ev.decode(path.read_bytes())
        except Exception:
            continue
        seen.add(type(fact))
        for lang in ("nl", "en"):
            said = w.describe(fact, lang)
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", said), (path.name, lang, said)
    assert len(seen) >= len(ev.EVENT_TYPES) - 2, set(ev.EVENT_TYPES) - seen
