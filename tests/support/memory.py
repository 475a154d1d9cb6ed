"""A service's eventsourcing Application on eventsourcing's in-memory (POPO) store with the
contract mapper: the application logic (get, decide, save, what is recorded) without a
nats-server. What depends on JetStream (optimistic concurrency per subject, dedupe,
redelivery, schedules, KV buckets, direct reads of the stream) stays tested on a real server.
"""

from __future__ import annotations

from typing import Any, TypeVar

from eventsourcing.application import Application

IN_MEMORY = {
    "PERSISTENCE_MODULE": "eventsourcing.popo",
    "MAPPER_TOPIC": "shared.eventstore.mapper:ContractMapper",
}

A = TypeVar("A", bound=Application[Any])


def in_memory(application: type[A], **env: str) -> A:
    """`application` (e.g. ComplaintsApplication, SlaApplication, NotifierApplication) on a
    fresh in-memory store; `env` is laid over IN_MEMORY."""
    return application(env={**IN_MEMORY, **env})
