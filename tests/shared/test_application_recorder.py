"""The notification log's reader reads the next page ahead while a follower catches up; what
it hands out is the same as reading afresh, and never older than the call."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.application_recorder import READ_AHEAD_MAX
from shared.eventstore.link import JetStreamLink
from shared.eventstore.persistence import JetStreamApplicationRecorder


@pytest.fixture
def recorder(provisioned_nats: EmbeddedNats) -> Iterator[JetStreamApplicationRecorder]:
    link = JetStreamLink(provisioned_nats.url)
    yield JetStreamApplicationRecorder(link)
    link.close()


def append(recorder: JetStreamApplicationRecorder, aggregates: int) -> None:
    for _ in range(aggregates):
        oid = uuid4()
        recorder.insert_events([StoredEvent(oid, v, "topic", b"{}") for v in (1, 2)])


def ids(recorder: JetStreamApplicationRecorder, start: int, limit: int) -> list[int]:
    page = recorder.select_notifications(start, limit, inclusive_of_start=False)
    return [n.id for n in page]


def test_paging_through_the_log_gives_what_one_read_gives(
    recorder: JetStreamApplicationRecorder,
) -> None:
    append(recorder, 25)
    whole = ids(recorder, 0, 1000)
    paged: list[int] = []
    while page := ids(recorder, paged[-1] if paged else 0, 7):
        paged += page
    assert paged == whole and len(whole) == 50


def test_a_page_read_ahead_at_the_end_of_the_log_does_not_hide_later_events(
    recorder: JetStreamApplicationRecorder,
) -> None:
    append(recorder, 5)  # 10 events: two full pages of 5, the second reads a third ahead
    assert ids(recorder, 0, 5) == [1, 2, 3, 4, 5]
    assert ids(recorder, 5, 5) == [6, 7, 8, 9, 10]
    append(recorder, 2)  # after the third page was read ahead, empty
    assert ids(recorder, 10, 5) == [11, 12, 13, 14]


def test_readers_at_many_places_read_correctly_and_keep_few_pages_ahead(
    recorder: JetStreamApplicationRecorder,
) -> None:
    append(recorder, 30)
    for start in range(0, 50, 5):  # a page at each place: each reads the next one ahead
        assert ids(recorder, start, 3) == [start + 1, start + 2, start + 3]
    assert len(recorder._ahead) <= READ_AHEAD_MAX
    assert ids(recorder, 45, 3) == [46, 47, 48]  # one read ahead of these is used
    assert ids(recorder, 48, 3) == [49, 50, 51]


def test_a_bounded_read_stops_where_it_was_told(recorder: JetStreamApplicationRecorder) -> None:
    append(recorder, 10)
    page = recorder.select_notifications(3, 10, stop=6)
    assert [n.id for n in page] == [3, 4, 5, 6]
    assert not recorder._ahead  # a bounded read has no next page to read ahead
