"""The checkout the tests run in: its root, for commands started from it."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
