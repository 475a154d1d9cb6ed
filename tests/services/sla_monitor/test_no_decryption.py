"""The SLA monitor folds recorded dates, never personal data (issue #23): it keeps each
complaint's history between events and folds the next event as delivered instead of reading the
log again (histories.py), and it runs with its own NATS user, which may not read a key, on
complaints whose personal part is sealed, without opening one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import msgspec
import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.sla_monitor.app import bootstrap
from services.sla_monitor.application import SlaApplication, SlaService
from services.sla_monitor.histories import Histories
from shared.config import permissions
from shared.config.policy import PolicyHolder
from shared.config.settings import nats_connect_options
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore import mapper
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.buckets import provision_buckets
from shared.eventstore.streams import provision
from shared.privacy import keystore
from tests.support.memory import in_memory
from tests.support.polling import wait_until
from tests.support.sla import (
    answered_in_time,
    new_complaint,
    policy_file,
    scheduled_wake,
    sla_settings,
)


class Timers:
    """Remembers the versions it was asked to set a timer for (no TIMERS stream here)."""

    def __init__(self) -> None:
        self.versions: list[int] = []

    async def set(
        self, complaint_id: UUID, at: object, version: int, policy: str, now: object = None
    ) -> str:
        self.versions.append(version)
        return "scheduled"


class Reads:
    """Counts the monitor's reads of a history from the log."""

    def __init__(self, app: SlaApplication) -> None:
        self.count, self.facts = 0, app.facts

    def __call__(self, complaint_id: UUID) -> list[ev.Event]:
        self.count += 1
        return self.facts(complaint_id)


def delivered(app: SlaApplication, complaint_id: UUID, version: int) -> tuple[str, bytes]:
    """The subject and body the consumer delivers for one stored event."""
    fact = SlaApplication.facts(app, complaint_id)[version - 1]  # not counted as a read
    subject = subjects.event_subject(complaint_id, version, ev.subject_token(type(fact)))
    return subject, ev.encode(fact)


@pytest.fixture
def monitored(tmp_path: Path) -> tuple[SlaService, Reads, Timers]:
    app = in_memory(SlaApplication)
    timers = Timers()
    service = SlaService(app, timers, PolicyHolder(policy_file(tmp_path)))  # type: ignore[arg-type]
    reads = Reads(app)
    app.facts = reads  # type: ignore[method-assign]
    return service, reads, timers


async def test_the_next_event_of_a_kept_history_is_folded_without_reading_the_log(
    monitored: tuple[SlaService, Reads, Timers],
) -> None:
    service, reads, timers = monitored
    app: SlaApplication = service.app  # type: ignore[assignment]
    complaint = new_complaint(datetime.now(UTC))
    app.save(complaint)
    await service.when_complaint_changed(*delivered(app, complaint.id, 1))
    assert reads.count == 1  # a complaint not kept yet: read

    complaint_id = answered_in_time(app, 60, number=2)  # several events
    last = len(SlaApplication.facts(app, complaint_id))
    service.histories.keep(complaint_id, SlaApplication.facts(app, complaint_id)[:-1])
    reads.count = 0
    await service.when_complaint_changed(*delivered(app, complaint_id, last))
    await service.when_complaint_changed(*delivered(app, complaint_id, 2))  # redelivered
    assert reads.count == 0
    assert timers.versions[-2:] == [last, last]
    assert service.histories.next(*delivered(app, complaint_id, last)) == SlaApplication.facts(
        app, complaint_id
    )


async def test_a_gap_or_a_body_that_is_not_its_subject_reads_the_log(
    monitored: tuple[SlaService, Reads, Timers],
) -> None:
    service, reads, timers = monitored
    app: SlaApplication = service.app  # type: ignore[assignment]
    complaint_id = answered_in_time(app, 60)  # several events
    last = len(SlaApplication.facts(app, complaint_id))
    service.histories.keep(complaint_id, SlaApplication.facts(app, complaint_id)[:1])
    reads.count = 0
    await service.when_complaint_changed(*delivered(app, complaint_id, last))  # a gap
    assert reads.count == 1 and timers.versions[-1] == last

    service.histories = Histories()  # kept through version 1 again
    service.histories.keep(complaint_id, SlaApplication.facts(app, complaint_id)[:1])
    subject, _ = delivered(app, complaint_id, 2)
    _, other = delivered(app, complaint_id, 3)
    reads.count = 0
    await service.when_complaint_changed(subject, other)  # the body of another version
    assert reads.count == 1


