"""The link's own reading machinery: its header parser and its batch direct get."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nats.aio.client import Client

from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.headers import HeaderClient
from shared.eventstore.link import JetStreamLink, Unavailable

# Bytes that matter to a header parser: separators, ASCII and Unicode whitespace (\x1c-\x1f
# are whitespace to str but not to bytes), non-ASCII and invalid UTF-8.
PIECES = [b"a", b"Z", b"-", b"1", b":", b" ", b"\t", b"\r", b"\n", b"\r\n", b"\x0b", b"\x1c"]
PIECES += [b"\x1f", b"\xc3\xa9", b"\xe2\x80\x83", b"\xc2\xa0", b"\xff", b"\x85"]


@settings(max_examples=3000)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map(b"".join))
def test_the_faster_header_parser_gives_what_nats_py_gives(raw: bytes) -> None:
    assert HeaderClient._parse_header_lines(raw) == Client._parse_header_lines(raw)


def test_the_faster_header_parser_reads_a_stored_events_headers() -> None:
    raw = b"Nats-Sequence: 7\r\nKlachten-Topic: shared.complaint:Complaint.Submitted\r\n\r\n"
    assert HeaderClient._parse_header_lines(raw) == {
        "Nats-Sequence": "7",
        "Klachten-Topic": "shared.complaint:Complaint.Submitted",
    }


@pytest.fixture
def link(provisioned_nats: EmbeddedNats) -> Iterator[JetStreamLink]:
    handle = JetStreamLink(provisioned_nats.url, timeout=2)
    yield handle
    handle.close()


def test_a_batch_direct_get_returns_every_message_in_order(link: JetStreamLink) -> None:
    for n in range(250):
        link.run(link.publish(f"tracking.app{n % 3}", str(n).encode(), {"X-N": str(n)}))
    page = link.run(
        link.direct_batch("COMPLAINTS", {"seq": 1, "next_by_subj": "tracking.>", "batch": 300})
    )
    assert [m.data for m in page] == [str(n).encode() for n in range(250)]
    assert [m.headers["X-N"] for m in page] == [str(n) for n in range(250)]
    assert [m.seq for m in page] == sorted(m.seq for m in page)
    beyond = {"seq": 10**6, "next_by_subj": ">", "batch": 10}
    assert link.run(link.direct_batch("COMPLAINTS", beyond)) == []


def test_a_batch_that_stops_answering_is_unavailable_after_the_timeout(
    link: JetStreamLink,
) -> None:
    async def silent(_msg: object) -> None:
        pass  # takes the request and never answers (a server that hangs)

    link.run(link.nc.subscribe("$JS.API.DIRECT.GET.SILENT", cb=silent))
    link.timeout = 0.3
    with pytest.raises(Unavailable):
        link.run(link.direct_batch("SILENT", {"seq": 1, "batch": 10}))
    assert link._inboxes == {}  # nothing left behind for a late reply
