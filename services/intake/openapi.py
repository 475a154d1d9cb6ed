"""What intake's OpenAPI document says about its JSON bodies and its answers.

The handlers read the JSON themselves (services/intake/reading.py: every problem at once, in
the caller's language), so FastAPI cannot see the bodies; their schemas are generated from the
Structs that define them (services/intake/bodies.py) and attached to the routes as
``openapi_extra``. That each limit the document states is where reading starts refusing is
checked at every boundary (tests/services/intake/test_intake_openapi.py). The answers are
described here, by hand: they are built from dicts, not Structs. (Above 300 lines: one line
per route of the staff API; the answers' schemas are the next to move out.)
"""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import FastAPI

from services.intake import bodies
from services.intake.characters import NOT_BLANK
from shared.config.organisation import DEFAULT_ORGANISATION_FILE, load_organisation
from shared.config.policy import DEFAULT_POLICY_FILE
from shared.config.policy_file import load_policy
from shared.runtime import apisecurity

Schema = dict[str, Any]
REF = "#/components/schemas/"
# The document describes the shipped policy (config/policy.toml); a deployment's own policy file
# may name other priorities, which intake then accepts instead.
SHIPPED_PRIORITIES = tuple(load_policy(DEFAULT_POLICY_FILE).norms.priority)


def request_bodies() -> dict[str, Schema]:
    """The JSON Schema of every request body, from its Struct (bodies.py): nested bodies
    written out in place (each body is one schema a client or fuzzer can check alone), a
    nullable field as one ``type``/``enum`` with null, and the rules across fields added."""
    structs = list(bodies.BODIES.values())
    _, components = msgspec.json.schema_components(structs, ref_template=REF + "{name}")
    found = {}
    for name, struct in bodies.BODIES.items():
        schema = _plain(components[struct.__name__], components)
        found[name] = schema | struct.schema_extra
    priority = found["Submission"]["properties"]["priority"]
    priority["enum"] = [*SHIPPED_PRIORITIES, None]
    priority.pop("type")
    # Likewise the departments of the shipped organisation file (config/organisation.toml).
    department = found["Submission"]["properties"]["department"]
    department["enum"] = [*load_organisation(DEFAULT_ORGANISATION_FILE).departments, None]
    for key in ("type", "maxLength", "not"):
        department.pop(key, None)
    return found


def _plain(schema: Any, components: dict[str, Schema]) -> Any:
    if isinstance(schema, list):
        return [_plain(item, components) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _plain(components[schema["$ref"].removeprefix(REF)], components)
    # msgspec's "title" keyword (a string) goes; a property named "title" (an object) stays.
    plain = {
        k: _plain(v, components)
        for k, v in schema.items()
        if not (k == "title" and isinstance(v, str))
    }
    if plain.get("default", ...) is None:
        del plain["default"]
    variants = plain.pop("anyOf", None)
    if variants is None:
        return plain
    (value,) = [v for v in variants if v != {"type": "null"}]
    if "enum" in value:
        return plain | value | {"enum": [*value["enum"], None]}
    return plain | value | {"type": [value["type"], "null"]}


def _object(properties: dict[str, Schema], required: list[str], *, closed: bool = True) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "required": required}
    return schema | ({"additionalProperties": False} if closed else {})


# --- answers ----------------------------------------------------------------------------------

