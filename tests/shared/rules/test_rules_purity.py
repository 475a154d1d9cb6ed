"""shared/rules stays pure: no I/O modules, no environment, no clock (read from the source)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RULES = Path(__file__).parents[3] / "shared" / "rules"
MODULES = sorted(RULES.rglob("*.py"))

FORBIDDEN_MODULES = {
    "asyncio",
    "faststream",
    "http",
    "httpx",
    "io",
    "logging",
    "nats",
    "os",
    "pathlib",
    "random",
    "requests",
    "secrets",
    "shutil",
    "smtplib",
    "socket",
    "sqlite3",
    "subprocess",
    "sys",
    "tempfile",
    "threading",
    "time",
    "urllib",
    "uuid",
}
FORBIDDEN_CALLS = {"now", "utcnow", "today", "open", "getenv", "input", "print", "time_ns"}


def problems(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in FORBIDDEN_CALLS:
                found.append(f"line {node.lineno}: calls {name}()")
            continue
        else:
            continue
        found += [
            f"line {node.lineno}: imports {n}"
            for n in names
            if n.split(".")[0] in FORBIDDEN_MODULES
        ]
    return found


def test_the_rules_package_exists() -> None:
    assert RULES / "__init__.py" in MODULES
    assert RULES / "legal_calendar.py" in MODULES


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(RULES)))
def test_rules_modules_do_no_io_and_read_no_clock(module: Path) -> None:
    assert problems(module.read_text(encoding="utf-8")) == []


def test_the_check_finds_io_and_clock_reads() -> None:
    source = (
        "import os\nfrom pathlib import Path\nimport datetime as dt\n"
        "x = dt.datetime.now()\ny = open('f')\nz = dt.date.today()\n"
    )
    assert problems(source) == [
        "line 1: imports os",
        "line 2: imports pathlib",
        "line 4: calls now()",
        "line 5: calls open()",
        "line 6: calls today()",
    ]
