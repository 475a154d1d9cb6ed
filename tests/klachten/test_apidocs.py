"""The published interface documents (docs/openapi-*.json, docs/asyncapi.json) are current, and
the AsyncAPI document holds together: every event of the contract has a message whose payload
resolves to the contract's schema, and every reference points at something.

Regenerate with ``klachten schema`` and commit the result.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from klachten import apidocs
from shared.contract import deadletters, subjects
from shared.contract import events as ev

DOCS = Path(__file__).parents[2] / "docs"
GOLDEN = Path(__file__).parents[1] / "shared" / "golden"


@pytest.fixture(scope="module")
def asyncapi() -> dict[str, Any]:
    return json.loads((DOCS / "asyncapi.json").read_text(encoding="utf-8"))


def test_the_published_documents_are_current() -> None:
    generated = apidocs.documents()
    assert set(generated) == {"openapi-intake.json", "openapi-reporting.json", "asyncapi.json"}
    for name, document in generated.items():
        published = (DOCS / name).read_text(encoding="utf-8")
        assert published == apidocs.dumps(document), f"docs/{name} is stale: run `klachten schema`"


def test_the_openapi_documents_describe_both_services() -> None:
    intake = json.loads((DOCS / "openapi-intake.json").read_text(encoding="utf-8"))
    reporting = json.loads((DOCS / "openapi-reporting.json").read_text(encoding="utf-8"))
    assert intake["info"]["title"] == "klachten intake"
    assert "requestBody" in intake["paths"]["/api/complaints"]["post"]
    assert "/api/complaints/{key}/history" in reporting["paths"]
    assert "/api/reports/annual/{year}" in reporting["paths"]


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref}: only references inside the document"
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_reference_resolves(asyncapi: dict[str, Any]) -> None:
    found = list(refs(asyncapi))
    assert len(found) > 50
    for ref in found:
        assert resolve(asyncapi, ref) is not None, ref


def test_version_and_one_message_per_event_type(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["asyncapi"] == "3.0.0"
    channel = asyncapi["channels"]["complaintEvents"]
    assert channel["address"] == subjects.event_subject(
        "{complaint_id}", "{version}", "{event_type}"
    )  # type: ignore[arg-type]
    tokens = [ev.subject_token(cls) for cls in ev.EVENT_TYPES]
    assert channel["parameters"]["event_type"]["enum"] == tokens
    assert list(channel["messages"]) == tokens
    for cls in ev.EVENT_TYPES:
        message = resolve(asyncapi, channel["messages"][ev.subject_token(cls)]["$ref"])
        assert message["name"] == ev.tag_of(cls)
        payload = resolve(asyncapi, message["payload"]["$ref"])
        assert payload["properties"]["type"]["enum"] == [ev.tag_of(cls)]


def test_the_address_parameters_are_declared(asyncapi: dict[str, Any]) -> None:
    for name, channel in asyncapi["channels"].items():
        named = {part[1:-1] for part in channel["address"].split(".") if part.startswith("{")}
        assert named == set(channel.get("parameters", {})), name


def test_operations_use_their_channels_messages(asyncapi: dict[str, Any]) -> None:
    actions = {name: op["action"] for name, op in asyncapi["operations"].items()}
    assert set(actions.values()) == {"send", "receive"}
    assert {"intake_appends", "notifier_reads", "reporting_reads"} <= set(actions)
    for name, operation in asyncapi["operations"].items():
        channel = operation["channel"]["$ref"]
        for message in operation["messages"]:
            assert message["$ref"].startswith(channel + "/messages/"), name
    sent = {
        m["$ref"].rsplit("/", 1)[-1]
        for op in asyncapi["operations"].values()
        if op["action"] == "send"
        for m in op["messages"]
    }
    assert sent >= {ev.subject_token(cls) for cls in ev.EVENT_TYPES}, "an event nobody appends"


def test_the_payloads_are_the_contracts_schema(asyncapi: dict[str, Any]) -> None:
    """Same definitions as docs/events.schema.json, and the golden events validate."""
    published = json.loads((DOCS / "events.schema.json").read_text(encoding="utf-8"))
    schemas = asyncapi["components"]["schemas"]
    for name, definition in published["$defs"].items():
        moved = json.loads(json.dumps(definition).replace("#/$defs/", "#/components/schemas/"))
        assert schemas[name] == moved, name
    for cls in ev.EVENT_TYPES:
        token = ev.subject_token(cls)
        payload = asyncapi["components"]["messages"][token]["payload"]
        validator = Draft202012Validator({**payload, "components": asyncapi["components"]})
        golden = json.loads((GOLDEN / f"{token}.json").read_text(encoding="utf-8"))
        assert list(validator.iter_errors(golden)) == [], token
        assert not validator.is_valid({**golden, "event_id": 42}), token


def test_dead_letters_name_their_headers(asyncapi: dict[str, Any]) -> None:
    channel = asyncapi["channels"]["deadLetters"]
    assert channel["address"] == subjects.deadletter_subject("{consumer}")
    assert {"notifier", "reporting"} <= set(channel["parameters"]["consumer"]["enum"])
    message = resolve(asyncapi, channel["messages"]["deadLetter"]["$ref"])
    headers = resolve(asyncapi, message["headers"]["$ref"])
    wanted = {deadletters.REASON, deadletters.CONSUMER, deadletters.STREAM, deadletters.STREAM_SEQ}
    assert wanted <= set(headers["required"])
