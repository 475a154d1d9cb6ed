"""The published interface documents in docs/: the OpenAPI documents of intake and reporting and
the AsyncAPI 3.0 document of the event log. `klachten schema` writes them; tests fail when a
file is stale (tests/klachten/test_apidocs.py).

faststream's own AsyncAPI generation fails on msgspec Structs, so the event log's document is
built here from what already defines it: the addresses (shared/contract/subjects.py), the payloads
(msgspec's JSON Schema of the contract, shared/contract/events.py), the dead-letter headers
(shared/contract/deadletters.py), who appends what (the NATS permissions,
shared/config/permissions.py) and who reads what (the consumers' filters)."""

from __future__ import annotations

import json
from typing import Any

import msgspec

from services.intake.app import create_app as intake_app
from services.intake.settings import IntakeSettings
from services.notifier.app import ERASURE_EVENTS, LETTER_EVENTS
from services.reporting.app import create_app as reporting_app
from services.reporting.settings import ReportingSettings
from shared.config import permissions
from shared.contract import catalogue, deadletters, subjects
from shared.contract import events as ev
from shared.eventstore import persistence as store

Document = dict[str, Any]
SCHEMAS = "#/components/schemas/"
EVENTS = "complaintEvents"
DEAD_LETTERS = "deadLetters"


def documents() -> dict[str, Document]:
    """File name in docs/ → document. Creating the apps connects to nothing (that is lifespan)."""
    return {
        "openapi-intake.json": published(intake_app(IntakeSettings()).openapi()),
        "openapi-reporting.json": published(reporting_app(ReportingSettings()).openapi()),
        "asyncapi.json": asyncapi(),
    }


# Each service serves its own document (/openapi.json): its paths are on the same origin, which
# a deployment chooses (klachten up: intake on 127.0.0.1:8000, reporting on 127.0.0.1:8001).
SERVERS = [{"url": "/", "description": "the origin that serves this document (/openapi.json)"}]
# Reporting's staff pages (/dashboard, /workspace…) answer 401 with the sign-in page to whoever
# is not signed in (services/reporting/workspace_pages.py `login`), and POST /login answers 401
# to an unknown token; FastAPI cannot see that, so it is said here. The operations that read no
# input at all (health, metrics, `/`, logout, the vocabulary) have no client error: redocly.yaml
# exempts exactly those from `operation-4xx-response`.
SIGNED_IN_PAGES = ("/dashboard", "/workspace")
SIGN_IN = {"description": "not signed in: the sign-in page (HTML)"}
LOGIN_REFUSED = {"description": "an unknown token: the sign-in page again (HTML)"}


def published(document: Document) -> Document:
    """What the published document adds to the app's own: where it is served (``servers``)
    and the staff pages' sign-in answers. The documents lint clean with Redocly's
    ``recommended`` rules (redocly.yaml; tests/test_openapi_lint.py)."""
    document = {"openapi": document["openapi"], "servers": SERVERS} | document
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            answers = operation.setdefault("responses", {})
            if path.startswith(SIGNED_IN_PAGES):
                answers.setdefault("401", SIGN_IN)
            elif (method, path) == ("post", "/login"):
                answers.setdefault("401", LOGIN_REFUSED)
    return document


def dumps(document: Document) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def asyncapi() -> Document:
    payloads, _ = msgspec.json.schema_components(ev.EVENT_TYPES, ref_template=SCHEMAS + "{name}")
    exact = json.dumps(catalogue.json_schema()["$defs"]).replace("#/$defs/", SCHEMAS)
    schemas = json.loads(
        exact
    )  # the published contract's definitions (shared/contract/catalogue.py)
    messages = {
        ev.subject_token(cls): _event_message(cls, payload)
        for cls, payload in zip(ev.EVENT_TYPES, payloads, strict=True)
    }
    messages["deadLetter"] = _dead_letter_message()
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "klachten event log",
            "version": "1.0.0",
            "description": (
                f"The JetStream stream `{subjects.COMPLAINTS_STREAM}` is the log of record: one "
                "message per complaint event, never updated or deleted. Analysts filter by type "
                "(`complaints.*.*.escalated`) or by complaint (`complaints.<id>.>`). The stream "
                "also holds `tracking.<application>` records (eventsourcing's positions). "
                f"Consumers put what they give up on in `{subjects.DEADLETTER_STREAM}`. "
                "Event catalogue and evolution rules: docs/events.md."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "embedded": {
                "host": "127.0.0.1:4222",
                "protocol": "nats",
                "description": "`klachten up`; every service has its own NATS user "
                "(config/nats-permissions.conf)",
            }
        },
        "channels": {EVENTS: _events_channel(), DEAD_LETTERS: _dead_letters_channel()},
        "operations": _operations(),
        "components": {
            "messages": messages,
            "schemas": schemas | {"EventHeaders": EVENT_HEADERS, "DeadLetterHeaders": DL_HEADERS},
        },
    }


def _event_message(cls: type[ev.Event], payload: Document) -> Document:
    return {
        "name": ev.tag_of(cls),
        "title": cls.__name__,
        "summary": (cls.__doc__ or "").strip().splitlines()[0],
        "contentType": "application/json",
        "headers": {"$ref": SCHEMAS + "EventHeaders"},
        "payload": payload,
        "correlationId": {"location": "$message.payload#/correlation_id"},
    }


