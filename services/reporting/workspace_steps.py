"""The procedure's steps in the workspace (issue 16, docs/procedure.md): take, assign and
reassign, the person complained about and their reaction, the hearing (invite, report, waive),
informal resolution and declining; the advisory committee (Awb 9.1.3: referral, its hearing,
its advice); the Wkkgz route (mediation by the klachtenfunctionaris, the judgement's measures
with their days) and a further extension with the complainant's written consent (Awb 9:11
lid 2). Two forms are checked here before they are relayed (``router``): the measures (rows
added and removed by re-rendering the page, so no script is needed) and the consent (its day
and how it was given, which the notice letter states in the complaint's language).
Above 300 lines: every step's body, the two checked forms' checks and their routes sit
together, so a form and what it sends are read in one place.

Each is a form on the complaint page whose fields are relayed as the body of one route of
intake's staff API (services/intake/procedureapi.py), exactly as the other actions are
(workspace.py). Times are typed as a day and a time in the organisation's zone (the policy's
``[calendar].timezone``) and sent as RFC 3339 with that offset; a time that is no time is sent
as typed, so intake refuses it in the user's words on that field. The organisation file gives
the choices (members, teams, departments) by their names, never their ids.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi import Request

from services.reporting import dashboard_pages
from services.reporting.http import staff_member
from shared.config.organisation import Organisation, load_organisation, organisation_file
from shared.config.policy import local_zone, policy_in_force
from shared.runtime import words

# action -> the route under /api/complaints/{id}
ENDPOINTS = {
    "take": "take",
    "assign": "assignment",
    "conduct": "conduct-subjects",
    "reaction": "conduct-subjects/{subject_id}/reaction",
    "invite": "hearing/invitation",
    "heard": "hearing/report",
    "waive": "hearing/waiver",
    "resolve": "informal-resolution",
    "decline": "declining",
    "refer": "committee/referral",
    "committee_heard": "committee/hearing",
    "advice": "committee/advice",
    "mediate": "mediation",
    "measures": "measures",
    "extend_consent": "extensions",
}
# The staff action (shared/runtime/staff.py) each form needs: a form is shown only to who may.
NEEDS = {"mediate": "mediate", "measures": "respond", "extend_consent": "extend"}
MOST_MEASURES = 20  # rows of the measures form
CONSENT_WAYS = ("letter", "email", "signed_form", "message")
# Form fields that may come more than once (checkboxes): kept as one value per line.
MULTI = frozenset({"grounds"})
# Appended by a colleague since the page was rendered: look again before acting.
CONFLICTING = {
    "assigned", "conduct_subject_recorded", "conduct_subject_reacted", "hearing_invited",
    "hearing_held", "hearing_waived", "resolved_informally", "declined",
    "referred_to_committee", "committee_hearing_held", "committee_advised",
    "mediation_recorded", "measures_promised",
}  # fmt: skip


def moment(day: str, clock: str) -> str:
    """A day (YYYY-MM-DD) and a time (HH:MM) in the organisation's zone as RFC 3339; what
    is no day or time is returned as typed (intake refuses it, naming the field)."""
    try:
        local = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock or "00:00"))
    except ValueError:
        return f"{day} {clock}".strip()
    return local.replace(tzinfo=local_zone()).isoformat()


def _opt(form: dict[str, str], key: str) -> str | None:
    return form.get(key) or None


def body(action: str, form: dict[str, str]) -> dict[str, Any]:
    """The staff API body of a step from its form fields."""
    if action == "take":
        return {}
    if action == "assign":
        return {k: _opt(form, k) for k in ("handler", "team", "department", "reason")}
    if action == "conduct":
        return {k: _opt(form, k) for k in ("employee", "unit", "name", "email", "role")}
    if action == "reaction":
        return {"text": form.get("text", "")}
    if action == "invite":
        return {
            "at": moment(form.get("at", ""), form.get("at_time", "")),
            "mode": form.get("mode", ""),
            "place": _opt(form, "place"),
            "note": _opt(form, "note"),
            "conduct_subject_invited": form.get("conduct_subject_invited") == "yes",
        }
    if action == "heard":
        return {
            "held_at": moment(form.get("held_at", ""), form.get("held_at_time", "")),
            "mode": form.get("mode", ""),
            "report": form.get("report", ""),
            "conduct_subject_heard": form.get("conduct_subject_heard") == "yes",
        }
    if action == "waive":
        return {"ground": form.get("ground", ""), "explanation": _opt(form, "explanation")}
    if action == "resolve":
        return {
            "means": form.get("means", ""),
            "confirmed_by": form.get("confirmed_by", ""),
            "confirmed_at": moment(form.get("confirmed_at", ""), form.get("confirmed_at_time", "")),
            "text": form.get("text", ""),
        }
    if action == "decline":
        grounds = [g for g in form.get("grounds", "").split("\n") if g]
        return {"grounds": grounds, "explanation": form.get("explanation", "")}
    if action == "refer":
        return {"note": _opt(form, "note")}
    if action == "committee_heard":
        return {
            "held_at": moment(form.get("held_at", ""), form.get("held_at_time", "")),
            "mode": form.get("mode", ""),
            "report": form.get("report", ""),
            "conduct_subject_heard": form.get("conduct_subject_heard") == "yes",
        }
    if action == "advice":
        return {
            "advice": form.get("advice", ""),
            "advised_at": moment(form.get("advised_at", ""), form.get("advised_at_time", "")),
            "text": form.get("text", ""),
        }
    if action == "mediate":
        agreed = {"yes": True, "no": False}.get(form.get("agreed", ""))
        return {
            "kind": form.get("kind", ""),
            "held_at": moment(form.get("held_at", ""), form.get("held_at_time", "")),
            "text": form.get("text", ""),
            "agreed": agreed if form.get("kind") == "mediation" else None,
        }
    if action == "measures":
        return {"measures": [{"description": d, "due": due} for d, due in measure_rows(form)
                             if d or due]}  # fmt: skip
    if action == "extend_consent":
        weeks = form.get("weeks", "")
        return {
            "weeks": int(weeks) if weeks.isascii() and weeks.isdigit() else weeks,
            "reason": consent_reason(form),
            "with_consent": True,
        }
    raise KeyError(action)


def measure_rows(form: dict[str, str]) -> list[tuple[str, str]]:
    """(description, day) of every row of the measures form, blank rows included and the
    rows ticked to be left out left out."""
    rows = form.get("rows", "")
    count = min(int(rows), MOST_MEASURES) if rows.isascii() and rows.isdigit() else 1
    return [(form.get(f"measure_{i}_description", ""), form.get(f"measure_{i}_due", ""))
            for i in range(1, count + 1) if form.get(f"measure_{i}_remove") != "yes"]  # fmt: skip


def consent_reason(form: dict[str, str]) -> str:
    """The reason the notice letter gives, in the complaint's language (``letter_language``):
    the complainant's written consent, its day and how it came, then the handler's reason."""
    lang = "en" if form.get("letter_language") == "en" else "nl"
    t = dashboard_pages.WORKSPACE_TEXTS[lang]["steps"]
    try:
        day = words.long_date(date.fromisoformat(form.get("consent_on", "")), lang)
    except ValueError:
        return form.get("reason", "")  # checked before it is sent (problems)
    way = t["consent_ways_letter"].get(form.get("consent_how", ""), "")
    said = str(t["consent_letter"]).format(day=day, how=way)
    return f"{said}\n{form.get('reason', '')}".strip()


def problems(action: str, form: dict[str, str], today: date, t: dict[str, Any]) -> list[dict]:
    """What the workspace itself refuses before relaying (the rules decide the rest): a
    measure with words but no day or the other way round; a consent without its day (not
    in the future) or without how it was given. Each names its field, in the user's words."""
    found = []
    if action == "measures":
        typed = measure_rows(form)
        if not any(text or due for text, due in typed):
            found.append(
                {"id": "measures-measure_1_description", "message": str(t["measures_empty"])}
            )
        for i, (text, due) in enumerate(typed, start=1):
            if text and not due:
                found.append({"id": f"measures-measure_{i}_due",
                              "message": str(t["measure_no_day"]).format(n=i)})  # fmt: skip
            elif due and not text:
                found.append({"id": f"measures-measure_{i}_description",
                              "message": str(t["measure_no_words"]).format(n=i)})  # fmt: skip
    if action == "extend_consent":
        try:
            given = date.fromisoformat(form.get("consent_on", ""))
        except ValueError:
            given = None
        if given is None or given > today:
            found.append({"id": "extend_consent-consent_on", "message": str(t["consent_no_day"])})
        if form.get("consent_how") not in CONSENT_WAYS:
            found.append({"id": "extend_consent-consent_how", "message": str(t["consent_no_way"])})
    return found


