"""Fault test, retries as documented (issue #24 item 6): a relay that refuses every letter with a
temporary error (451) for a while, then accepts. A letter is tried again after 1, 2, 4 and 8 s
(KLACHTEN_NOTIFIER_RETRY_BASE = 1, doubling), not after the nak delay plus a server-side
backoff (seen: 1 / 32 / 94 / 219 s); and once the relay accepts again, the letters waiting for
it go within seconds, not when each one's backoff runs out (seen: 193 s for 150 letters).
The shipped retry settings; real nats-server and SMTP; the notifier runs in process.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from pathlib import Path

import nats

from klachten.stack.natsserver import EmbeddedNats
from services.notifier.app import create_app
from services.notifier.settings import NotifierSettings
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.buckets import provision_buckets
from tests.support.faults import sized
from tests.support.notifier import (
    acknowledgements,
    dead_letters,
    mails_by_complaint,
    notifier_settings,
    submit,
)
from tests.support.polling import wait_until
from tests.support.relay import Relay

LETTERS = sized(40, 150)
SCHEDULE = [1.0, 2.0, 4.0, 8.0]  # documented: base·2^(n-1) with the shipped base of 1 s
DRAIN_WITHIN = 6.0  # s after the relay accepts again (shipped probe interval: 2 s)


async def test_a_refusing_relay_is_retried_on_schedule_and_the_queue_goes_when_it_is_back(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    shipped = NotifierSettings()
    nc = await nats.connect(provisioned_nats.url)
    await provision_buckets(nc)
    complaints = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    try:
        ids = [str(await asyncio.to_thread(submit, complaints, number=n)) for n in range(LETTERS)]
        async with Relay(tmp_path / "mail") as relay:
            relay.refusing = True
            settings = notifier_settings(
                provisioned_nats.url,
                relay.port,
                tmp_path,
                notifier_retry_base=shipped.notifier_retry_base,
                notifier_retry_cap=shipped.notifier_retry_cap,
                notifier_max_deliver=shipped.notifier_max_deliver,
                smtp_relay_probe_interval=shipped.smtp_relay_probe_interval,
            )
            async with create_app(settings):

                def tried_on_schedule() -> list[float] | None:
                    for address, times in relay.attempts.items():
                        if address.startswith("jan") and len(times) > len(SCHEDULE):
                            return times
                    return None

                with contextlib.suppress(TimeoutError):
                    await wait_until(tried_on_schedule, timeout=40, message="five tries")
                tries = max((t for a, t in relay.attempts.items() if a.startswith("jan")), key=len)
                gaps = [round(b - a, 2) for a, b in itertools.pairwise(tries)]
                relay.refusing = False
                back = time.monotonic()

                async def all_acknowledged() -> bool:
                    acks = await acknowledgements(nc)
                    return all(acks[i] >= 1 for i in ids)

                await wait_until(lambda: _all_mailed(tmp_path, ids), timeout=60, message="sent")
                drained = time.monotonic() - back
                await wait_until(all_acknowledged, timeout=30, message="all acknowledged")
        letters = mails_by_complaint(tmp_path / "mail")
        print(
            f"\nrelay refusing (451): gaps between tries of one letter {gaps} s "
            f"(documented {SCHEDULE}); {LETTERS} waiting letters all sent {drained:.1f} s "
            f"after the relay accepted again"
        )
        assert len(gaps) >= len(SCHEDULE), f"too few tries in 40 s: gaps {gaps}"
        for gap, expected in zip(gaps, SCHEDULE, strict=False):
            assert abs(gap - expected) <= 0.5 + 0.1 * expected, f"gaps {gaps} vs {SCHEDULE}"
        assert drained < DRAIN_WITHIN, f"the queue took {drained:.1f} s after the relay was back"
        assert {len(letters[i]) for i in ids} == {1}
        assert await dead_letters(nc) == []
    finally:
        complaints.close()
        await nc.close()


def _all_mailed(tmp_path: Path, ids: list[str]) -> bool:
    mails = mails_by_complaint(tmp_path / "mail")
    return all(i in mails for i in ids)
