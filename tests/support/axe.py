"""axe-core in a Playwright page (tests/e2e/axe: `npm ci` there once): the violations of every
impact, each with its first nodes; skips the test when axe-core cannot be installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

AXE_DIR = Path(__file__).parents[1] / "e2e" / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"


def axe_source() -> str:
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if not npm:
            pytest.skip("npm is needed to install axe-core (tests/e2e/axe/package.json)")
        command = [npm, "ci", "--no-audit", "--no-fund"]
        subprocess.run(command, cwd=AXE_DIR, check=True, timeout=180, capture_output=True)
    return AXE_JS.read_text(encoding="utf-8")


def violations(page: Any) -> list[Any]:
    page.evaluate(axe_source())
    return page.evaluate(  # type: ignore[no-any-return]
        """async () => (await axe.run(document)).violations
            .map(v => ({id: v.id, impact: v.impact,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
