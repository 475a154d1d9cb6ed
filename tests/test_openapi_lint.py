"""Both OpenAPI documents lint clean with a standard linter: Redocly CLI's ``recommended`` rules
(redocly.yaml says which rule is off and why), zero errors and zero warnings, for the documents
generated now (klachten/apidocs.py) and for the committed ones in docs/.

The CLI is installed by ``npm ci`` from tests/support/node/ (package.json and its lock), as
tests/support/axe.py installs axe-core. It is not skipped without npm: CI must lint (issue 21).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from klachten import apidocs

ROOT = Path(__file__).parents[1]
NODE_DIR = ROOT / "tests" / "support" / "node"
CLI = NODE_DIR / "node_modules" / "@redocly" / "cli"
CONFIG = ROOT / "redocly.yaml"
DOCUMENTS = ("openapi-intake.json", "openapi-reporting.json")
QUIET = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}


def _locked_version() -> str:
    lock = json.loads((NODE_DIR / "package-lock.json").read_text(encoding="utf-8"))
    return str(lock["packages"]["node_modules/@redocly/cli"]["version"])


def _installed_version() -> str | None:
    manifest = CLI / "package.json"
    if not manifest.exists():
        return None
    return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])


@pytest.fixture(scope="session")
def redocly() -> Path:
    """The CLI's entry point, installed (or brought to the locked version) once."""
    npm = shutil.which("npm")
    assert npm, "npm is needed to install Redocly CLI (tests/support/node/package.json)"
    with open(NODE_DIR / "package.json", "rb") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # parallel sessions install once, not over each other
        if _installed_version() != _locked_version():
            command = [npm, "ci", "--no-audit", "--no-fund"]
            subprocess.run(command, cwd=NODE_DIR, check=True, timeout=300, capture_output=True)
    return CLI / "bin" / "cli.js"


def lint(cli: Path, document: Path, cwd: Path) -> dict[str, object]:
    node = shutil.which("node")
    assert node, "node is needed to run Redocly CLI"
    command = [node, str(cli), "lint", "--config", str(CONFIG), "--format=json", str(document)]
    env = os.environ | QUIET
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    assert done.stdout.strip(), f"no report from redocly lint:\n{done.stderr}"
    report: dict[str, object] = json.loads(done.stdout)
    return report


def problems(report: dict[str, object]) -> list[str]:
    found = report.get("problems")
    assert isinstance(found, list)
    return [
        f"{p['severity']} {p['ruleId']}: {p['message']} at "
        f"{', '.join(str(where.get('pointer')) for where in p.get('location', []))}"
        for p in found
    ]


def assert_clean(report: dict[str, object], name: str) -> None:
    assert problems(report) == [], f"{name} does not lint clean"
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}, report["totals"]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_generated_document_lints_clean(redocly: Path, tmp_path: Path, name: str) -> None:
    document = tmp_path / name
    document.write_text(apidocs.dumps(apidocs.documents()[name]), encoding="utf-8")
    assert_clean(lint(redocly, document, tmp_path), name)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_committed_document_lints_clean(redocly: Path, tmp_path: Path, name: str) -> None:
    assert_clean(lint(redocly, ROOT / "docs" / name, tmp_path), f"docs/{name}")


def test_the_linter_finds_what_the_rules_forbid(redocly: Path, tmp_path: Path) -> None:
    """The lint is not vacuous: a document without servers, with an operation that declares no
    client error and one that declares no success is reported (an error and two warnings)."""
    document = json.loads(apidocs.dumps(apidocs.documents()["openapi-intake.json"]))
    del document["servers"]
    document["paths"]["/api/complaints"]["post"]["responses"] = {"201": {"description": "ok"}}
    document["paths"]["/api/status"]["post"]["responses"] = {"422": {"description": "no"}}
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    found = problems(lint(redocly, broken, tmp_path))
    assert any("no-empty-servers" in line for line in found), found
    assert any("rule/operation-4xx-response" in line for line in found), found
    assert any("rule/operation-2xx-response" in line for line in found), found
