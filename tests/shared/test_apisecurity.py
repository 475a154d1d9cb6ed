"""Both OpenAPI documents declare the staff token: a bearer scheme, required on staff
operations, optional on submitting, absent on public pages and health (issue #20)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from klachten import apidocs

DOCS = Path(__file__).resolve().parents[2] / "docs"
TOKEN = [{"staffToken": []}]


def _security(document: dict[str, Any], method: str, path: str) -> list[dict[str, Any]]:
    return document["paths"][path][method]["security"]


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return apidocs.documents()


@pytest.mark.parametrize("name", ["openapi-intake.json", "openapi-reporting.json"])
def test_a_bearer_scheme_is_declared_and_the_committed_document_says_so(
    documents: dict[str, dict[str, Any]], name: str
) -> None:
    scheme = documents[name]["components"]["securitySchemes"]["staffToken"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    committed = json.loads((DOCS / name).read_text(encoding="utf-8"))
    assert (
        committed["components"]["securitySchemes"]
        == documents[name]["components"]["securitySchemes"]
    )


def test_intake_staff_public_and_optional(documents: dict[str, dict[str, Any]]) -> None:
    intake = documents["openapi-intake.json"]
    assert _security(intake, "get", "/api/complaints/{complaint_id}") == TOKEN
    assert _security(intake, "post", "/api/complaints/{complaint_id}/closure") == TOKEN
    assert _security(intake, "get", "/api/complaints/{complaint_id}/timeline") == TOKEN
    assert _security(intake, "post", "/api/complaints") == [{}, *TOKEN]
    assert _security(intake, "post", "/api/status") == []
    assert _security(intake, "get", "/health") == []


def test_reporting_api_needs_the_token(documents: dict[str, dict[str, Any]]) -> None:
    reporting = documents["openapi-reporting.json"]
    staff = [(m, p) for p, ops in reporting["paths"].items() if p.startswith("/api/") for m in ops]
    assert len(staff) >= 5
    assert all(_security(reporting, m, p) == TOKEN for m, p in staff)
    assert _security(reporting, "get", "/health") == []