def may(request: Request) -> frozenset[str]:
    """The forms of this module the signed-in staff member may use (NEEDS)."""
    member = staff_member(request)
    if member is None:
        return frozenset()
    return frozenset(f for f, act in NEEDS.items() if member.may(act))  # type: ignore[arg-type]


def endpoint(action: str, form: dict[str, str]) -> str | None:
    """The route of a step; None for a person complained about whose id is no UUID."""
    if action != "reaction":
        return ENDPOINTS[action]
    try:
        return ENDPOINTS[action].format(subject_id=UUID(form.get("subject_id", "")))
    except ValueError:
        return None


def next_level(level: int, lang: str) -> dict[str, Any] | None:
    """Where an escalation from `level` goes: the next level of the policy's ladder (the rules
    go one level at a time) with its name in the user's language and its role, who handles
    it unless the form names someone else; None at the top."""
    found = policy_in_force()[0].level(level + 1)
    if found is None:
        return None
    return {"level": found.level, "name": (lang == "en" and found.name_en) or found.name,
            "role": found.role}  # fmt: skip


@lru_cache(maxsize=4)
def _organisation(path: str, mtime: float) -> Organisation | None:
    try:
        return load_organisation(path)
    except Exception:  # intake stops on a broken file; the workspace just offers no names
        return None


def organisation(configured: str = "") -> Organisation | None:
    """The organisation file as intake reads it (re-read when it changes), or None."""
    path = organisation_file(configured)
    try:
        mtime = Path(path).stat().st_mtime
    except OSError:
        return None
    return _organisation(str(path), mtime)


def choices(org: Organisation | None, lang: str) -> dict[str, list[tuple[str, str]]]:
    """(id, name) of members, teams and departments, by name, in the user's language."""
    if org is None:
        return {"members": [], "teams": [], "departments": []}

    def named(entry: Any) -> str:
        return str((lang == "en" and getattr(entry, "name_en", "")) or entry.name)

    def listing(entries: dict[str, Any]) -> list[tuple[str, str]]:
        return sorted(((k, named(v)) for k, v in entries.items()), key=lambda kv: kv[1].lower())

    return {
        "members": listing(org.members),
        "teams": listing(org.teams),
        "departments": listing(org.departments),
    }


def name_of(org: Organisation | None, kind: str, key: str | None, lang: str) -> str:
    """The name of a member, team or department id; the id itself when it is not (or no
    longer) in the file; a dash for none."""
    if not key:
        return "—"
    entry = getattr(org, kind, {}).get(key) if org is not None else None
    if entry is None:
        return key
    return str((lang == "en" and getattr(entry, "name_en", "")) or entry.name)
