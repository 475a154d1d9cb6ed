"""How staff work the complaints `klachten demo` submits, as a desk does and by the procedure
(docs/procedure.md): ownership from the organisation file (assign to a handler or a team's
queue, take from one's own team's queue), the hearing or a ground to waive it before the
answer (Awb 9:10), informal resolution (9:5), declining (9:8), extension and escalation on
request. Every step goes through intake's staff API with the staff token."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.config.organisation import OrganisationError, load_organisation, organisation_file
from shared.config.settings import Settings
from shared.runtime.staff import ALL_ROLES_NAME

DECLINED = 4  # the one complaint declined (Awb 9:8): an API complaint, well within four weeks


class DemoError(RuntimeError):
    """The stack did not accept the demo's input (not running, wrong token, …)."""


@dataclass
class DemoResult:
    submitted: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)  # 409: the complaint's state forbade
    backdated: int = 0


@dataclass(frozen=True)
class Desk:
    """Who works the demo's complaints: the token's holder (every role), the teams of the
    organisation file and which of them the holder is a member of."""

    staff: dict[str, str]
    handler: str | None  # the holder, when the organisation file lists them as a member
    own_teams: tuple[str, ...]
    other_teams: tuple[str, ...]


def desk_of(settings: Settings, token: str) -> Desk:
    staff = {"Authorization": f"Bearer {token}"}
    try:
        organisation = load_organisation(organisation_file(settings.organisation_file))
    except OrganisationError:
        return Desk(staff, None, (), ())  # intake refuses to start on it too: no assignments
    member = organisation.member(ALL_ROLES_NAME)
    mine = member.teams if member else ()
    others = tuple(t for t in organisation.teams if t not in mine)
    return Desk(staff, ALL_ROLES_NAME if member else None, mine, others)


def own(http: httpx.Client, desk: Desk, path: str, rng: random.Random, result: DemoResult) -> None:
    """The coordinator hands most new complaints to a handler or a team's queue; the handler
    takes some from their own team's queue; a few wait unassigned."""
    roll = rng.random()
    if desk.handler is not None and roll < 0.4:
        _act(http, desk, f"{path}/assignment", {"handler": desk.handler}, "assigned", result)
    elif desk.own_teams and roll < 0.65:
        team = rng.choice(desk.own_teams)
        _act(http, desk, f"{path}/assignment", {"team": team}, "queued", result)
        _act(http, desk, f"{path}/take", None, "taken", result)
    elif desk.other_teams and roll < 0.85:
        team = rng.choice(desk.other_teams)
        _act(http, desk, f"{path}/assignment", {"team": team}, "queued", result)


def follow_up(
    http: httpx.Client, desk: Desk, path: str, rng: random.Random, result: DemoResult
) -> None:
    """Move the complaint along as a handler would: escalated or extended, resolved
    informally, or heard (or the hearing waived on a ground) and then answered."""
    roll = rng.random()
    if roll < 0.1:
        body = {"reason": "complainant_request", "text": "Klager wil de leidinggevende spreken."}
        _act(http, desk, f"{path}/escalations", body, "escalated", result)
    elif roll < 0.2:
        body = {"weeks": 4, "reason": "Advies van de vakafdeling nodig.", "with_consent": False}
        _act(http, desk, f"{path}/extensions", body, "extended", result)
    elif roll < 0.3:
        body = {
            "means": rng.choice(("phone_call", "apology", "fix")),
            "confirmed_by": "phone",
            "confirmed_at": datetime.now(UTC).isoformat(),
            "text": "Telefonisch besproken en opgelost; klager is tevreden.",
        }
        _act(http, desk, f"{path}/informal-resolution", body, "resolved_informally", result)
    elif roll < 0.85 and _heard(http, desk, path, rng, result):
        resolution = rng.choice(("well_founded", "partly_well_founded", "unfounded"))
        body = {"text": "Wij hebben uw klacht onderzocht.", "resolution": resolution}
        if _act(http, desk, f"{path}/responses", body, "responded", result) and rng.random() < 0.6:
            _act(http, desk, f"{path}/closure", {"outcome": "resolved"}, "closed", result)


def _heard(
    http: httpx.Client, desk: Desk, path: str, rng: random.Random, result: DemoResult
) -> bool:
    """Awb 9:10: invite and hear the complainant, or waive the hearing on a ground. False
    while an invited complainant has not been heard yet (no answer before that)."""
    roll = rng.random()
    if roll < 0.45:
        at = (datetime.now(UTC) + timedelta(minutes=1)).isoformat(timespec="seconds")
        invitation = {"at": at, "mode": "phone", "note": "Wij bellen u op het bekende nummer."}
        if not _act(http, desk, f"{path}/hearing/invitation", invitation, "invited", result):
            return False
        if rng.random() < 0.25:
            return False  # the hearing is still to come
        report = {"held_at": at, "mode": "phone", "report": "Klager lichtte de klacht toe."}
        return _act(http, desk, f"{path}/hearing/report", report, "heard", result)
    if roll < 0.8:
        waiver = {"ground": "complainant_waived"}
    else:
        explanation = "De klacht gaat over een besluit waartegen bezwaar loopt."
        waiver = {"ground": "manifestly_unfounded", "explanation": explanation}
    return _act(http, desk, f"{path}/hearing/waiver", waiver, "hearing_waived", result)


def decline(http: httpx.Client, desk: Desk, path: str, result: DemoResult) -> None:
    body = {
        "grounds": ["objection_possible"],
        "explanation": "Tegen dit besluit kunt u bezwaar maken; de klachtprocedure is daar "
        "niet voor bedoeld.",
    }
    _act(http, desk, f"{path}/declining", body, "declined", result)


def _act(
    http: httpx.Client,
    desk: Desk,
    path: str,
    body: dict[str, Any] | None,
    label: str,
    result: DemoResult,
) -> bool:
    """One staff step; True when it was done (201) or already so (200)."""
    response = http.post(path, json=body, headers=desk.staff)
    if response.status_code in (200, 201):
        result.actions[label] += 1
        return True
    if response.status_code == 409:  # the state forbids it now (e.g. escalated meanwhile)
        result.refused[label] += 1
        return False
    raise DemoError(f"POST {path}: {response.status_code} {response.text[:300]}")
