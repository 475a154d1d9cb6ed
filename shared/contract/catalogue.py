"""The published contract (docs/events.schema.json, docs/events.md), generated from
shared/contract/events.py so it cannot drift: an exact JSON Schema, and a catalogue in plain
words with the allowed values."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import msgspec.inspect as mi

from shared.contract import events as ev

PERSONAL = "personal (sealed per complainant, erasable)"
SCHEMA_ID = "https://klachten.example/schemas/events.schema.json"
# What intake writes (services/intake/domain.py format_reference; a test holds them together).
REFERENCE_PATTERN = "^KL-[0-9]{4}-[0-9]{6,}$"
SHA256 = {"pattern": "^[0-9a-f]{64}$"}  # hashlib's hexdigest
# Formats as msgspec writes them; a pattern as well as the format, because validators check
# formats only when asked to (JSON Schema 2020-12 makes `format` an annotation by default).
FORMAT_PATTERNS = {
    "date-time": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?"
    "(Z|[+-][0-9]{2}:[0-9]{2})$",
    "date": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "uuid": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
}
PATTERN_WORDS = {
    REFERENCE_PATTERN: "`KL-<year>-<number>` with at least six digits (`KL-2026-000123`)",
    SHA256["pattern"]: "64 lower-case hex digits (SHA-256)",
}
# Bounds per (struct name, field): what klachten never writes otherwise. ("Event", …) holds
# for every event type.
BOUNDS: dict[tuple[str, str], dict[str, Any]] = {
    ("Event", "version"): {"minimum": 1},
    ("Submitted", "reference"): {"pattern": REFERENCE_PATTERN},
    ("Escalated", "level"): {"minimum": 1},
    ("Responded", "level"): {"minimum": 0},
    ("Extended", "weeks"): {"minimum": 1},
    ("AttachmentRef", "size"): {"minimum": 0},
    ("AttachmentRef", "sha256"): SHA256,
    ("RefusedAttachment", "size"): {"minimum": 0},
    ("LetterRecord", "content_sha256"): SHA256,
    ("LetterRecord", "document_sha256"): SHA256,
    ("SatisfactionRecorded", "handling"): {"minimum": 1, "maximum": 5},
    ("SatisfactionRecorded", "outcome"): {"minimum": 1, "maximum": 5},
}
# A sealed event carries its personal part only inside `sealed` (both objects: refused).
SEALED_OR_PERSONAL = {
    "required": ["sealed", "personal"],
    "properties": {"sealed": {"type": "object"}, "personal": {"type": "object"}},
}
# What every event's own fields mean (the catalogue's first table).
EVENT_FIELDS = {
    "event_id": "the event's id; also its `Nats-Msg-Id`",
    "complaint_id": "the complaint; also the subject's `<complaint_id>`",
    "version": "its place in the complaint's history (1 = `submitted`); the subject's `<version>`",
    "occurred_at": "when it happened as klachten decided it (not the storage time)",
    "actor": "who: `staff:<name>`, `complainant:<channel>`, `notifier`, `sla-monitor`, …",
    "correlation_id": "the complaint id on every event written since contract 1.4; older "
    "events may have `null`",
    "causation_id": "the event that caused this one: a letter's event, the event that recorded "
    "the dates an SLA escalation missed; `null` for a person's own decision (a staff action, a "
    "submission) and on older events",
    "sealed": "the encrypted personal part (key id, nonce, ciphertext); never with `personal`",
    "erased": "`true` once the complainant's key was destroyed: the personal part is gone",
}


def json_schema() -> dict[str, Any]:
    """The published contract: msgspec's schema of the events, made exact (JSON Schema 2020-12
    with an id, date-time/date/uuid formats with patterns, bounds, and `sealed` excluding
    `personal`). Unknown properties stay allowed: readers ignore fields added later (rule 4)."""
    schema = ev.json_schema()
    structs = _structs()
    for name, definition in schema["$defs"].items():
        props = definition.get("properties", {})
        owners = (name, "Event") if structs[name] in ev.EVENT_TYPES else (name,)
        for f in mi.type_info(structs[name]).fields:  # type: ignore[attr-defined]
            if _has(f.type, mi.DateTimeType):  # msgspec leaves the format out
                _typed_branch(props[f.encode_name], "pattern")["format"] = "date-time"
        _pattern_formats(definition)
        for field, prop in props.items():
            for owner in owners:
                for key, value in BOUNDS.get((owner, field), {}).items():
                    _typed_branch(prop, key).update({key: value})
        if "sealed" in props and "personal" in props:
            definition["not"] = SEALED_OR_PERSONAL
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "klachten complaint events",
        **schema,
    }


def _pattern_formats(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") in FORMAT_PATTERNS:
            node["pattern"] = FORMAT_PATTERNS[node["format"]]
        for value in node.values():
            _pattern_formats(value)
    elif isinstance(node, list):
        for value in node:
            _pattern_formats(value)


def _has(t: mi.Type, kind: type[mi.Type]) -> bool:
    return isinstance(t, kind) or (
        isinstance(t, mi.UnionType) and any(isinstance(u, kind) for u in t.types)
    )


def _typed_branch(prop: dict[str, Any], key: str) -> dict[str, Any]:
    """The part of a property a bound applies to: its string (pattern) or integer branch."""
    wanted = "string" if key == "pattern" else "integer"
    return next(b for b in prop.get("anyOf", [prop]) if b.get("type") == wanted)


def _structs() -> dict[str, type[msgspec.Struct]]:
    return {
        c.__name__: c
        for c in vars(ev).values()
        if isinstance(c, type) and issubclass(c, msgspec.Struct) and c is not ev.Struct
    }


# --- the catalogue in plain words --------------------------------------------------------------


def _words(t: mi.Type, bounds: dict[str, Any]) -> str:
    """A field's type as a reader of the JSON sees it, with its allowed values."""
    if isinstance(t, mi.UnionType):
        parts = [_words(u, bounds) for u in t.types if not isinstance(u, mi.NoneType)]
        nullable = any(isinstance(u, mi.NoneType) for u in t.types)
        return " or ".join(parts) + (" or `null`" if nullable else "")
    if isinstance(t, mi.LiteralType):
        return "one of " + ", ".join(f"`{v}`" for v in t.values)
    if isinstance(t, mi.ListType):
        return f"list of {_words(t.item_type, {})}"
    if isinstance(t, mi.StructType):
        return f"[{t.cls.__name__}](#{t.cls.__name__.lower()})"
    simple = {
        mi.StrType: "text",
        mi.IntType: "integer",
        mi.BoolType: "`true` or `false`",
        mi.UUIDType: "UUID (lower case, with hyphens)",
        mi.DateTimeType: "date-time (RFC 3339 with offset)",
        mi.DateType: "date (`YYYY-MM-DD`)",
    }
    text = simple.get(type(t), type(t).__name__)
    if "pattern" in bounds:
        pattern = bounds["pattern"]
        text += ", " + PATTERN_WORDS.get(pattern, f"matching `{pattern}`")
    if "minimum" in bounds:
        text += f" ≥ {bounds['minimum']}"
    if "maximum" in bounds:
        text += f" ≤ {bounds['maximum']}"
    return text


