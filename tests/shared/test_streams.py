"""Stream provisioning and the JetStream features klachten relies on, on the real server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.js.errors import NotFoundError

from klachten.stack.natsserver import EmbeddedNats
from shared.contract import subjects
from shared.eventstore.streams import (
    COMPLAINTS,
    DAY,
    STREAMS,
    JetStreamApiError,
    StreamConfigConflict,
    provision,
    stream_info,
)
from tests.support.polling import wait_until

OCC_SEQUENCE = "Nats-Expected-Last-Subject-Sequence"
OCC_SUBJECT = "Nats-Expected-Last-Subject-Sequence-Subject"


@pytest.fixture
async def nc(nats_server: EmbeddedNats) -> AsyncIterator[NATS]:
    client = await nats.connect(nats_server.url)
    yield client
    await client.close()


async def _request(nc: NATS, subject: str, body: bytes, headers: dict[str, str]) -> dict:
    return json.loads((await nc.request(subject, body, headers=headers, timeout=5)).data)


async def test_provision_creates_the_streams_of_the_brief(nc: NATS) -> None:
    provisioned = await provision(nc)

    assert [(p.name, p.created) for p in provisioned] == [
        ("COMPLAINTS", True),
        ("TIMERS", True),
        ("DEADLETTER", True),
        ("COUNTERS", True),
        ("CHECKPOINTS", True),
    ]
    counters = (await stream_info(nc, "COUNTERS"))["config"]
    assert counters["allow_msg_counter"] is True
    complaints = (await stream_info(nc, "COMPLAINTS"))["config"]
    assert sorted(complaints["subjects"]) == ["complaints.>", "tracking.>"]
    assert complaints["storage"] == "file"
    assert complaints["max_age"] == 0
    assert complaints["max_msgs"] == complaints["max_bytes"] == -1
    assert complaints["discard"] == "new"
    assert complaints["deny_delete"] is complaints["deny_purge"] is True
    assert complaints["allow_direct"] is complaints["allow_atomic"] is True
    assert complaints["allow_rollup_hdrs"] is False
    assert complaints["duplicate_window"] == 2 * DAY
    assert complaints["num_replicas"] == 1
    assert not complaints.get("allow_msg_schedules")

    timers = (await stream_info(nc, "TIMERS"))["config"]
    assert timers["subjects"] == ["timers.>"]
    assert timers["storage"] == "file"
    assert timers["allow_msg_schedules"] is timers["allow_direct"] is True
    assert timers["max_age"] == 0
    assert timers["max_msgs_per_subject"] == -1

    deadletter = (await stream_info(nc, "DEADLETTER"))["config"]
    assert deadletter["subjects"] == ["deadletter.>"]
    assert deadletter["storage"] == "file"
    assert deadletter["max_age"] == 0
    assert deadletter["allow_direct"] is True


async def test_provision_is_idempotent_and_keeps_messages(nc: NATS) -> None:
    await provision(nc)
    ack = await nc.jetstream().publish(subjects.event_subject(uuid4(), 1, "submitted"), b"{}")

    again = await provision(nc.jetstream())

    assert [p.created for p in again] == [False] * len(STREAMS)
    assert again[0].state["last_seq"] == ack.seq


async def test_a_different_existing_stream_is_a_conflict_not_an_update(nc: NATS) -> None:
    await nc.jetstream().add_stream(
        name="COMPLAINTS",
        subjects=["complaints.>"],
        storage="memory",
        max_age=3600,
    )

    with pytest.raises(StreamConfigConflict) as raised:
        await provision(nc)

    message = str(raised.value)
    assert "COMPLAINTS" in message
    fields = {d.field: (d.expected, d.actual) for d in raised.value.differences}
    assert fields["storage"] == ("file", "memory")
    assert fields["max_age"] == (0, 3600 * 10**9)
    assert fields["subjects"] == (["complaints.>", "tracking.>"], ["complaints.>"])
    assert fields["deny_delete"] == (True, False)
    assert fields["allow_atomic"] == (True, False)
    assert "storage: expected 'file', actual 'memory'" in message
    config = (await stream_info(nc, "COMPLAINTS"))["config"]
    assert config["storage"] == "memory"  # untouched


async def test_replicas_are_managed(nc: NATS) -> None:
    await provision(nc)

    with pytest.raises(StreamConfigConflict, match="num_replicas: expected 3, actual 1"):
        await provision(nc, replicas=3, specs=(COMPLAINTS,))


async def test_the_log_of_record_refuses_delete_and_purge(provisioned_nats: EmbeddedNats) -> None:
    nc = await nats.connect(provisioned_nats.url)
    try:
        js = nc.jetstream()
        ack = await js.publish(subjects.event_subject(uuid4(), 1, "submitted"), b"{}")
        with pytest.raises(Exception, match="delete"):
            await js.delete_msg("COMPLAINTS", ack.seq)
        with pytest.raises(Exception, match="purge"):
            await js.purge_stream("COMPLAINTS")
    finally:
        await nc.close()


async def test_atomic_batch_commits_all_or_nothing(provisioned_nats: EmbeddedNats) -> None:
    nc = await nats.connect(provisioned_nats.url)
    complaint = uuid4()
    try:
        batch = str(uuid4())
        await nc.publish(
            subjects.event_subject(complaint, 1, "submitted"),
            b"{}",
            headers={"Nats-Batch-Id": batch, "Nats-Batch-Sequence": "1"},
        )
        ack = await _request(
            nc,
            subjects.tracking_subject("intake"),
            b"{}",
            {"Nats-Batch-Id": batch, "Nats-Batch-Sequence": "2", "Nats-Batch-Commit": "1"},
        )
        # The commit's reply is the PubAck of the whole batch: last seq, batch id and count.
        assert ack == {"stream": "COMPLAINTS", "seq": 2, "batch": batch, "count": 2}

        failing = str(uuid4())
        occ = {OCC_SUBJECT: subjects.complaint_filter(complaint)}
        await nc.publish(
            subjects.event_subject(complaint, 2, "acknowledged"),
            b"{}",
            headers={
                "Nats-Batch-Id": failing,
                "Nats-Batch-Sequence": "1",
                **occ,
                OCC_SEQUENCE: "1",
            },
        )
        refused = await _request(
            nc,
            subjects.event_subject(complaint, 3, "responded"),
            b"{}",
            {
                "Nats-Batch-Id": failing,
                "Nats-Batch-Sequence": "2",
                "Nats-Batch-Commit": "1",
                **occ,
                OCC_SEQUENCE: "0",  # stale
            },
        )
        assert refused["error"]["err_code"] == 10071
        assert (await stream_info(nc, "COMPLAINTS"))["state"]["last_seq"] == 2
    finally:
        await nc.close()


async def test_occ_in_a_batch_is_checked_against_the_stream_before_the_batch(
    provisioned_nats: EmbeddedNats,
) -> None:
    nc = await nats.connect(provisioned_nats.url)
    complaint = uuid4()
    occ = {OCC_SUBJECT: subjects.complaint_filter(complaint)}

    async def batch(*messages: tuple[str, dict[str, str]]) -> dict:
        batch_id = str(uuid4())
        for number, (subject, headers) in enumerate(messages[:-1], 1):
            batch_headers = {"Nats-Batch-Id": batch_id, "Nats-Batch-Sequence": str(number)}
            await nc.publish(subject, b"{}", headers={**batch_headers, **headers})
        subject, headers = messages[-1]
        commit = {
            "Nats-Batch-Id": batch_id,
            "Nats-Batch-Sequence": str(len(messages)),
            "Nats-Batch-Commit": "1",
        }
        return await _request(nc, subject, b"{}", {**commit, **headers})

    try:
        first = await batch(
            (subjects.event_subject(complaint, 1, "submitted"), {**occ, OCC_SEQUENCE: "0"})
        )
        # Both messages expect the complaint's last sequence before the batch (1), not the
        # sequence of the batch's own first message.
        both = await batch(
            (subjects.event_subject(complaint, 2, "acknowledged"), {**occ, OCC_SEQUENCE: "1"}),
            (subjects.event_subject(complaint, 3, "responded"), {**occ, OCC_SEQUENCE: "1"}),
        )
        chained = await batch(
            (subjects.event_subject(complaint, 4, "escalated"), {**occ, OCC_SEQUENCE: "3"}),
            (subjects.event_subject(complaint, 5, "closed"), {**occ, OCC_SEQUENCE: "4"}),
        )

        assert first["seq"] == 1
        assert both["seq"] == 3
        assert chained["error"]["err_code"] == 10071
    finally:
        await nc.close()


async def test_expected_sequence_zero_on_a_wildcard_means_no_message_yet(
    provisioned_nats: EmbeddedNats,
) -> None:
    nc = await nats.connect(provisioned_nats.url)
    first, second = uuid4(), uuid4()
    try:

        def occ_zero(complaint: object) -> dict[str, str]:
            return {OCC_SEQUENCE: "0", OCC_SUBJECT: subjects.complaint_filter(str(complaint))}

        created = await _request(
            nc, subjects.event_subject(first, 1, "submitted"), b"{}", occ_zero(first)
        )
        other = await _request(
            nc, subjects.event_subject(second, 1, "submitted"), b"{}", occ_zero(second)
        )
        repeated = await _request(
            nc, subjects.event_subject(first, 1, "submitted"), b"{}", occ_zero(first)
        )

        assert created == {"stream": "COMPLAINTS", "seq": 1}
        assert other == {"stream": "COMPLAINTS", "seq": 2}
        assert repeated["error"]["err_code"] == 10071
    finally:
        await nc.close()


async def test_a_message_schedule_on_timers_fires(provisioned_nats: EmbeddedNats) -> None:
    nc = await nats.connect(provisioned_nats.url)
    complaint = uuid4()
    schedule = subjects.timer_schedule_subject(complaint, "acknowledgement")
    target = subjects.timer_fired_subject(complaint, "acknowledgement")
    at = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
    try:
        js = nc.jetstream()
        await js.publish(
            schedule,
            b'{"clock": "acknowledgement"}',
            headers={
                "Nats-Schedule": f"@at {at.isoformat().replace('+00:00', 'Z')}",
                "Nats-Schedule-Target": target,
            },
        )

        async def fired() -> object:
            try:
                return await js.get_last_msg("TIMERS", target)
            except NotFoundError:
                return None

        message = await wait_until(fired, timeout=10, message=f"{target} fired")

        assert message.data == b'{"clock": "acknowledgement"}'
        assert message.headers["Nats-Scheduler"] == schedule
        assert message.time >= at
        # A one-shot schedule is removed once it has fired.
        with pytest.raises(NotFoundError):
            await js.get_last_msg("TIMERS", schedule)
    finally:
        await nc.close()


async def test_stream_info_of_a_missing_stream_is_none(nc: NATS) -> None:
    assert await stream_info(nc, "NOPE") is None


async def test_api_errors_carry_the_server_error_code(nc: NATS) -> None:
    await provision(nc)
    with pytest.raises(JetStreamApiError) as raised:
        await provision(nc, specs=(replace(COMPLAINTS, name="OTHER"),))
    assert raised.value.err_code == 10065  # subjects overlap with COMPLAINTS


def test_every_stream_has_a_spec() -> None:
    assert {s.name for s in STREAMS} == {
        subjects.COMPLAINTS_STREAM,
        subjects.TIMERS_STREAM,
        subjects.DEADLETTER_STREAM,
        subjects.COUNTERS_STREAM,
        subjects.CHECKPOINTS_STREAM,
    }
