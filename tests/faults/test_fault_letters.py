"""Fault test, letters exactly once (issue #24 item 2): whatever fails after the relay accepted a
letter, the complainant gets it once. The notifier runs in process against a real nats-server
and a real SMTP relay that acts at the worst moment, after it stored the message and before it
answers: nats-server is killed with SIGKILL, or stalled with SIGSTOP (what a full disk looks
like to a writer), or the relay answers only after 40 s (RFC 5321 allows 10 minutes). The
oracle counts letters per complaint in the relay's Maildir and Acknowledged events in the log.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import nats
import pytest
from aiosmtpd.smtp import Envelope

from klachten.stack.natsserver import EmbeddedNats
from services.notifier.app import create_app
from services.notifier.settings import NotifierSettings
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.buckets import provision_buckets
from tests.support.notifier import (
    acknowledgements,
    dead_letters,
    mails_by_complaint,
    notifier_settings,
    submit,
)
from tests.support.polling import wait_until
from tests.support.relay import Relay

COMPLAINTS = 6
SLOW_ANSWER = 40.0  # seconds the relay takes to answer the end of DATA


async def _run(
    server: EmbeddedNats,
    tmp_path: Path,
    after_store: Callable[[Envelope], Awaitable[None]],
    *,
    count: int = COMPLAINTS,
    deadline: float = 60,
    **settings: Any,
) -> tuple[dict[str, int], dict[str, int], float]:
    """Submit `count` complaints, run the notifier until each is acknowledged; letters and
    Acknowledged events per complaint, and seconds until the last was acknowledged."""
    nc = await nats.connect(server.url, max_reconnect_attempts=-1)
    await provision_buckets(nc)
    complaints = ComplaintsApplication(env={"NATS_URL": server.url})
    try:
        ids = [str(await asyncio.to_thread(submit, complaints, number=n)) for n in range(count)]
        async with Relay(tmp_path / "mail", after_store) as relay:
            config = notifier_settings(server.url, relay.port, tmp_path, **settings)
            started = time.monotonic()
            async with create_app(config):

                async def all_acknowledged() -> bool:
                    acks = await acknowledgements(nc)
                    return all(acks[i] >= 1 for i in ids)

                await wait_until(all_acknowledged, timeout=deadline, message="all acknowledged")
                elapsed = time.monotonic() - started
                # Anything still on its way (a second copy) would arrive now.
                await asyncio.sleep(2 * config.notifier_ack_wait)
        acks = await acknowledgements(nc)
        mails = mails_by_complaint(tmp_path / "mail")
        assert await dead_letters(nc) == []
        return {i: len(mails.get(i, [])) for i in ids}, {i: acks[i] for i in ids}, elapsed
    finally:
        complaints.close()
        await nc.close()


def _report(name: str, letters: dict[str, int], acks: dict[str, int], elapsed: float) -> None:
    extra = sum(n - 1 for n in letters.values() if n > 1)
    print(
        f"\n{name}: {len(letters)} complaints, letters per complaint "
        f"{sorted(set(letters.values()))}, {extra} duplicates, Acknowledged per complaint "
        f"{sorted(set(acks.values()))}; all acknowledged {elapsed:.1f} s after the start"
    )


async def test_nats_server_killed_right_after_the_relay_accepted(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    kills: list[float] = []
    stored = 0

    async def kill_nats(envelope: Envelope) -> None:
        nonlocal stored
        stored += 1
        if stored in (1, 4):
            provisioned_nats.kill()  # SIGKILL: the relay has the letter, NATS is gone
            kills.append(time.monotonic())
            asyncio.get_running_loop().call_later(1.0, _restart, provisioned_nats)

    letters, acks, elapsed = await _run(provisioned_nats, tmp_path, kill_nats)
    _report("nats-server SIGKILL after the send", letters, acks, elapsed)
    assert len(kills) == 2
    assert set(letters.values()) == {1}, letters
    assert set(acks.values()) == {1}, acks


async def test_nats_server_stalled_right_after_the_relay_accepted(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    # SIGSTOP longer than a request's timeout: the record step fails as on a full disk.
    stalls: list[float] = []

    async def stall_nats(envelope: Envelope) -> None:
        if not stalls and provisioned_nats.pid is not None:
            os.kill(provisioned_nats.pid, signal.SIGSTOP)
            stalls.append(time.monotonic())
            asyncio.get_running_loop().call_later(
                8.0, os.kill, provisioned_nats.pid, signal.SIGCONT
            )

    letters, acks, elapsed = await _run(provisioned_nats, tmp_path, stall_nats)
    _report("nats-server stalled 8 s after the send", letters, acks, elapsed)
    assert len(stalls) == 1
    assert set(letters.values()) == {1}, letters
    assert set(acks.values()) == {1}, acks


@pytest.mark.timeout(200)
async def test_a_relay_that_answers_after_40_seconds_gets_each_letter_once(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    async def answer_late(envelope: Envelope) -> None:
        await asyncio.sleep(SLOW_ANSWER)

    # The shipped SMTP timeouts (RFC 5321: 5 minutes per command, 10 after DATA), not the
    # tests' short one; the consumer's ack wait stays short: heartbeats keep the letter ours.
    shipped = NotifierSettings()
    letters, acks, elapsed = await _run(
        provisioned_nats,
        tmp_path,
        answer_late,
        count=2,
        deadline=2.5 * SLOW_ANSWER,
        smtp_relay_timeout=shipped.smtp_relay_timeout,
    )
    _report(f"relay answering after {SLOW_ANSWER:.0f} s", letters, acks, elapsed)
    assert set(letters.values()) == {1}, letters
    assert set(acks.values()) == {1}, acks
    assert elapsed < 2 * SLOW_ANSWER


def _restart(server: EmbeddedNats) -> None:
    # In a thread: start() waits for the server to be ready.
    asyncio.get_running_loop().run_in_executor(None, server.start)
