"""Fuzz target over the event decoder: any bytes either decode to a contract event or fail with
msgspec's own error naming the problem — never another exception, never a half-built event."""

from __future__ import annotations

import json

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.contract import events as ev
from tests.shared.test_events_contract import SAMPLES

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


def decode_or_reject(data: bytes) -> None:
    try:
        event = ev.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        assert str(e)
    else:
        assert isinstance(event, ev.EVENT_TYPES)
        assert ev.decode(ev.encode(event)) == event


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=512))
def test_arbitrary_bytes(data: bytes) -> None:
    decode_or_reject(data)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(SAMPLES), st.integers(0, 50), json_values)
def test_valid_events_with_one_field_replaced(sample: ev.Event, pick: int, value: object) -> None:
    body = json.loads(ev.encode(sample))
    body[sorted(body)[pick % len(body)]] = value
    decode_or_reject(json.dumps(body).encode())


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SAMPLES), st.integers(0, 400), st.binary(min_size=1, max_size=3))
def test_valid_events_with_bytes_flipped(sample: ev.Event, at: int, junk: bytes) -> None:
    data = bytearray(ev.encode(sample))
    at %= len(data)
    data[at : at + len(junk)] = junk
    decode_or_reject(bytes(data))
