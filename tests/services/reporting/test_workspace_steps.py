"""The procedure's forms and the registration form without a stack: the bodies relayed to
intake's staff API are intake's bodies, times are the organisation's zone with its offset,
every code of the contract a page may show has words in both languages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args

import msgspec
import pytest

from services.intake import bodies
from services.reporting import workspace, workspace_register, workspace_steps, workspace_words
from shared.contract import events as ev

pytestmark = pytest.mark.unit
RID = "0b8f6c1e-3f0a-4c7e-9d55-6b1f3c1e0a11"


def test_a_day_and_time_are_the_organisations_zone_with_its_offset() -> None:
    assert workspace_steps.moment("2026-12-07", "14:05") == "2026-12-07T14:05:00+01:00"
    assert workspace_steps.moment("2026-07-07", "14:05") == "2026-07-07T14:05:00+02:00"
    assert workspace_steps.moment("7-12-2026", "14:05") == "7-12-2026 14:05"  # intake refuses


@pytest.mark.parametrize(
    ("action", "form", "body_type"),
    [
        ("assign", {"team": "balie", "handler": ""}, bodies.AssignmentBody),
        ("conduct", {"employee": "anna", "email": "a@example.nl"}, bodies.ConductSubjectBody),
        ("reaction", {"text": "Mijn kant"}, bodies.ConductReactionBody),
        (
            "invite",
            {"at": "2026-12-20", "at_time": "10:00", "mode": "in_person", "place": "Stadhuis"},
            bodies.HearingInvitationBody,
        ),
        (
            "heard",
            {"held_at": "2026-12-01", "held_at_time": "10:00", "mode": "phone", "report": "x"},
            bodies.HearingReportBody,
        ),
        ("waive", {"ground": "complainant_waived"}, bodies.HearingWaiverBody),
        (
            "resolve",
            {
                "means": "apology",
                "confirmed_by": "phone",
                "confirmed_at": "2026-12-01",
                "confirmed_at_time": "09:00",
                "text": "Excuses aangeboden",
            },
            bodies.InformalResolutionBody,
        ),
        (
            "decline",
            {"grounds": "already_handled\ninsufficient_interest", "explanation": "Eerder."},
            bodies.DecliningBody,
        ),
        ("take", {}, bodies.TakingBody),
        ("refer", {"note": ""}, bodies.CommitteeReferralBody),
        (
            "committee_heard",
            {"held_at": "2026-12-01", "held_at_time": "10:00", "mode": "video", "report": "x"},
            bodies.CommitteeHearingBody,
        ),
        (
            "advice",
            {
                "advice": "unfounded",
                "advised_at": "2026-12-01",
                "advised_at_time": "10:00",
                "text": "Advies",
            },
            bodies.CommitteeAdviceBody,
        ),
        (
            "respond",
            {
                "text": "x",
                "resolution": "unfounded",
                "departs_from_advice": "yes",
                "departure_reasons": "Omdat",
            },
            bodies.AnswerBody,
        ),
    ],
)
def test_each_step_sends_its_staff_api_body(
    action: str, form: dict[str, str], body_type: type
) -> None:
    sent = workspace._body(action, {**form, "version": "3", "_action": action})
    decoded = msgspec.convert(sent, body_type)  # intake's own reader would accept it
    assert decoded is not None
    assert workspace._endpoint(action, {"subject_id": RID}) is not None


def test_the_reaction_route_names_a_uuid_only() -> None:
    path = workspace._endpoint("reaction", {"subject_id": RID})
    assert path == f"conduct-subjects/{RID}/reaction"
    assert workspace._endpoint("reaction", {"subject_id": "../closure"}) is None


def test_a_registration_is_intakes_submission_with_the_receipt_time() -> None:
    form = {
        "channel": "phone", "received_at": "2026-12-01", "received_at_time": "09:30",
        "name": "Piet Bakker", "email": "piet@example.nl", "phone": "", "language": "en",
        "subject": "Container", "description": "Overgeslagen.", "category": "", "key": "k",
    }  # fmt: skip
    sent = workspace_register.body(form)
    assert sent["received_at"] == "2026-12-01T09:30:00+01:00"
    assert sent["complainant"]["language"] == "en" and sent["category"] is None
    assert msgspec.convert(sent, bodies.SubmissionBody).channel == "phone"
    by_post = workspace_register.body(
        {**form, "email": "", "address": "Dorpsstraat 1\n1234 AB Ons Dorp"}
    )
    assert by_post["complainant"]["email"] is None
    assert msgspec.convert(by_post, bodies.SubmissionBody).complainant.address


def test_every_code_a_page_shows_has_words_in_both_languages() -> None:
    tables = {
        "statuses": ("submitted", "acknowledged", "responded", "escalated", "closed",
                     "resolved_informally", "declined"),
        "channels": get_args(ev.Channel),
        "resolutions": get_args(ev.Resolution),
        "modes": get_args(ev.HearingMode),
        "waiver_grounds": get_args(ev.HearingWaiverGround),
        "means_options": get_args(ev.InformalMeans),
        "confirmations": get_args(ev.Confirmation),
        "decline_grounds": get_args(ev.DeclineGround),
        "assignment_kinds": get_args(ev.AssignmentKind),
        "escalation_reasons": get_args(ev.EscalationReason),
        "letters": get_args(ev.LetterKind),
    }  # fmt: skip
    for lang in ("nl", "en"):
        t = workspace.TEXTS[lang]
        for table, codes in tables.items():
            missing = [c for c in codes if c not in t[table]]
            assert not missing, (lang, table, missing)
        for field in workspace_words.SHOWN:
            assert field in t["field_words"], (lang, field)


def test_event_details_and_actors_are_words() -> None:
    t = workspace.TEXTS["nl"]
    said = workspace_words.details(
        {"resolution": "partly_well_founded", "kind": "take", "grounds": ["already_handled"]},
        t,
        None,
        "nl",
    )
    assert said == [
        "opgepakt",
        "oordeel: Gedeeltelijk gegrond",
        "gronden: Eerder ingediend en behandeld (Awb 9:8 lid 1 onder a)",
    ]
    assert workspace_words.actor("complainant:email", t, None, "nl") == "de klager"
    assert workspace_words.actor("staff:anna", t, None, "nl") == "anna"


def test_a_clock_that_ended_unmet_is_neither_running_nor_late() -> None:
    state = {
        "status": "declined",
        "acknowledged": False,
        "deadlines": {
            "acknowledgement": "2026-03-04T23:00:00+00:00",
            "response": "2026-03-09T23:00:00+00:00",
            "statutory": "2026-04-14T22:00:00+00:00",
        },
    }
    now = datetime(2026, 5, 1, tzinfo=UTC)
    clocks = workspace._clocks(state, now)
    assert all(c["ended"] and not c["overdue"] for c in clocks)
    assert not any(c["ended"] for c in workspace._clocks({**state, "status": "acknowledged"}, now))
