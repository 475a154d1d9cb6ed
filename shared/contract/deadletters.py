"""The dead-letter contract: the headers every consumer puts on a message it gives up on.

A dead letter goes to ``deadletter.<consumer>`` in DEADLETTER (shared/contract/subjects.py); its
body is the original message's bytes. Analysts and auditors filter on these headers, so the names
are public (docs/operations.md) and defined here only, never spelled out in a service."""

from __future__ import annotations

REASON = "Klachten-Reason"
CONSUMER = "Klachten-Consumer"
STREAM = "Klachten-Stream"
STREAM_SEQ = "Klachten-Stream-Seq"
SUBJECT = "Klachten-Subject"
DELIVERIES = "Klachten-Deliveries"
MAX_REASON = 1000


def headers(
    consumer: str,
    stream: str,
    stream_seq: int,
    reason: str,
    *,
    subject: str | None = None,
    deliveries: int | None = None,
) -> dict[str, str]:
    """Headers of the dead letter of message `stream_seq` of `stream`. `deliveries` is for
    durable consumers (a projection reads the log, it has no deliveries); absent values are
    left out rather than faked."""
    out = {
        # A header value cannot span lines: a multi-line exception text would break the publish.
        REASON: reason.replace("\r", " ").replace("\n", " ")[:MAX_REASON],
        CONSUMER: consumer,
        STREAM: stream,
        STREAM_SEQ: str(stream_seq),
        # Two instances, or one that crashed before its ack or commit, store it once.
        "Nats-Msg-Id": f"{consumer}:{stream}:{stream_seq}",
    }
    if subject is not None:
        out[SUBJECT] = subject
    if deliveries is not None:
        out[DELIVERIES] = str(deliveries)
    return out
