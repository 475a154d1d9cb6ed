"""Reporting reloads the policy on SIGHUP like the SLA monitor (shared/config/policy.py); intake
and the notifier install the same handler in their start-up. Before, SIGHUP ended the process."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.reporting.app import create_app
from services.reporting.settings import ReportingSettings
from shared.config.policy import DEFAULT_POLICY_FILE, holder
from tests.support.polling import wait_until


async def test_sighup_puts_a_changed_policy_in_force(
    provisioned_nats: EmbeddedNats, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "policy.toml"
    text = DEFAULT_POLICY_FILE.read_text("utf-8")
    path.write_text(text, "utf-8")
    monkeypatch.setenv("KLACHTEN_POLICY_FILE", str(path))
    first = holder(path).current.policy.version_id
    settings = ReportingSettings(
        data_dir=tmp_path,
        nats_url=provisioned_nats.url,
        staff_token="t" * 32,
        reporting_db=str(tmp_path / "reporting.sqlite3"),
        reporting_follow=False,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        stat = os.stat(path)
        path.write_text(text.replace("max_extension_weeks = 4", "max_extension_weeks = 2", 1))
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: only the signal
        # Without a handler SIGHUP would end the test run: fail cleanly instead.
        assert signal.getsignal(signal.SIGHUP) not in (signal.SIG_DFL, None)
        os.kill(os.getpid(), signal.SIGHUP)
        await wait_until(lambda: holder(path).current.policy.version_id != first, timeout=10)
