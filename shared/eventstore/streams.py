"""The JetStream streams of klachten (design brief §2) and their idempotent provisioning.

Configs are sent as the server's own JSON (`$JS.API.STREAM.*`), so what we compare is exactly
what the server stores. Provisioning creates missing streams and never updates an existing
one: a difference in a field we manage is a `StreamConfigConflict` for an operator to resolve.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from shared.contract import subjects

API_PREFIX = "$JS.API"
NANOSECONDS = 1_000_000_000
DAY = 24 * 3600 * NANOSECONDS
STREAM_NOT_FOUND = 10059
STREAM_NAME_IN_USE = 10058

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class StreamSpec:
    """A stream's managed settings in the server's JSON field names (durations in ns)."""

    name: str
    subjects: tuple[str, ...]
    settings: Mapping[str, Any]

    def config(self, replicas: int = 1) -> JsonDict:
        return {
            "name": self.name,
            "subjects": list(self.subjects),
            "num_replicas": replicas,
            **self.settings,
        }


# Limits that would remove messages: none on any stream. TIMERS keeps no age limit either,
# because a pending schedule is itself a message and a statutory deadline can be months away.
_KEEP_EVERYTHING: Mapping[str, Any] = {
    "retention": "limits",
    "storage": "file",
    "max_age": 0,
    "max_msgs": -1,
    "max_bytes": -1,
    "max_msgs_per_subject": -1,
    "allow_direct": True,
    "allow_msg_ttl": False,
}

COMPLAINTS = StreamSpec(
    name=subjects.COMPLAINTS_STREAM,
    subjects=(subjects.COMPLAINTS_ALL, subjects.TRACKING_ALL),
    settings={
        **_KEEP_EVERYTHING,
        # The log of record: never shrinks, and refuses writes rather than dropping old ones.
        "discard": "new",
        "deny_delete": True,
        "deny_purge": True,
        "allow_rollup_hdrs": False,
        "duplicate_window": 2 * DAY,
        "allow_atomic": True,
        "allow_msg_schedules": False,
    },
)

TIMERS = StreamSpec(
    name=subjects.TIMERS_STREAM,
    # Schedules and their fired messages share this stream (a schedule's target must be in
    # the same stream), so no per-subject limit: it would apply to fired subjects as well.
    subjects=(subjects.TIMERS_ALL,),
    settings={
        **_KEEP_EVERYTHING,
        "discard": "old",
        "duplicate_window": 120 * NANOSECONDS,
        "allow_msg_schedules": True,
        # The server switches rollup on for schedule streams (a new schedule replaces the
        # previous one on its subject); stating it keeps the comparison honest.
        "allow_rollup_hdrs": True,
    },
)

DEADLETTER = StreamSpec(
    name=subjects.DEADLETTER_STREAM,
    subjects=(subjects.DEADLETTER_ALL,),
    settings={
        **_KEEP_EVERYTHING,
        "discard": "old",
        "duplicate_window": 120 * NANOSECONDS,
    },
)

COUNTERS = StreamSpec(
    name=subjects.COUNTERS_STREAM,
    subjects=(subjects.COUNTERS_ALL,),
    settings={
        **_KEEP_EVERYTHING,
        # Atomic counters (ADR-49): `Nats-Incr: +1` returns the new total in the ack, with no
        # compare-and-set race; the last message of a subject carries the total.
        "allow_msg_counter": True,
        "max_msgs_per_subject": 1,
        "discard": "old",
        "duplicate_window": 120 * NANOSECONDS,
    },
)

CHECKPOINTS = StreamSpec(
    name=subjects.CHECKPOINTS_STREAM,
    subjects=(subjects.CHECKPOINTS_ALL,),
    settings={
        **_KEEP_EVERYTHING,
        # Signed heads of the log (shared/integrity/checkpoints.py): as immutable as the log itself.
        "discard": "new",
        "deny_delete": True,
        "deny_purge": True,
        "duplicate_window": 120 * NANOSECONDS,
    },
)

STREAMS: tuple[StreamSpec, ...] = (COMPLAINTS, TIMERS, DEADLETTER, COUNTERS, CHECKPOINTS)


@dataclass(frozen=True)
class FieldDifference:
    field: str
    expected: Any
    actual: Any


class JetStreamApiError(RuntimeError):
    def __init__(self, subject: str, error: JsonDict) -> None:
        self.code: int = error.get("code", 0)
        self.err_code: int = error.get("err_code", 0)
        self.description: str = error.get("description", "")
        super().__init__(f"{subject}: {self.description} (err_code {self.err_code})")


class StreamConfigConflict(RuntimeError):
    """An existing stream differs from its specification in fields we manage."""

    def __init__(self, stream: str, differences: list[FieldDifference]) -> None:
        self.stream = stream
        self.differences = differences
        lines = "".join(
            f"\n  {d.field}: expected {d.expected!r}, actual {d.actual!r}" for d in differences
        )
        super().__init__(
            f"stream {stream} exists with a different configuration "
            f"(not changed; update or recreate it deliberately):{lines}"
        )


@dataclass(frozen=True)
class ProvisionedStream:
    name: str
    created: bool
    info: JsonDict

    @property
    def state(self) -> JsonDict:
        return self.info.get("state", {})


async def provision(
    js_or_nc: NATS | JetStreamContext,
    *,
    replicas: int = 1,
    specs: tuple[StreamSpec, ...] = STREAMS,
    request_timeout: float = 5.0,
) -> list[ProvisionedStream]:
    """Create each missing stream; check each existing one. Safe to run again at any time."""
    nc, prefix = _connection(js_or_nc)
    return [await _provision_one(nc, prefix, spec, replicas, request_timeout) for spec in specs]


async def stream_info(
    js_or_nc: NATS | JetStreamContext, name: str, request_timeout: float = 5.0
) -> JsonDict | None:
    """The raw `STREAM.INFO` response, or None when the stream does not exist."""
    nc, prefix = _connection(js_or_nc)
    try:
        return await _api(nc, f"{prefix}.STREAM.INFO.{name}", None, request_timeout)
    except JetStreamApiError as error:
        if error.err_code == STREAM_NOT_FOUND:
            return None
        raise


def differences(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[FieldDifference]:
    """Managed fields only: the server adds defaults and metadata we do not own."""
    found = []
    for field, want in expected.items():
        # The server omits false booleans (omitempty).
        have = actual.get(field, False if isinstance(want, bool) else None)
        if field == "subjects":
            want, have = sorted(want), sorted(have or [])
        if want != have:
            found.append(FieldDifference(field, want, have))
    return found


async def _provision_one(
    nc: NATS, prefix: str, spec: StreamSpec, replicas: int, request_timeout: float
) -> ProvisionedStream:
    expected = spec.config(replicas)
    info = await stream_info(nc, spec.name, request_timeout)
    created = False
    if info is None:
        try:
            info = await _api(nc, f"{prefix}.STREAM.CREATE.{spec.name}", expected, request_timeout)
            created = True
        except JetStreamApiError as error:
            # Another provisioner won the race; compare against what it created.
            if error.err_code != STREAM_NAME_IN_USE:
                raise
            info = await stream_info(nc, spec.name, request_timeout)
            assert info is not None
    found = differences(expected, info["config"])
    if found:
        raise StreamConfigConflict(spec.name, found)
    return ProvisionedStream(spec.name, created, info)


async def _api(nc: NATS, subject: str, body: JsonDict | None, request_timeout: float) -> JsonDict:
    payload = json.dumps(body).encode() if body is not None else b""
    reply = await nc.request(subject, payload, timeout=request_timeout)
    response: JsonDict = json.loads(reply.data)
    if "error" in response:
        raise JetStreamApiError(subject, response["error"])
    return response


def _connection(js_or_nc: NATS | JetStreamContext) -> tuple[NATS, str]:
    if isinstance(js_or_nc, JetStreamContext):
        # nats-py keeps the connection and API prefix (domain) private; we need both.
        return js_or_nc._nc, js_or_nc._prefix
    return js_or_nc, API_PREFIX
