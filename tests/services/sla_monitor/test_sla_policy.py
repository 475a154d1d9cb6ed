"""Policy handling of the running service: invalid at start → exit with file, key and reason;
invalid on reload → keep the last valid policy; a valid change → in force without restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path

from klachten.stack import launch
from klachten.stack.natsserver import EmbeddedNats
from services.sla_monitor.app import bootstrap
from shared.config.policy import PolicyHolder, holder
from shared.config.policy_file import load_policy
from shared.eventstore.application import ComplaintsApplication
from tests.support.polling import wait_until
from tests.support.sla import backdated, escalations, policy_file, sla_settings

REPO_ROOT = Path(__file__).resolve().parents[3]


def break_policy(path: Path) -> None:
    text = path.read_text(encoding="utf-8").replace(
        "term_business_days = 5", "term_business_days = 0", 1
    )
    path.write_text(text, encoding="utf-8")
    os.utime(path, (os.stat(path).st_atime, os.stat(path).st_mtime + 5))


def test_invalid_policy_at_start_exits_with_file_key_and_reason(tmp_path: Path) -> None:
    path = policy_file(tmp_path)
    break_policy(path)
    env = {
        **os.environ,
        "KLACHTEN_POLICY_FILE": str(path),
        "KLACHTEN_NATS_URL": "nats://127.0.0.1:9",
    }
    done = subprocess.run(
        launch.command("sla_monitor"),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert str(path) in done.stderr
    assert "ladder[0].term_business_days" in done.stderr
    assert ">= 1" in done.stderr


def test_a_failed_reload_keeps_the_last_valid_policy(tmp_path: Path) -> None:
    path = policy_file(tmp_path)
    holder = PolicyHolder(path)
    before = holder.current.policy.version_id
    break_policy(path)
    assert holder.reload(only_if_modified=True) is False
    assert holder.current.policy.version_id == before
    assert holder.reload(only_if_modified=True) is False  # not retried until the file changes
    new = policy_file(tmp_path, version="next")
    os.replace(new, path)
    assert holder.reload() is True
    assert holder.current.policy.version == "next"


async def test_the_running_service_reloads_when_the_file_changes(
    provisioned_nats: EmbeddedNats, complaints: ComplaintsApplication, tmp_path: Path
) -> None:
    path = policy_file(tmp_path)
    first = load_policy(path).version_id
    async with bootstrap(sla_settings(provisioned_nats.url, path)):
        one = await asyncio.to_thread(backdated, complaints, 30, 1)
        [esc] = await wait_until(lambda: escalations(complaints, one), timeout=15)
        assert esc.policy_version == first
        break_policy(path)
        broken = os.stat(path).st_mtime
        await wait_until(lambda: holder(path).current.mtime == broken, message="broken file read")
        two = await asyncio.to_thread(backdated, complaints, 30, 2)
        [esc] = await wait_until(lambda: escalations(complaints, two), timeout=15)
        assert esc.policy_version == first  # still the last valid one
        os.replace(policy_file(tmp_path, version="2026.2"), path)
        nxt = load_policy(path).version_id

        async def third() -> list:
            cid = await asyncio.to_thread(backdated, complaints, 30, 3)
            return await wait_until(lambda: escalations(complaints, cid), timeout=15)

        await asyncio.sleep(1.0)
        [esc] = await third()
        assert esc.policy_version == nxt != first


async def test_sighup_puts_a_changed_policy_in_force_at_once(
    provisioned_nats: EmbeddedNats, complaints: ComplaintsApplication, tmp_path: Path
) -> None:
    """With the periodic check an hour away, only the signal can explain the new version."""
    path = policy_file(tmp_path)
    first = load_policy(path).version_id
    settings = sla_settings(provisioned_nats.url, path, sla_policy_check_interval=3600.0)
    async with bootstrap(settings):
        stat = os.stat(path)
        os.replace(policy_file(tmp_path, version="2026.2"), path)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: no file change seen
        nxt = load_policy(path).version_id
        os.kill(os.getpid(), signal.SIGHUP)
        # the reload runs on the service's loop
        await wait_until(lambda: holder(path).current.policy.version_id == nxt, message="reload")
        cid = await asyncio.to_thread(backdated, complaints, 30, 1)
        [esc] = await wait_until(lambda: escalations(complaints, cid), timeout=15)
        assert esc.policy_version == nxt != first
