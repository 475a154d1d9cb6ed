"""Intake's published request bodies (services/intake/openapi.py) say what its validators do
(services/intake/domain.py): each limit the schema states is exactly where the validator starts
refusing, and every body the schema allows passes validation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator

from services.intake import domain
from services.intake.app import create_app
from services.intake.openapi import SCHEMAS, SHIPPED_PRIORITIES
from services.intake.settings import IntakeSettings

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
VALIDATORS: dict[str, Callable[[Any], list[dict[str, str]]]] = {
    "Submission": lambda b: domain.validate_submission(
        b, staff=True, now=NOW, lang="en", priorities=SHIPPED_PRIORITIES
    )[1],
    "Answer": lambda b: domain.validate_response(b, "en")[1],
    "Escalation": lambda b: domain.validate_escalation(b, "en")[1],
    "Extension": lambda b: domain.validate_extension(b, "en")[1],
    "Closure": lambda b: domain.validate_closure(b, "en")[1],
    "Handling": lambda b: domain.validate_reaction_handling(b, "en")[1],
    "Reopening": lambda b: domain.validate_reopening(b, "en")[1],
    "Pause": lambda b: domain.validate_pause(b, "en")[1],
    "Resumption": lambda b: domain.validate_resumption(b, "en")[1],
}
MINIMAL: dict[str, dict[str, Any]] = {
    "Submission": {
        "channel": "phone",
        "complainant": {"name": "Jan de Vries", "email": "jan@example.nl"},
        "subject": "Geen reactie",
        "description": "Ik wacht al maanden.",
    },
    "Answer": {"text": "Uw klacht is gegrond.", "resolution": "well_founded"},
    "Escalation": {
        "reason": "staff_decision",
        "reaction_event_id": "0b8f6c1e-3f0a-4c7e-9d55-6b1f3c1e0a11",
    },
    "Extension": {"weeks": 2, "reason": "advies nodig", "with_consent": True},
    "Closure": {"outcome": "resolved", "note": "Opgelost met een gesprek."},
    "Handling": {"note": "Gebeld en uitgelegd."},
    "Reopening": {
        "reason": "Het probleem is terug.",
        "reaction_event_id": "0b8f6c1e-3f0a-4c7e-9d55-6b1f3c1e0a11",
    },
    "Pause": {"reason": "Wij wachten op de kopie van de factuur."},
    "Resumption": {},
}
PATHS = {
    "Submission": "/api/complaints",
    "Answer": "/api/complaints/{complaint_id}/responses",
    "Escalation": "/api/complaints/{complaint_id}/escalations",
    "Extension": "/api/complaints/{complaint_id}/extensions",
    "Closure": "/api/complaints/{complaint_id}/closure",
    "Handling": "/api/complaints/{complaint_id}/reactions/{event_id}/handled",
    "Reopening": "/api/complaints/{complaint_id}/reopening",
    "Pause": "/api/complaints/{complaint_id}/pause",
    "Resumption": "/api/complaints/{complaint_id}/resume",
}
# Texts of a given length that also match the field's pattern.
FILLERS: dict[str, Callable[[int], str]] = {
    "complainant.email": lambda n: "a" * (n - len("@example.nl")) + "@example.nl",
}


def fields(schema: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(dotted path, schema) of every property, nested objects included."""
    for name, sub in schema["properties"].items():
        yield prefix + name, sub
        if sub.get("type") == "object":
            yield from fields(sub, f"{prefix}{name}.")


def present(body: dict[str, Any], path: str) -> bool:
    *parents, last = path.split(".")
    for name in parents:
        body = body.get(name) or {}
    return last in body


def with_value(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(body))
    *parents, last = path.split(".")
    target = copy
    for name in parents:
        target = target[name]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return copy


def verdicts(name: str, body: Any, path: str) -> tuple[bool, bool]:
    """(the schema allows it, the validator has no complaint about `path`)."""
    allowed = Draft202012Validator(SCHEMAS[name]).is_valid(body)
    return allowed, not [e for e in VALIDATORS[name](body) if e["field"] == path]


CASES = [(name, path, sub) for name in VALIDATORS for path, sub in fields(SCHEMAS[name])]
LIMITED = [c for c in CASES if "maxLength" in c[2] and c[1] != "complainant.phone"]
CHOICES = [c for c in CASES if "enum" in c[2] or "minimum" in c[2]]


def ids(cases: list[tuple[str, str, Any]]) -> list[str]:
    return [f"{name}.{path}" for name, path, _ in cases]


def test_the_schemas_are_valid_json_schema_and_the_minimal_bodies_pass() -> None:
    for name, schema in SCHEMAS.items():
        Draft202012Validator.check_schema(schema)
        if name in VALIDATORS:
            assert verdicts(name, MINIMAL[name], "") == (True, True)
            assert VALIDATORS[name](MINIMAL[name]) == []


