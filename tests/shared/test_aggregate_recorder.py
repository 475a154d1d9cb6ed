"""Loading one aggregate asks the leader for its last sequence and any server for its history
at once; a history that does not reach the leader's sequence (a lagging replica) is not used."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.link import JetStreamLink, RawMsg
from shared.eventstore.persistence import JetStreamApplicationRecorder


class LaggingReplica(JetStreamLink):
    """A link whose batch gets, unless they name `min_last_seq`, miss the newest message: what
    a replica that has not applied the latest write answers."""

    requests: list[dict[str, Any]]
    in_step = False  # True: a replica that is up to date

    async def direct_batch(self, stream: str, request: dict[str, Any]) -> list[RawMsg]:
        self.requests.append(dict(request))
        found = await super().direct_batch(stream, request)
        return found if "min_last_seq" in request or self.in_step else found[:-1]


@pytest.fixture
def link(provisioned_nats: EmbeddedNats) -> Iterator[LaggingReplica]:
    handle = LaggingReplica(provisioned_nats.url)
    handle.requests = []
    yield handle
    handle.close()


def test_a_history_behind_the_leader_is_asked_for_again_with_its_sequence(
    link: LaggingReplica,
) -> None:
    recorder = JetStreamApplicationRecorder(link)
    oid = uuid4()
    recorder.insert_events([StoredEvent(oid, v, "topic", b"{}") for v in (1, 2, 3)])
    events = JetStreamApplicationRecorder(link).select_events(oid)
    assert [e.originator_version for e in events] == [1, 2, 3]
    assert [("min_last_seq" in r) for r in link.requests] == [False, True]


def test_a_history_that_reaches_the_leader_is_one_request(link: LaggingReplica) -> None:
    link.in_step = True
    recorder = JetStreamApplicationRecorder(link)
    oid = uuid4()
    recorder.insert_events([StoredEvent(oid, v, "topic", b"{}") for v in (1, 2)])
    assert [e.originator_version for e in recorder.select_events(oid)] == [1, 2]
    assert len(link.requests) == 1
    assert recorder.select_events(uuid4()) == []  # nothing stored: not found, as before
