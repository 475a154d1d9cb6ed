"""The published contract as an analyst reads it (issue 21): docs/events.schema.json with an
independent validator in its default mode (`format` only an annotation, as JSON Schema 2020-12
says), and docs/events.md in plain words with the allowed values, covering every part."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from shared.contract import catalogue
from shared.contract import events as ev

DOCS = Path(__file__).parents[2] / "docs"
GOLDEN = Path(__file__).parent / "golden"
SCHEMA = json.loads((DOCS / "events.schema.json").read_text(encoding="utf-8"))
CATALOGUE = (DOCS / "events.md").read_text(encoding="utf-8")
PLAIN = Draft202012Validator(SCHEMA)  # no format checker: what a validator does by default
EVENTS = sorted(GOLDEN.glob("*.json")) + sorted((GOLDEN / "legacy").glob("*.json"))


def golden(name: str) -> dict[str, Any]:
    return json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: p.relative_to(GOLDEN).as_posix())
def test_every_golden_event_is_valid_without_a_format_checker(path: Path) -> None:
    assert [e.message for e in PLAIN.iter_errors(json.loads(path.read_bytes()))] == []


SUBMITTED, ACKNOWLEDGED = golden("submitted"), golden("acknowledged")


def attachment(**change: Any) -> dict[str, Any]:
    personal = json.loads(json.dumps(SUBMITTED["personal"]))
    personal["attachments"][0].update(change)
    return {**SUBMITTED, "personal": personal}


def letter(**change: Any) -> dict[str, Any]:
    return {**ACKNOWLEDGED, "letter": {**ACKNOWLEDGED["letter"], **change}}


@pytest.mark.parametrize(
    "event",
    [
        {**SUBMITTED, "occurred_at": "yesterday-ish"},
        {**SUBMITTED, "version": -3},
        {**SUBMITTED, "reference": "\N{SLIGHTLY SMILING FACE}"},
        {**SUBMITTED, "event_id": "not-a-uuid"},
        {**SUBMITTED, "complaint_id": "00000000-0000-4000-8000-0000000000AA"},  # not as written
        {**SUBMITTED, "correlation_id": "KL-2026-000001"},
        {**SUBMITTED, "event_date": "2 maart 2026"},
        {**SUBMITTED, "sealed": {"key_id": "k", "nonce": "bg==", "ciphertext": "Yw=="}},
        attachment(sha256="abc"),
        attachment(size=-1),
        letter(content_sha256="ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"),
        letter(document_sha256="a-pdf"),
    ],
    ids=[
        "occurred_at", "version", "reference", "event_id", "complaint_id", "correlation_id",
        "event_date", "sealed_and_personal", "sha256", "size", "content_sha256", "document_sha256",
    ],
)  # fmt: skip
def test_the_schema_refuses_what_klachten_never_writes(event: dict[str, Any]) -> None:
    assert not PLAIN.is_valid(event)


def test_the_unchanged_events_are_valid() -> None:
    """The refusals above are the change alone: the events they start from are valid."""
    assert PLAIN.is_valid(SUBMITTED) and PLAIN.is_valid(ACKNOWLEDGED)
    assert PLAIN.is_valid(letter(document_sha256="0" * 64))


def test_unknown_fields_stay_allowed() -> None:
    """Evolution rule 4: readers ignore what producers add later, and so does the schema."""
    assert PLAIN.is_valid({**SUBMITTED, "added_in_a_later_version": 1})


# --- the catalogue in plain words ---------------------------------------------------------------

PYTHON = re.compile(r"Literal|Optional|typing\.|datetime\.|uuid\.UUID|\bstr\b|\bint\b|\bbool\b")


def test_the_catalogue_shows_no_python_types() -> None:
    tables = [line for line in CATALOGUE.splitlines() if line.startswith("| `")]
    assert tables
    assert [line for line in tables if PYTHON.search(line)] == []


def test_the_catalogue_names_the_allowed_values() -> None:
    channel = "| `channel` | one of `api`, `email`, `letter`, `phone`, `web` | required |"
    assert channel in CATALOGUE
    for value in ("`well_founded`", "`deadline_missed`", "`acknowledge`", "`post`"):
        assert value in CATALOGUE, value
    assert "| `version` | integer ≥ 1 | required" in CATALOGUE
    assert "| `reference` | text, `KL-<year>-<number>` with at least six digits" in CATALOGUE


def test_every_part_of_an_event_has_its_section() -> None:
    """Each object an event contains ($defs other than the events) is described, and each link
    to one finds its heading."""
    events = {cls.__name__ for cls in ev.EVENT_TYPES}
    for name in set(catalogue.json_schema()["$defs"]) - events:
        assert f"\n### {name}\n" in CATALOGUE, name
    for anchor in set(re.findall(r"\]\(#([a-z]+)\)", CATALOGUE)):
        assert re.search(rf"^### {anchor}$", CATALOGUE, re.M | re.I), anchor


def test_the_catalogue_says_what_correlation_and_causation_ids_carry() -> None:
    row = next(line for line in CATALOGUE.splitlines() if line.startswith("| `causation_id`"))
    assert "SLA escalation" in row and "staff action" in row
    assert "since contract 1.4" in CATALOGUE