_RULE: Schema = {"type": "string", "description": "the rule a refusal applies, e.g. Awb 9:11 lid 2"}
FIELD_ERRORS: Schema = {
    "type": "array",
    "items": _object(
        {"field": {"type": "string"}, "message": {"type": "string"}, "rule": _RULE},
        ["field", "message"],
        closed=False,
    ),
    "description": "every problem at once, in the language of Accept-Language (nl or en)",
}
ERROR: Schema = _object(
    {
        "error": {"type": "string"},
        "message": {"type": "string", "description": "in the language of Accept-Language"},
        "reason": {"type": "string", "description": "which rule refused it (a stable code)"},
        "rule": _RULE,
    },
    ["error", "message"],
    closed=False,
)
DEADLINES = _object(
    {
        name: {"type": ["string", "null"], "format": "date-time"}
        for name in ("acknowledgement", "response", "statutory")
    }
    | {
        "statutory_provisional": {"type": "boolean"},
        "policy_version": {"type": ["string", "null"]},
    },
    ["acknowledgement", "response", "statutory"],
    closed=False,
)
STATE = _object(
    {
        "complaint_id": {"type": "string", "format": "uuid"},
        "reference": {"type": "string"},
        "status": {"type": "string"},
        "channel": {"enum": list(bodies.CHANNELS)},
        "escalation_level": {"type": "integer"},
        "version": {"type": "integer"},
        "deadlines": {"$ref": "#/components/schemas/Deadlines"},
        "assignment": {"type": "object", "description": "handler, team, department"},
        "hearing": {"type": "object", "description": "the hearing at the current level"},
        "warnings": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Error"},
            "description": "procedure steps: what the step went ahead despite (Awb 9:7)",
        },
    },
    ["complaint_id", "reference", "status", "channel", "escalation_level", "version", "deadlines"],
    closed=False,
)
RECEIPT = _object(
    {
        "complaint_id": {"type": "string", "format": "uuid"},
        "reference": {"type": "string"},
        "status": {"type": "string"},
        "links": {"type": "object"},
    },
    ["complaint_id", "reference", "status"],
    closed=False,
)
PUBLIC_STATE = _object(
    {
        "reference": {"type": "string"},
        "status": {"type": "string"},
        "deadlines": {"$ref": "#/components/schemas/Deadlines"},
    },
    ["reference", "status", "deadlines"],
    closed=False,
)
MESSAGES = _object(
    {
        "messages": {
            "type": "array",
            "items": _object(
                {
                    "event_id": {"type": "string", "format": "uuid"},
                    "occurred_at": {"type": "string", "format": "date-time"},
                    "channel": {"enum": list(bodies.CHANNELS)},
                    "verified": {"type": "boolean"},
                    "auto_reply": {"type": "boolean"},
                    "new": {
                        "type": "boolean",
                        "description": "waits for a handler (not handled, not an auto-reply)",
                    },
                    "handled_at": {"type": ["string", "null"], "format": "date-time"},
                    "text": {"type": ["string", "null"], "description": "null for readers"},
                    "sender": {"type": ["string", "null"], "description": "the From address"},
                    "attachments": {"type": "array", "items": {"type": "object"}},
                },
                ["event_id", "occurred_at", "channel", "verified", "new"],
                closed=False,
            ),
        }
    },
    ["messages"],
    closed=False,
)
# Named once in components/schemas; the routes refer to them.
SCHEMAS: dict[str, Schema] = request_bodies() | {
    "Messages": MESSAGES,
    "FieldErrors": FIELD_ERRORS,
    "Error": ERROR,
    "Receipt": RECEIPT,
    "ComplaintState": STATE,
    "PublicState": PUBLIC_STATE,
    "Deadlines": DEADLINES,
}


def install(api: FastAPI) -> None:
    """Add SCHEMAS to the app's document (FastAPI collects pydantic models only)."""
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        document = generate()  # cached by FastAPI after the first call
        document.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
        apisecurity.declare(document, token_need)
        return document

    api.openapi = openapi  # type: ignore[method-assign]


def token_need(path: str, operation: Schema) -> apisecurity.Need:
    """Everything under /api/complaints is staff's (401 without a token), except submitting,
    which the public may do too; /api/status, the pages and health are public."""
    if not path.startswith("/api/complaints"):
        return None
    return "optional" if path == "/api/complaints" else "required"


def _ref(name: str) -> Schema:
    assert name in SCHEMAS, name
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, name: str, headers: dict[str, Any] | None = None) -> Schema:
    answer: Schema = {
        "description": description,
        "content": {"application/json": {"schema": _ref(name)}},
    }
    return answer | ({"headers": headers} if headers else {})


_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}
COMMON: dict[int | str, Schema] = {
    413: _json("the body is larger than the limit", "FieldErrors"),
    415: _json("the body is not application/json", "FieldErrors"),
    422: _json("invalid input: which field and why", "FieldErrors"),
    503: _json("the complaint log is unavailable; try again", "Error", _RETRY_AFTER),
}
STAFF: dict[int | str, Schema] = {
    401: _json("no or an unknown bearer token", "Error"),
    403: _json("the token's roles do not allow this", "Error"),
}
PUBLIC: dict[int | str, Schema] = {
    429: _json("too many requests from this client", "Error", _RETRY_AFTER),
}
_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "nl (default) or en: the language of the error messages",
}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 255, "pattern": NOT_BLANK},
    "description": "the same key returns the same complaint, never a second one",
}


