"""The case page's timeline says every recorded fact in words: each golden event's details
(tests/shared/golden) hold no code in Dutch or English, also where two event types share a
field name with different values (``kind`` of an assignment and of a mediation)."""

from __future__ import annotations

import re
from pathlib import Path

from services.intake.status import staff_events
from services.reporting import workspace_pages, workspace_words
from shared.config.organisation import load_organisation, organisation_file
from shared.contract import events as ev

GOLDEN = Path(__file__).parents[2] / "shared" / "golden"
CODE = re.compile(r"\b[a-z]+_[a-z_]+\b|\b(?:support|mediation|take|assign|reassign)\b")


def _golden() -> list[ev.Event]:
    facts = []
    for path in sorted(GOLDEN.glob("*.json")):
        try:
            facts.append(ev.decode(path.read_bytes()))
        except Exception:  # a file of another shape (a schema, a list)
            continue
    return facts


def test_every_golden_event_is_detailed_without_a_code() -> None:
    org = load_organisation(organisation_file())
    facts = _golden()
    assert len(facts) >= len(ev.EVENT_TYPES) - 4
    for item in staff_events(facts):
        for lang in ("nl", "en"):
            t = workspace_pages.TEXTS[lang]
            said = ", ".join(workspace_words.details(item["fields"], t, org, lang, item["type"]))
            assert not CODE.search(said), (item["type"], lang, said)


def test_a_mediation_says_its_kind_and_an_assignment_its_own() -> None:
    t = workspace_pages.TEXTS["nl"]
    mediation = workspace_words.details({"kind": "mediation"}, t, None, "nl", "mediation_recorded")
    en = workspace_pages.TEXTS["en"]
    support = workspace_words.details({"kind": "support"}, en, None, "en", "mediation_recorded")
    taken = workspace_words.details({"kind": "take"}, t, None, "nl", "assigned")
    assert mediation == [t["steps"]["mediation_kinds"]["mediation"]]
    assert support == [en["steps"]["mediation_kinds"]["support"]]
    assert taken == [t["assignment_kinds"]["take"]]