def test_the_document_describes_every_json_post_of_the_api() -> None:
    document = create_app(IntakeSettings()).openapi()
    posts = {p: ops["post"] for p, ops in document["paths"].items() if "post" in ops}
    api = {p: op for p, op in posts.items() if p.startswith("/api/")}
    assert set(api) == {*PATHS.values(), "/api/status"}
    for path, operation in api.items():
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.removeprefix("#/components/schemas/") in document["components"]["schemas"]
        assert {"413", "422", "503"} <= set(operation["responses"]), path


@pytest.mark.parametrize(("name", "path", "schema"), CASES, ids=ids(CASES))
def test_required_absent_and_null_as_the_validator_says(
    name: str, path: str, schema: dict[str, Any]
) -> None:
    parent = SCHEMAS[name]
    for part in path.split(".")[:-1]:
        parent = parent["properties"][part]
    required = path.rsplit(".", 1)[-1] in parent["required"]
    if present(MINIMAL[name], path) or required:
        assert verdicts(name, with_value(MINIMAL[name], path, ...), path) == (not required,) * 2
    nullable = "null" in schema.get("type", []) or None in schema.get("enum", [])
    assert verdicts(name, with_value(MINIMAL[name], path, None), path) == (nullable, nullable)


# The phone's pattern stops at 21 characters before its maxLength does.
@pytest.mark.parametrize(("name", "path", "schema"), LIMITED, ids=ids(LIMITED))
def test_length_limits_are_the_validators(name: str, path: str, schema: dict[str, Any]) -> None:
    limit = schema["maxLength"]
    fill = FILLERS.get(path, lambda n: "x" * n)
    assert verdicts(name, with_value(MINIMAL[name], path, fill(limit)), path) == (True, True)
    assert verdicts(name, with_value(MINIMAL[name], path, fill(limit + 1)), path) == (False, False)


@pytest.mark.parametrize(("name", "path", "schema"), CHOICES, ids=ids(CHOICES))
def test_choices_and_ranges_are_the_validators(
    name: str, path: str, schema: dict[str, Any]
) -> None:
    allowed = [v for v in schema.get("enum", []) if v is not None]
    allowed += [schema[k] for k in ("minimum", "maximum") if k in schema]
    refused = ["something else", 3.5, True] if "enum" in schema else []
    refused += [schema["minimum"] - 1, schema["maximum"] + 1] if "minimum" in schema else []
    for value in allowed:
        assert verdicts(name, with_value(MINIMAL[name], path, value), path) == (True, True)
    for value in refused:
        assert verdicts(name, with_value(MINIMAL[name], path, value), path) == (False, False)


def test_without_consent_the_cap_is_the_policys_rule_not_the_documents() -> None:
    # The cap depends on the complaint's regime in the policy (Awb 9:11 lid 2): the aggregate
    # refuses it with the rule named; the document and the validator agree on 1..52.
    assert "max_extension_weeks" in SCHEMAS["Extension"]["properties"]["weeks"]["description"]
    body = with_value(MINIMAL["Extension"], "with_consent", ...)
    assert verdicts("Extension", with_value(body, "weeks", 52), "weeks") == (True, True)
    assert verdicts("Extension", with_value(body, "weeks", 53), "weeks") == (False, False)


def test_declining_to_handle_needs_a_note_as_the_validator_says() -> None:
    body = with_value(with_value(MINIMAL["Closure"], "outcome", "not_handled"), "note", ...)
    assert verdicts("Closure", body, "note") == (False, False)
    assert verdicts("Closure", with_value(body, "note", " \x1e "), "note") == (False, False)
    assert verdicts("Closure", with_value(body, "note", "Anoniem."), "note") == (True, True)


def test_unknown_fields_are_refused_by_both() -> None:
    submission = SCHEMAS["Submission"]["properties"]
    assert set(submission) == domain.SUBMISSION_FIELDS
    assert set(submission["complainant"]["properties"]) == domain.COMPLAINANT_FIELDS
    for name in VALIDATORS:
        body = with_value(MINIMAL[name], "surprise", 1)
        assert verdicts(name, body, "surprise") == (False, False)
    body = with_value(MINIMAL["Submission"], "complainant.surprise", 1)
    assert verdicts("Submission", body, "complainant.surprise") == (False, False)


def _integral(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() else number


@pytest.mark.parametrize("name", list(VALIDATORS))
def test_every_body_the_schema_allows_passes_validation(name: str) -> None:
    schemathesis = pytest.importorskip("schemathesis")
    from schemathesis.generation import GenerationMode

    document = create_app(IntakeSettings()).openapi()
    operation = schemathesis.openapi.from_dict(document)[PATHS[name]]["POST"]

    @settings(
        max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def check(case: Any) -> None:
        # JSON Schema counts 2.0 as an integer; Python's json (the validator) reads a float.
        # The document asks for an integer literal, so 2.0 is normalised to 2 here.
        # An optional body (marking a message handled) may be left out: no body, no note.
        raw = None if type(case.body).__name__ == "NotSet" else case.body
        body = json.loads(json.dumps(raw), parse_float=_integral)
        # Receipt times outside 2000..now cannot be said in JSON Schema (the description does).
        errors = [e for e in VALIDATORS[name](body) if e["field"] != "received_at"]
        assert errors == [], body

    check()
