"""The workspace's decisions without a stack: conflicts, the extension refusal, both clocks,
the intake URL and the bodies it relays to intake's staff API (the whole path runs in
tests/e2e/test_people_journey.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.reporting import workspace
from shared.config.policy import DEFAULT_POLICY_FILE
from shared.rules import refusals

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
T = workspace.TEXTS["nl"]


def _state(**overrides: Any) -> dict[str, Any]:
    state = {
        "status": "acknowledged",
        "acknowledged": True,
        "extensions": 0,
        "deadlines": {
            "acknowledgement": "2026-03-04T23:00:00+00:00",
            "response": "2026-03-09T23:00:00+00:00",
            "statutory": "2026-04-14T22:00:00+00:00",
        },
    }
    return state | overrides


def _event(version: int, kind: str, actor: str = "staff:sam") -> dict[str, Any]:
    return {"version": version, "type": kind, "actor": actor, "occurred_at": NOW.isoformat()}


def test_a_colleagues_action_since_the_page_was_rendered_is_a_conflict() -> None:
    events = [_event(1, "submitted", "complainant"), _event(2, "extended")]
    message = workspace._conflict(events, 1, T, "nl")
    assert message is not None and "sam" in message and "termijn verdaagd" in message
    assert workspace._conflict(events, 2, T, "nl") is None


def test_letters_and_acknowledgements_are_no_conflict() -> None:
    events = [_event(2, "acknowledged", "notifier"), _event(3, "letter_sent", "notifier")]
    assert workspace._conflict(events, 1, T, "nl") is None


def test_extension_is_refused_by_the_rules_after_the_statutory_deadline_and_after_one() -> None:
    assert workspace._extension(_state(), NOW, "nl") == {"max_weeks": 4, "refusal": None}
    late = _state(deadlines={**_state()["deadlines"], "statutory": "2026-03-01T23:00:00+00:00"})
    too_late = refusals.words(refusals.Refusal("extension_too_late", "Awb 9:11 lid 2"), "en")
    assert workspace._extension(late, NOW, "en")["refusal"] == too_late
    once = workspace._extension(_state(extensions=1), NOW, "nl")["refusal"]
    assert once is not None and "al eens verdaagd" in once and "Awb 9:11 lid 2" in once
    closed = workspace._extension(_state(status="closed"), NOW, "nl")
    assert closed["refusal"] == T["extend_not_open"]


def test_the_extension_form_offers_the_policys_weeks_not_four(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = DEFAULT_POLICY_FILE.read_text("utf-8").replace(
        "max_extension_weeks = 4", "max_extension_weeks = 2", 1
    )
    (tmp_path / "policy.toml").write_text(text, "utf-8")
    monkeypatch.setenv("KLACHTEN_POLICY_FILE", str(tmp_path / "policy.toml"))
    extension = workspace._extension(_state(), NOW, "nl")
    assert extension == {"max_weeks": 2, "refusal": None}
    assert "hoogstens {max} weken" in T["extend_hint"]  # the number comes from the policy


def test_both_clocks_with_overdue_marked() -> None:
    clocks = {c["kind"]: c for c in workspace._clocks(_state(), NOW)}
    assert clocks["acknowledgement"]["met"] and not clocks["acknowledgement"]["overdue"]
    assert clocks["response"]["overdue"] and clocks["response"]["clock"] == "internal"
    assert not clocks["statutory"]["overdue"] and clocks["statutory"]["clock"] == "statutory"


def test_deadlines_are_shown_as_their_due_day() -> None:
    # The deadline instant is local midnight after the due day: Tuesday 14 April is due.
    assert workspace._day("2026-04-14T22:00:00+00:00", "nl") == "dinsdag 14 april 2026"
    assert workspace._day("2026-04-14T22:00:00+00:00", "en") == "Tuesday 14 April 2026"


def test_the_intake_url_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KLACHTEN_INTAKE_URL", raising=False)
    monkeypatch.setenv("KLACHTEN_INTAKE_PORT", "9123")
    assert workspace.intake_url() == "http://127.0.0.1:9123"
    monkeypatch.setenv("KLACHTEN_INTAKE_URL", "http://intake.internal:8080/")
    assert workspace.intake_url() == "http://intake.internal:8080"


def test_action_bodies_are_the_staff_api_bodies() -> None:
    assert workspace._body("respond", {"text": "x", "resolution": "unfounded"}) == {
        "text": "x",
        "resolution": "unfounded",
    }
    assert workspace._body("extend", {"weeks": "2", "reason": "r"}) == {"weeks": 2, "reason": "r"}
    assert workspace._body("escalate", {"text": ""}) == {"reason": "staff_decision", "text": None}
    assert workspace._body("close", {"outcome": "withdrawn"}) == {
        "outcome": "withdrawn",
        "note": None,
    }


def test_every_text_exists_in_both_languages() -> None:
    assert set(workspace.TEXTS["nl"]) == set(workspace.TEXTS["en"])


def test_message_actions_are_the_staff_api_bodies_and_paths() -> None:
    rid = "0b8f6c1e-3f0a-4c7e-9d55-6b1f3c1e0a11"
    assert workspace._body("handled", {"event_id": rid, "note": ""}) == {"note": None}
    assert workspace._endpoint("handled", {"event_id": rid}) == f"reactions/{rid}/handled"
    assert workspace._endpoint("handled", {"event_id": "../closure"}) is None
    assert workspace._body("reopen", {"reason": "terug", "reaction_event_id": rid}) == {
        "reason": "terug",
        "reaction_event_id": rid,
    }
    assert workspace._body("escalate", {"reaction_event_id": rid}) == {
        "reaction_event_id": rid,
        "text": None,
    }
    assert workspace._endpoint("reopen", {}) == "reopening"


def test_a_colleague_reopening_is_a_conflict() -> None:
    events = [_event(4, "closed"), _event(5, "reopened")]
    assert workspace._conflict(events, 4, T, "nl") is not None
