"""Point in time in the published interface: every read endpoint of reporting's OpenAPI
document declares `as_of` and `as_of_seq` (docs/openapi-reporting.json as generated)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.reporting.app import create_app
from services.reporting.settings import ReportingSettings

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "openapi-reporting.json"
READS = (
    "/api/complaints",
    "/api/complaints/{key}",
    "/api/complaints/{key}/history",
    "/api/reports/annual/{year}",
    "/api/reports/{name}",
)


@pytest.mark.parametrize("source", ["generated", "published"])
def test_every_read_endpoint_documents_as_of_and_as_of_seq(source: str) -> None:
    if source == "generated":
        document = create_app(ReportingSettings()).openapi()
    else:
        document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    for path in READS:
        parameters = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
        for name in ("as_of", "as_of_seq"):
            assert parameters[name]["in"] == "query", (path, name)
            assert "422" in parameters[name]["description"], (path, name)