def _body(name: str, *parameters: Schema) -> Schema:
    content = {"application/json": {"schema": _ref(name)}}
    extra: Schema = {"requestBody": {"required": True, "content": content}}
    return extra | ({"parameters": list(parameters)} if parameters else {})


def _staff_action(
    body: str, appended: str, *, already: str = "already so", missing: str = "no such complaint"
) -> dict[str, Any]:
    return {
        "openapi_extra": _body(body, _LANGUAGE),
        "responses": {
            201: _json(f"{appended}: the complaint's state after it", "ComplaintState"),
            200: _json(f"{already}: nothing appended; the complaint's state", "ComplaintState"),
            **STAFF,
            404: _json(missing, "Error"),
            409: _json("the complaint's state does not allow this", "Error"),
            **COMMON,
        },
    }


# The keyword arguments of each route decorator in services/intake/app.py.
SUBMIT: dict[str, Any] = {
    "openapi_extra": _body("Submission", _IDEMPOTENCY_KEY, _LANGUAGE),
    "responses": {
        201: _json("registered", "Receipt", {"Location": {"schema": {"type": "string"}}}),
        200: _json("registered before with this Idempotency-Key: the same complaint", "Receipt"),
        **STAFF,
        **PUBLIC,
        **COMMON,
    },
}
RESPOND = _staff_action("Answer", "responded")
ESCALATE = _staff_action("Escalation", "escalated")
EXTEND = _staff_action("Extension", "extended")
CLOSE = _staff_action("Closure", "closed")
PAUSE_ACTION = _staff_action("Pause", "paused")
RESUME = _staff_action("Resumption", "resumed")
RESUME["openapi_extra"]["requestBody"]["required"] = False  # nothing to say
HANDLED = _staff_action(
    "Handling",
    "reaction_handled",
    already="the message was handled before (or is an auto-reply, which needs no one)",
    missing="no such complaint, or no such message on it",
)
HANDLED["openapi_extra"]["requestBody"]["required"] = False  # no body: no note
REOPEN = _staff_action("Reopening", "reopened")
# The procedure steps (services/intake/procedureapi.py): the state answered carries `warnings`.
ASSIGN = _staff_action("Assignment", "assigned", already="assigned so already")
TAKE = _staff_action("Taking", "taken from the team's queue")
TAKE["openapi_extra"]["requestBody"]["required"] = False  # nothing to say
CONDUCT_SUBJECT = _staff_action("ConductSubject", "recorded whom the complaint is about")
CONDUCT_REACTION = _staff_action(
    "ConductReaction",
    "recorded their reaction",
    missing="no such complaint, or no person complained about with that id on it",
)
INVITE = _staff_action("HearingInvitation", "invited to be heard")
HEARD = _staff_action("HearingReport", "recorded that the hearing took place")
WAIVE = _staff_action("HearingWaiver", "recorded why there is no hearing")
RESOLVE = _staff_action("InformalResolution", "resolved informally")
DECLINE = _staff_action("Declining", "declined (not handled)")
REFER = _staff_action("CommitteeReferral", "referred to the advisory committee (Awb 9:14)")
COMMITTEE_HEARD = _staff_action("CommitteeHearing", "recorded the committee's hearing")
COMMITTEE_ADVICE = _staff_action("CommitteeAdvice", "recorded the committee's advice")
MEDIATION = _staff_action("Mediation", "recorded the klachtenfunctionaris's help or mediation")
MEASURES = _staff_action("Measures", "recorded the judgement's measures (Wkkgz art. 17)")
QUESTION = _staff_action("Question", "asked the complainant (a letter with the status link)")
NOTE = _staff_action("Note", "note_added (for colleagues only)")
MESSAGES_READ: dict[str, Any] = {
    "responses": {
        200: _json("the complainant's messages, oldest first", "Messages"),
        **STAFF,
        404: _json("no such complaint", "Error"),
    },
}
STATUS: dict[str, Any] = {
    "openapi_extra": _body("StatusLookup"),
    "responses": {
        200: _json("the complainant's own complaint (no personal data)", "PublicState"),
        404: _json("no complaint matches this reference and e-mail", "Error"),
        **PUBLIC,
        **COMMON,
    },
}
