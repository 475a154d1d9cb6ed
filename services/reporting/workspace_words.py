"""What the workspace says about recorded facts, in the user's language (texts.json): who
acted, and an event's details in words rather than the codes the log stores
(``resolution: partly_well_founded`` reads "oordeel: Gedeeltelijk gegrond")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.reporting import event_words
from shared.config.organisation import Organisation
from shared.runtime import words

# field -> the texts.json table that says its values in words
_VALUES = {
    "resolution": "resolutions",
    "outcome": "outcomes",
    "channel": "channels",
    "reason": "escalation_reasons",
    "kind": "assignment_kinds",
    "ground": "waiver_grounds",
    "grounds": "decline_grounds",
    "mode": "modes",
    "means": "means_options",
    "confirmed_by": "confirmations",
}
# where event types share a field name with other values: (event type, field) -> the table
_VALUES_OF_TYPE = {("mediation_recorded", "kind"): "steps.mediation_kinds"}
_MOMENTS = ("at", "held_at")
_BARE = frozenset({"kind"})  # its value says it all ("opgepakt")
_ORGANISATION = {
    "handler": "members", "employee": "members", "team": "teams", "department": "departments",
    "unit": "teams",
}  # fmt: skip
SHOWN = ("kind", "handler", "team", "department", "resolution", "level", "reason", "weeks",
         "with_consent", "outcome", "disagrees", "channel", "unit", "mode", "at", "held_at",
         "ground", "grounds", "means", "confirmed_by")  # fmt: skip


def event_name(token: str, lang: str) -> str:
    """The event's name in words: the audit trail's (event_words.py), one list for both."""
    return event_words.name(token, lang)


def actor(text: str, t: dict[str, Any], org: Organisation | None, lang: str) -> str:
    """'staff:anna' → Anna's name in the organisation file (else 'anna'); 'complainant:email'
    → 'de klager'; a service → what it is."""
    kind, _, who = str(text).partition(":")
    if kind == "staff":
        member = org.members.get(who) if org is not None else None
        return member.name if member is not None else who
    return str(t["actors"].get(kind, who or kind))


def compact(text: str | None, lang: str) -> str:
    """An instant for tables, in the organisation's zone: '5 december 2026, 14:05'."""
    if not text:
        return words.NO_DATE
    local = words.local(datetime.fromisoformat(text.replace("Z", "+00:00")))
    month = words.MONTHS[words.language(lang)][local.month - 1]
    return f"{local.day} {month} {local.year}, {local:%H:%M}"


def moment(text: str | None, lang: str) -> str:
    """An instant in the organisation's zone, in words ('maandag 7 december 2026 om 14:05')."""
    if not text:
        return words.NO_DATE
    return words.date_time(datetime.fromisoformat(text.replace("Z", "+00:00")), lang)


def value(
    field: str,
    raw: Any,
    t: dict[str, Any],
    org: Organisation | None,
    lang: str,
    event_type: str = "",
) -> str:
    """One field's value in words; ``event_type`` (the timeline's, e.g. 'mediation_recorded')
    picks the table where a field name means different things in different events."""
    if isinstance(raw, bool):
        return str(t["yes"] if raw else t["no"])
    if isinstance(raw, list):
        return "; ".join(value(field, item, t, org, lang, event_type) for item in raw)
    table = _VALUES_OF_TYPE.get((event_type, field)) or _VALUES.get(field)
    if table is not None:
        said: dict[str, Any] = t
        for key in table.split("."):  # "steps.mediation_kinds": the steps' own table
            said = said[key]
        return str(said.get(raw, raw))
    if field in _MOMENTS:
        return moment(str(raw), lang)
    if field in _ORGANISATION and org is not None:
        entry = getattr(org, _ORGANISATION[field]).get(raw)
        if field == "unit" and entry is None:
            entry = org.departments.get(raw)
        if entry is not None:
            return str((lang == "en" and getattr(entry, "name_en", "")) or entry.name)
    return str(raw)


def details(
    fields: dict[str, Any],
    t: dict[str, Any],
    org: Organisation | None,
    lang: str,
    event_type: str = "",
) -> list[str]:
    """An event's facts worth a handler's eye, each as 'word: value in words'."""
    out = []
    for field in SHOWN:
        if field in fields and fields[field] not in (None, "", []):
            said = value(field, fields[field], t, org, lang, event_type)
            out.append(said if field in _BARE else f"{t['field_words'][field]}: {said}")
    letter = fields.get("letter")
    if isinstance(letter, dict) and letter.get("kind"):
        kind = t["letters"].get(letter["kind"], letter["kind"])
        out.append(str(t["letter_kinds"]).format(kind=kind))
    return out