def test_at_most_size_histories_are_kept_the_least_recently_used_leave() -> None:
    histories = Histories(size=2)
    app = in_memory(ComplaintsApplication)
    ids = []
    for n in range(3):
        complaint = new_complaint(datetime.now(UTC), number=n)
        app.save(complaint)
        ids.append(complaint.id)
        histories.keep(complaint.id, [e.fact for e in app.events.get(complaint.id)])  # type: ignore[attr-defined]
    assert len(histories) == 2
    first = subjects.event_subject(ids[0], 1, "submitted")
    assert histories.next(first, b"{}") is None  # forgotten: read again


@pytest.fixture
async def secured(tmp_path: Path) -> AsyncIterator[EmbeddedNats]:
    """A nats-server with every principal's permissions, streams and buckets provisioned."""
    credentials, _ = permissions.ensure_credentials(tmp_path)
    server = EmbeddedNats(tmp_path / "nats", credentials=credentials).start()
    try:
        nc = await nats.connect(server.url_for("admin"))
        await provision(nc)
        await provision_buckets(nc)
        await nc.close()
        yield server
    finally:
        server.stop()


@pytest.fixture
def intake(secured: EmbeddedNats) -> Iterator[ComplaintsApplication]:
    """Appends as intake does: personal data sealed with the complainant's key."""
    app = ComplaintsApplication(env={"NATS_URL": secured.url_for("intake")})
    yield app
    app.close()


async def test_the_monitor_sets_timers_with_its_own_user_and_opens_no_sealed_part(
    secured: EmbeddedNats,
    intake: ComplaintsApplication,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def never(fact: ev.Event, _: object) -> ev.Event:
        raise AssertionError(f"the SLA monitor opened {fact.complaint_id} v{fact.version}")

    monkeypatch.setattr(mapper, "unseal", never)
    complaint = new_complaint(datetime.now(UTC))
    await asyncio.to_thread(intake.save, complaint)
    admin = await nats.connect(secured.url_for("admin"))
    try:
        stored = await admin.jetstream().get_last_msg(
            subjects.COMPLAINTS_STREAM, subjects.event_subject(complaint.id, 1, "submitted")
        )
        body = json.loads(stored.data or b"{}")
        assert body["personal"] is None and body["sealed"] is not None

        settings = sla_settings(secured.url_for("sla_monitor"), policy_file(tmp_path))
        async with bootstrap(settings):
            await wait_until(lambda: scheduled_wake(admin, complaint.id), timeout=15)
    finally:
        await admin.close()

    keyless = SlaApplication(
        env={"NATS_URL": secured.url_for("sla_monitor"), "KLACHTEN_KEYSTORE": "none"}
    )
    try:
        [submitted] = await asyncio.to_thread(keyless.facts, complaint.id)
    finally:
        keyless.close()
    assert isinstance(submitted, ev.Submitted)
    assert submitted.personal is None and submitted.sealed is not None
    assert msgspec.structs.asdict(submitted)["received_at"] == complaint.received_at  # type: ignore[attr-defined]


async def test_the_monitors_user_may_not_read_a_key(secured: EmbeddedNats) -> None:
    errors: list[str] = []

    async def on_error(error: Exception) -> None:
        errors.append(str(error).lower())

    options = nats_connect_options(secured.url_for("sla_monitor"))
    nc = await nats.connect(**options, error_cb=on_error, max_reconnect_attempts=0)
    stream = f"KV_{keystore.BUCKET}"
    try:
        with pytest.raises(Exception):  # noqa: B017 (refused: no one answers)
            await nc.request(f"$JS.API.DIRECT.GET.{stream}", b'{"seq": 1}', timeout=0.5)
        await nc.flush()
    finally:
        await nc.close()
    assert any("permissions violation" in e and stream.lower() in e for e in errors)
