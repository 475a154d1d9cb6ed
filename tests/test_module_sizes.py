"""Modules stay small (about 300 lines); one that is longer says why at its top, in its
docstring, with the word "lines" (conventions: "aim under ~300 lines"; issue 22)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.sources import parse

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 300


def long_modules_without_a_reason() -> list[str]:
    found = []
    for folder in ("shared", "services", "klachten", "bench", "tools"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            lines = source.count("\n")
            if lines <= LIMIT:
                continue
            doc = ast.get_docstring(parse(source)) or ""
            if "lines" not in doc:
                found.append(f"{path.relative_to(ROOT)} ({lines} lines)")
    return found


def test_every_long_module_says_why_it_is_long() -> None:
    assert not long_modules_without_a_reason()
