"""The policy in force, one loader for every process (intake, notifier, SLA monitor, reporting).

`policy_in_force()` returns the valid policy and its calendar. Every process reloads it the same
way: when the file changed (checked on each call, one stat) and at once on SIGHUP
(`reload_on_sighup`). A reload that fails keeps the last valid policy and logs why; at start an
invalid policy is fatal (`PolicyError`). The policy's `version_id` is recorded on every event
whose dates it shaped (shared/contract/events.py `Terms`).

Which file: the one a process's start-up names (`use_policy_file(settings.policy_path)`,
shared/runtime/process.py); code run without that start-up (a CLI command, a test) gets the file
its shared settings name (``KLACHTEN_POLICY_FILE``, else config/policy.toml).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from shared.config.policy_file import PolicyError, build_calendar, load_policy
from shared.config.settings import DEFAULT_POLICY_FILE as DEFAULT_POLICY_FILE  # re-exported
from shared.config.settings import Settings
from shared.rules.calendar import BusinessCalendar
from shared.rules.policy import Policy

log = logging.getLogger("klachten.policy")

_IN_USE: list[Path] = []  # the file the process's start-up named (at most one)


def use_policy_file(path: Path) -> None:
    """The process's policy file from now on (its settings' `policy_path`)."""
    _IN_USE[:] = [path]


def policy_file() -> Path:
    """The file the start-up named, else the one the shared settings name."""
    if _IN_USE:
        return _IN_USE[0]
    return Settings.from_env(credentials=False).policy_path


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    calendar: BusinessCalendar
    mtime: float


class PolicyHolder:
    """The policy in force from one file. A reload that fails keeps the last valid one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.current = self._load()  # at start an invalid policy is fatal: PolicyError

    def _load(self) -> LoadedPolicy:
        mtime = _mtime(self.path)
        policy = load_policy(self.path)
        return LoadedPolicy(policy, build_calendar(policy.calendar), mtime)

    def reload(self, *, only_if_modified: bool = False) -> bool:
        """True when a different valid policy is now in force."""
        if only_if_modified and _mtime(self.path) == self.current.mtime:
            return False
        old = self.current
        try:
            new = self._load()
        except PolicyError as error:
            self.current = LoadedPolicy(old.policy, old.calendar, _mtime(self.path))
            log.error("policy reload failed, keeping %s: %s", old.policy.version_id, error)
            return False
        self.current = new
        changed = new.policy.version_id != old.policy.version_id
        if changed:
            log.warning("policy %s in force (was %s)", new.policy.version_id, old.policy.version_id)
        return changed


_HOLDERS: dict[Path, PolicyHolder] = {}


def holder(path: Path | None = None) -> PolicyHolder:
    """The process's holder of the policy file `path` (default: `policy_file()`)."""
    path = path or policy_file()
    if path not in _HOLDERS:
        _HOLDERS[path] = PolicyHolder(path)
    return _HOLDERS[path]


def policy_in_force() -> tuple[Policy, BusinessCalendar]:
    """The valid policy now (re-read when its file changed) and its calendar."""
    current = holder()
    current.reload(only_if_modified=True)
    return current.current.policy, current.current.calendar


def local_zone() -> ZoneInfo:
    """The policy's time zone (`[calendar].timezone`): local days, months and years."""
    return policy_in_force()[1].tz


def reload_on_sighup(on_signal: Callable[[], None] | None = None) -> None:
    """In a running event loop: SIGHUP re-reads the policy at once (or calls `on_signal`,
    for a process that does more after a reload, like the SLA monitor's sweep)."""
    action = on_signal or (lambda: holder().reload())
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, action)


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return -1.0
