"""The event catalogue (docs/events.md), generated from the contract so it cannot drift."""

from __future__ import annotations

from typing import Any

import msgspec
import msgspec.inspect as mi

from shared.contract import events as ev

PERSONAL = "personal (sealed per complainant, erasable)"
SCHEMA_ID = "https://klachten.example/schemas/events.schema.json"
# What intake writes (services/intake/domain.py format_reference; a test holds them together).
REFERENCE_PATTERN = "^KL-[0-9]{4}-[0-9]{6,}$"
# RFC 3339 as msgspec writes it; a pattern as well as the format, because validators check
# formats only when asked to (JSON Schema 2020-12 makes `format` an annotation by default).
DATE_TIME = {
    "format": "date-time",
    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?"
    "(Z|[+-][0-9]{2}:[0-9]{2})$",
}
# Bounds per event (struct name, field): what the aggregate never writes otherwise.
BOUNDS: dict[tuple[str, str], dict[str, Any]] = {
    ("Event", "version"): {"minimum": 1},
    ("Submitted", "reference"): {"pattern": REFERENCE_PATTERN},
    ("Escalated", "level"): {"minimum": 1},
    ("Responded", "level"): {"minimum": 0},
    ("Extended", "weeks"): {"minimum": 1},
}
# A sealed event carries its personal part only inside `sealed` (both objects: refused).
SEALED_OR_PERSONAL = {
    "required": ["sealed", "personal"],
    "properties": {"sealed": {"type": "object"}, "personal": {"type": "object"}},
}


def json_schema() -> dict[str, Any]:
    """The published contract: msgspec's schema of the events, made exact (JSON Schema 2020-12
    with an id, date-time formats and patterns, bounds, and `sealed` excluding `personal`).
    Unknown properties stay allowed: old readers ignore fields added later (evolution rule 1)."""
    schema = ev.json_schema()
    defs = schema["$defs"]
    structs = {c.__name__: c for c in vars(ev).values() if _is_struct(c)}
    for name, definition in defs.items():
        props = definition.get("properties", {})
        for f in mi.type_info(structs[name]).fields:  # type: ignore[attr-defined]
            if _has(f.type, mi.DateTimeType):
                _string_branch(props[f.encode_name]).update(DATE_TIME)
            owners = (name, "Event") if structs[name] in ev.EVENT_TYPES else (name,)
            for owner in owners:
                props[f.encode_name].update(BOUNDS.get((owner, f.encode_name), {}))
        if "sealed" in props and "personal" in props:
            definition["not"] = SEALED_OR_PERSONAL
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "klachten complaint events",
        **schema,
    }


def _is_struct(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, msgspec.Struct)


def _has(t: mi.Type, kind: type[mi.Type]) -> bool:
    return isinstance(t, kind) or (
        isinstance(t, mi.UnionType) and any(isinstance(u, kind) for u in t.types)
    )


def _string_branch(prop: dict[str, Any]) -> dict[str, Any]:
    """The `{"type": "string"}` part of a property (itself, or its non-null anyOf branch)."""
    return next(b for b in prop.get("anyOf", [prop]) if b.get("type") == "string")


def _type_name(t: object) -> str:
    text = getattr(t, "__name__", None) or str(t)
    return text.replace("typing.", "").replace("shared.contract.events.", "")


def _fields(cls: type[msgspec.Struct]) -> list[str]:
    rows = []
    for f in msgspec.structs.fields(cls):
        required = f.default is msgspec.NODEFAULT and f.default_factory is msgspec.NODEFAULT
        note = PERSONAL if f.name == "personal" else ("required" if required else "optional")
        rows.append(f"| `{f.name}` | `{_type_name(f.type)}` | {note} |")
    return rows


def markdown() -> str:
    out = [
        "# Event catalogue",
        "",
        "Generated from `shared/contract/events.py` by `klachten schema`; do not edit by hand.",
        "Subject: `complaints.<complaint_id>.<version>.<event_type>`; body: JSON with `type`.",
        "Headers: `Nats-Msg-Id` (= `event_id`), `Klachten-Topic`, `Klachten-Prev-Hash`,",
        "`Klachten-Hash` (sha256 over previous hash, subject, topic and body).",
        "",
        "| event_type | type | meaning |",
        "|---|---|---|",
    ]
    for cls in ev.EVENT_TYPES:
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        out.append(f"| `{ev.subject_token(cls)}` | `{ev.tag_of(cls)}` | {doc} |")
    out += ["", "## Fields every event has", "", "| field | type | |", "|---|---|---|"]
    out += _fields(ev.Event)
    base = {f.name for f in msgspec.structs.fields(ev.Event)}
    for cls in ev.EVENT_TYPES:
        own = [
            r
            for r, f in zip(_fields(cls), msgspec.structs.fields(cls), strict=True)
            if f.name not in base
        ]
        out += ["", f"## `{ev.tag_of(cls)}`", ""]
        out += ["| field | type | |", "|---|---|---|", *own] if own else ["No own fields."]
    out += [
        "",
        "## Evolution rules",
        "",
        (ev.__doc__ or "").split("Schema evolution rules")[1].split(":", 1)[1].strip(),
    ]
    return "\n".join(out) + "\n"