def _dead_letter_message() -> Document:
    return {
        "name": "dead letter",
        "title": "DeadLetter",
        "summary": "A message a consumer gave up on, byte for byte as it was",
        "contentType": "application/octet-stream",
        "headers": {"$ref": SCHEMAS + "DeadLetterHeaders"},
        "payload": {
            "description": "the original message's body, unchanged (it may be undecodable: "
            "that can be why it is here)"
        },
    }


def _text(description: str) -> Document:
    return {"type": "string", "description": description}


EVENT_HEADERS: Document = {
    "type": "object",
    "properties": {
        "Nats-Msg-Id": _text("the event_id: JetStream drops a duplicate append"),
        store.TOPIC_HEADER: _text("eventsourcing's topic of the domain event"),
        store.PREV_HASH_HEADER: _text("Klachten-Hash of the complaint's previous event, '' first"),
        store.HASH_HEADER: _text("sha256 over the previous hash, subject, topic and body (hex)"),
        "traceparent": _text(
            "W3C trace context of the append's span; the trace id is the complaint id "
            "(optional, outside the hash chain)"
        ),
    },
    "required": ["Nats-Msg-Id", store.TOPIC_HEADER, store.PREV_HASH_HEADER, store.HASH_HEADER],
}
DL_HEADERS: Document = {
    "type": "object",
    "properties": {
        deadletters.REASON: _text("why the consumer gave up (one line)"),
        deadletters.CONSUMER: _text("the consumer that gave up"),
        deadletters.STREAM: _text("the stream the original message is in"),
        deadletters.STREAM_SEQ: _text("its sequence in that stream (decimal)"),
        deadletters.SUBJECT: _text("its subject, where the consumer had it"),
        deadletters.DELIVERIES: _text("deliveries before giving up (durable consumers only)"),
        "Nats-Msg-Id": _text("<consumer>:<stream>:<sequence>: dead-lettered once"),
    },
    "required": [
        deadletters.REASON,
        deadletters.CONSUMER,
        deadletters.STREAM,
        deadletters.STREAM_SEQ,
    ],
}


def _events_channel() -> Document:
    tokens = list(_tokens())
    return {
        "address": subjects.event_subject("{complaint_id}", "{version}", "{event_type}"),  # type: ignore[arg-type]
        "title": f"complaint events ({subjects.COMPLAINTS_STREAM})",
        "messages": {t: {"$ref": f"#/components/messages/{t}"} for t in tokens},
        "parameters": {
            "complaint_id": {"description": "the complaint's UUID, canonical text form"},
            "version": {"description": "the event's position in the complaint's history: 1, 2, …"},
            "event_type": {"enum": tokens, "description": "the body's `type` after `complaint.`"},
        },
    }


def _dead_letters_channel() -> Document:
    return {
        "address": subjects.deadletter_subject("{consumer}"),
        "title": f"dead letters ({subjects.DEADLETTER_STREAM})",
        "messages": {"deadLetter": {"$ref": "#/components/messages/deadLetter"}},
        "parameters": {
            "consumer": {"enum": _dead_letter_consumers(), "description": "who gave up"}
        },
    }


def _tokens() -> tuple[str, ...]:
    return tuple(ev.subject_token(cls) for cls in ev.EVENT_TYPES)


def _published(user: str) -> tuple[str, ...]:
    spec = permissions.SPEC[user]
    return spec.publish if spec else ()


def _dead_letter_consumers(user: str | None = None) -> list[str]:
    prefix = subjects.deadletter_subject("")
    users = [user] if user else list(permissions.SPEC)
    return sorted(
        s.removeprefix(prefix) for u in users for s in _published(u) if s.startswith(prefix)
    )


WHY_APPEND = {
    "intake": "registers complaints and the complainant's and staff's actions",
    "notifier": "records the letters it sent",
    "sla_monitor": "escalates when a deadline is missed",
    "privacy": "records an erasure (`klachten privacy erase`)",
}
WHY_READ = {
    "notifier": (
        LETTER_EVENTS + ERASURE_EVENTS,
        "sends the letters these events call for (an erasure: removes the paper letters)",
    ),
    "sla_monitor": (_tokens(), "recomputes the deadlines and schedules their timers"),
    "reporting": (_tokens(), "projects the whole log into the read models"),
}


def _operations() -> Document:
    """Sends: what each NATS user may publish (the server enforces it); receives: the filters."""
    operations: Document = {}
    for user in permissions.SPEC:
        tokens = [t for t in _tokens() if subjects.events_of_type(t) in _published(user)]
        if tokens:
            why = f"{user} {WHY_APPEND.get(user, 'appends')}"
            operations[f"{user}_appends"] = _operation("send", EVENTS, tokens, why)
    for user, (tokens, why) in WHY_READ.items():
        operations[f"{user}_reads"] = _operation("receive", EVENTS, list(tokens), f"{user} {why}")
    for user in permissions.SPEC:
        if consumers := _dead_letter_consumers(user):
            why = f"{user} dead-letters what it gives up on (consumer {', '.join(consumers)})"
            operations[f"{user}_dead_letters"] = _operation(
                "send", DEAD_LETTERS, ["deadLetter"], why
            )
    return operations


def _operation(action: str, channel: str, messages: list[str], summary: str) -> Document:
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel}"},
        "summary": summary,
        "messages": [{"$ref": f"#/channels/{channel}/messages/{m}"} for m in messages],
    }
