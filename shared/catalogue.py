"""The event catalogue (docs/events.md), generated from the contract so it cannot drift."""

from __future__ import annotations

import msgspec

from shared import events as ev

PERSONAL = "personal (sealed per complainant, erasable)"


def _type_name(t: object) -> str:
    text = getattr(t, "__name__", None) or str(t)
    return text.replace("typing.", "").replace("shared.events.", "")


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
        "Generated from `shared/events.py` by `klachten schema`; do not edit by hand.",
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
