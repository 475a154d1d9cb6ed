"""What intake's OpenAPI document says about its JSON bodies and its answers.

The handlers read and validate JSON themselves (services/intake/domain.py: every problem at
once, in the caller's language), so FastAPI cannot see the bodies; these JSON Schemas describe
the same rules for clients and fuzzers and are attached to the routes as ``openapi_extra``.
Choices and patterns come from domain.py; fields, lengths, ranges and required fields are
checked against the validators at every boundary (tests/services/intake/test_intake_openapi.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from services.intake import domain
from shared.config.policy import DEFAULT_POLICY_FILE
from shared.config.policy_file import load_policy
from shared.runtime import apisecurity

Schema = dict[str, Any]
# Not only blanks, by Python's str.strip(): ECMA-262's \s lacks \x1c-\x1f and \x85.
NOT_BLANK = r"[^\s\x1c-\x1f\x85]"


def _text(
    max_len: int, *, required: bool = False, description: str | None = None, lines: bool = False
) -> Schema:
    """A required text must hold more than blanks; an optional one may be null or absent."""
    unsafe = domain.UNSAFE_MULTI_LINE if lines else domain.UNSAFE_SINGLE_LINE
    schema: Schema = {
        "type": "string",
        "maxLength": max_len,
        "not": {"type": "string", "pattern": unsafe},
    }
    if required:
        schema["pattern"] = NOT_BLANK
    else:
        schema["type"] = ["string", "null"]
    return schema | ({"description": description} if description else {})


def _object(properties: dict[str, Schema], required: list[str], *, closed: bool = True) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "required": required}
    return schema | ({"additionalProperties": False} if closed else {})


COMPLAINANT = _object(
    {
        "name": _text(200, required=True),
        "email": {
            "type": "string",
            "maxLength": 254,
            "pattern": domain.EMAIL.pattern,
            "not": {"type": "string", "pattern": domain.UNSAFE_SINGLE_LINE},
        },
        "phone": {
            "type": ["string", "null"],
            "maxLength": 40,
            "pattern": domain.PHONE.pattern,
            "not": {"type": "string", "pattern": "^ | $"},  # checked after stripping
        },
        "address": _text(500, lines=True),
        "language": {
            "enum": ["nl", "en", None],
            "description": "language of the letters; default: the request's Accept-Language",
        },
    },
    ["name", "email"],
)
# The document describes the shipped policy (config/policy.toml); a deployment's own policy file
# may name other priorities, which intake then accepts instead.
SHIPPED_PRIORITIES = tuple(load_policy(DEFAULT_POLICY_FILE).norms.priority)
SUBMISSION = _object(
    {
        "channel": {
            "enum": list(domain.CHANNELS),
            "description": f"the public may use {' and '.join(domain.PUBLIC_CHANNELS)}; "
            "other channels are registered by staff",
        },
        "complainant": COMPLAINANT,
        "subject": _text(200, required=True),
        "description": _text(20_000, required=True, lines=True),
        "category": _text(100),
        "desired_outcome": _text(5_000, lines=True),
        "received_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "staff only (phone calls and letters): when it was received, "
            "RFC 3339 with an offset, from 2000 until now; the legal clock runs from it",
        },
        "priority": {
            "enum": [*SHIPPED_PRIORITIES, None],
            "description": "staff only: a priority of the complaints policy (its "
            "norms.priority keys; these are the shipped policy's); it selects the policy's "
            "internal norms",
        },
    },
    ["channel", "complainant", "subject", "description"],
)
RESPONSE = _object(
    {
        "text": _text(
            50_000, required=True, lines=True, description="the answer to the complainant"
        ),
        "resolution": {"enum": list(domain.RESOLUTIONS)},
    },
    ["text", "resolution"],
)
_MESSAGE_ID: Schema = {
    "type": ["string", "null"],
    "pattern": domain.UUID_TEXT.pattern,
    "description": "the event id of one of the complainant's messages on this complaint",
}
ESCALATION = _object(
    {
        "reason": {
            "enum": [*domain.ESCALATION_REASONS, None],
            "description": "required unless reaction_event_id is given; from a message the "
            "default is complainant_request (staff_decision when the message is unverified)",
        },
        "reaction_event_id": _MESSAGE_ID
        | {"description": "escalate from this message: it is marked handled in the same save"},
        "level": {
            "type": ["integer", "null"],
            "minimum": 1,
            "maximum": 10,
            "description": "default: one level up; an integer literal (2, not 2.0)",
        },
        "target": _text(100, description="default: the ladder's handler of that level"),
        "text": _text(20_000, lines=True),
    },
    [],
) | {
    "if": {
        "properties": {"reaction_event_id": {"type": "string"}},
        "required": ["reaction_event_id"],
    },
    "then": True,
    "else": {
        "properties": {"reason": {"enum": list(domain.ESCALATION_REASONS)}},
        "required": ["reason"],
    },
}
HANDLING = _object(
    {
        "note": _text(
            5_000, lines=True, description="what was done with the message (kept, not sent)"
        )
    },
    [],
)
REOPENING = _object(
    {
        "reason": _text(
            5_000, required=True, lines=True, description="why the complaint is handled again"
        ),
        "reaction_event_id": _MESSAGE_ID
        | {"description": "reopened because of this message: it is marked handled too"},
    },
    ["reason"],
)
EXTENSION = _object(
    {
        "weeks": {
            "type": "integer",
            "minimum": 1,
            "maximum": 52,
            "description": "at most the complaints policy's max_extension_weeks for the "
            "complaint's regime (the law: 4, Awb 9:11 lid 2), once, before the term ends and "
            "before the answer; more only with the complainant's consent; an integer literal "
            "(2, not 2.0). Refusals name the rule (422 for the weeks, else 409)",
        },
        "reason": _text(5_000, required=True, lines=True),
        "with_consent": {"type": "boolean", "default": False},
    },
    ["weeks", "reason"],
)
PAUSE = _object(
    {
        "reason": _text(
            5_000,
            required=True,
            lines=True,
            description="what the complaint waits for from the complainant; the policy's "
            "[pausing] clocks stand still until /resume, the statutory term never does",
        )
    },
    ["reason"],
)
CLOSURE = _object(
    {
        "outcome": {"enum": list(domain.OUTCOMES)},
        "note": _text(
            20_000,
            lines=True,
            description="required when not_handled (Awb 9:8: the reason); not_handled only "
            "within four weeks of receipt (Awb 9:8 lid 3), else 409 naming the rule",
        ),
    },
    ["outcome"],
) | {
    "if": {"properties": {"outcome": {"const": "not_handled"}}, "required": ["outcome"]},
    "then": {
        "properties": {"note": {"type": "string", "pattern": NOT_BLANK}},
        "required": ["note"],
    },
}
# Unknown fields are tolerated here: the lookup answers 404 for anything that does not match.
STATUS_LOOKUP = _object(
    {
        "reference": {"type": "string", "examples": ["KL-2026-000042"]},
        "email": {"type": "string", "description": "the complainant's e-mail address"},
    },
    ["reference", "email"],
    closed=False,
)

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
        "channel": {"enum": list(domain.CHANNELS)},
        "escalation_level": {"type": "integer"},
        "version": {"type": "integer"},
        "deadlines": {"$ref": "#/components/schemas/Deadlines"},
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
                    "channel": {"enum": list(domain.CHANNELS)},
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
SCHEMAS: dict[str, Schema] = {
    "Submission": SUBMISSION,
    "Answer": RESPONSE,
    "Escalation": ESCALATION,
    "Extension": EXTENSION,
    "Closure": CLOSURE,
    "Pause": PAUSE,
    "Resumption": _object({}, []),
    "Handling": HANDLING,
    "Reopening": REOPENING,
    "Messages": MESSAGES,
    "StatusLookup": STATUS_LOOKUP,
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
