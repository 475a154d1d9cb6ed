"""`klachten demo` against a real intake (HTTP and SMTP) on a real nats-server: it works its
complaints as a desk does, by the procedure (docs/procedure.md). New complaints are handled
under Awb 9:10, so an answer comes only after a hearing or a ground to waive it: before this
was followed, every answer was refused (409) and skipped, and no demo complaint was answered
or closed."""

from __future__ import annotations

import asyncio

from klachten.commands import demo
from klachten.commands.demo import describe
from klachten.stack.natsserver import EmbeddedNats
from tests.support.intake import STAFF_TOKEN, intake_settings, start_intake


async def test_the_demo_answers_complaints_after_hearing_or_waiver(
    provisioned_nats: EmbeddedNats,
) -> None:
    settings = intake_settings(provisioned_nats)
    intake = start_intake(settings)
    try:
        result = await asyncio.to_thread(demo.run, settings, STAFF_TOKEN, count=40, seed=7)
    finally:
        intake.stop()
    done = result.actions
    print(f"\n[demo] {describe(result)}")
    assert sum(result.submitted.values()) == 40
    assert done["responded"] >= 5 and done["closed"] >= 1  # was 0 and 0
    assert result.refused == {}  # every step the demo took was one the procedure allows
    assert done["responded"] <= done["heard"] + done["hearing_waived"]  # Awb 9:10
    assert done["invited"] > done["heard"] >= 1 and done["hearing_waived"] >= 1
    assert done["resolved_informally"] >= 1 and done["declined"] == 1
    assert done["assigned"] >= 1 and done["queued"] >= 1 and done["taken"] >= 1
