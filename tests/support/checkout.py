"""The checkout the tests run in: its root, for commands started from it; and a pytest plugin
(tests/conftest.py names it in `pytest_plugins`) that fails the session when the suite created
or changed files in the checkout.

A developer's own `klachten up` keeps its keys and stores in ./data; a test that writes there
(or anywhere in the checkout) mixes test state with real state and leaves junk in the next
commit. The check compares `git status --porcelain --ignored` before and after the session,
and the size and time of every file it lists (so a change inside an ignored ./data counts too).
Not counted: the virtualenv and tool caches, and Python sources (written by people, not by
tests; others may edit the checkout while the suite runs). `KLACHTEN_CHECKOUT_CHECK=off` turns
the check off, e.g. while someone else edits docs in the same checkout.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Written by tools, not by the tests: the virtualenv, caches, and npm's installs of the pinned
# test tools (axe-core, Redocly CLI, the OpenID provider: every node_modules/ folder).
NOT_COUNTED = (
    ".venv/",
    ".pytest_cache/",
    ".ruff_cache/",
    ".hypothesis/",
    ".mypy_cache/",
)

Snapshot = dict[str, tuple[int, int]]
_BEFORE = pytest.StashKey[Snapshot | None]()


def snapshot(root: Path = REPO_ROOT) -> Snapshot | None:
    """Every file git lists as changed, untracked or ignored (outside NOT_COUNTED), with its
    size and modification time; None outside a git checkout."""
    try:
        listed = subprocess.run(
            ["git", "status", "--porcelain=v1", "-z", "--ignored", "--untracked-files=normal"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        return None
    files: Snapshot = {}
    entries = iter(listed.split("\0"))
    for entry in entries:
        if not entry:
            continue
        if entry[0] in "RC":  # a rename's or copy's source follows as its own entry
            next(entries, None)
        for path in _files(root, entry[3:]):
            try:
                stat = (root / path).lstat()
            except FileNotFoundError:
                files[path] = (-1, -1)  # deleted
                continue
            files[path] = (stat.st_size, stat.st_mtime_ns)
    return files


def _files(root: Path, listed: str) -> list[str]:
    if _not_counted(listed):
        return []
    if not listed.endswith("/"):
        return [listed]
    found = []
    for folder, dirs, names in os.walk(root / listed):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            path = (Path(folder) / name).relative_to(root).as_posix()
            if not _not_counted(path):
                found.append(path)
    return found


def _not_counted(path: str) -> bool:
    return (
        path.startswith(NOT_COUNTED)
        or path.startswith("node_modules/")
        or "/node_modules/" in path
        or "__pycache__/" in path
        or ".egg-info/" in path
        or path.endswith((".py", ".pyc"))
    )


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def _checked() -> bool:
    return os.environ.get("KLACHTEN_CHECKOUT_CHECK", "on").lower() not in ("off", "0", "no")


def pytest_sessionstart(session: pytest.Session) -> None:
    session.stash[_BEFORE] = snapshot() if _checked() else None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    before = session.stash.get(_BEFORE, None)
    if before is None or session.config.option.collectonly:
        return
    after = snapshot()
    if after is None:
        return
    changed = changes(before, after)
    if not changed:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    shown = "\n  ".join(changed[:20]) + ("\n  …" if len(changed) > 20 else "")
    if reporter is not None:
        reporter.write_line(
            "\nThe tests created or changed files in the checkout (use tmp_path, or the data "
            "folder conftest sets; KLACHTEN_CHECKOUT_CHECK=off if someone else changed them):"
            f"\n  {shown}",
            red=True,
        )
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