def _rows(cls: type[msgspec.Struct], skip: set[str], notes: dict[str, str]) -> list[str]:
    rows = []
    owners = (cls.__name__, "Event") if cls in ev.EVENT_TYPES else (cls.__name__,)
    for f in mi.type_info(cls).fields:  # type: ignore[attr-defined]
        if f.name in skip:
            continue
        bounds = next((BOUNDS[(o, f.name)] for o in owners if (o, f.name) in BOUNDS), {})
        note = PERSONAL if f.name == "personal" else ("required" if f.required else "optional")
        if not f.required and f.default not in (None, msgspec.NODEFAULT, [], False):
            shown = f.default if isinstance(f.default, str) else msgspec.json.encode(f.default)
            note += f", default `{shown if isinstance(shown, str) else shown.decode()}`"
        if f.name in notes:
            note += f": {notes[f.name]}"
        rows.append(f"| `{f.encode_name}` | {_words(f.type, bounds)} | {note} |")
    return ["| field | type and allowed values | |", "|---|---|---|", *rows]


def _meaning(cls: type) -> str:
    """The first paragraph of a docstring, on one line, in Markdown."""
    return " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split()).replace("``", "`")


def _first_sentence(text: str) -> str:
    return re.split(r"\.\s+(?=[A-Z])", text, maxsplit=1)[0].removesuffix(".") + "."


def _value_objects() -> list[type[msgspec.Struct]]:
    """Every struct an event contains, in the order events.py defines them."""
    events = set(ev.EVENT_TYPES) | {ev.Event}
    return [c for c in _structs().values() if c not in events]


def markdown() -> str:
    out = [
        "# Event catalogue",
        "",
        "Generated from `shared/contract/events.py` by `klachten schema`; do not edit by hand.",
        "The exact form is [events.schema.json](events.schema.json) (JSON Schema 2020-12); its",
        "history is the [contract changelog](contract-changelog.md).",
        "Subject: `complaints.<complaint_id>.<version>.<event_type>`; body: JSON with `type`.",
        "Headers: `Nats-Msg-Id` (= `event_id`), `Klachten-Topic`, `Klachten-Prev-Hash`,",
        "`Klachten-Hash` (sha256 over previous hash, subject, topic and body).",
        "A field shown `or null` may also be absent in older events; unknown fields are to be",
        "ignored (evolution rule 4). An event has either `personal` or `sealed`, never both.",
        "",
        "| event_type | type | meaning |",
        "|---|---|---|",
    ]
    for cls in ev.EVENT_TYPES:
        meaning = _first_sentence(_meaning(cls))
        out.append(f"| `{ev.subject_token(cls)}` | `{ev.tag_of(cls)}` | {meaning} |")
    out += ["", "## Fields every event has", "", *_rows(ev.Event, set(), EVENT_FIELDS)]
    base = {f.name for f in msgspec.structs.fields(ev.Event)}
    for cls in ev.EVENT_TYPES:
        own = [f for f in msgspec.structs.fields(cls) if f.name not in base]
        out += ["", f"## `{ev.tag_of(cls)}`", "", _meaning(cls), ""]
        out += _rows(cls, base, {}) if own else ["No own fields."]
    out += ["", "## Parts of events", ""]
    out += ["Objects inside events; a personal part is sealed in the log.", ""]
    for cls in _value_objects():
        out += [f"### {cls.__name__}", ""]
        out += [_meaning(cls), ""] if cls.__doc__ else []
        out += _rows(cls, set(), {})
        out.append("")
    out += [
        "## Evolution rules",
        "",
        (ev.__doc__ or "").split("Schema evolution rules")[1].split(":", 1)[1].strip(),
    ]
    return "\n".join(out) + "\n"
