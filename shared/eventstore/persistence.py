"""eventsourcing persistence module that stores events in the JetStream stream COMPLAINTS.

Select it with ``PERSISTENCE_MODULE=shared.eventstore.persistence``: eventsourcing looks for the
one `InfrastructureFactory` subclass in this module. The parts live by job:

- layout.py: what a stored event looks like (subject, headers, hash chain input);
- aggregate_recorder.py: appends a save's events (OCC, atomic batches, lost acks) and reads one
  aggregate back;
- application_recorder.py: the notification log (notification id = stream sequence);
- tracking_recorder.py: tracking and process recorders;
- subscription.py: the subscription followers pull through;
- factory.py: the factory (connection, contract mapper with its key store, signing).

The names are re-exported here for code that imports them from the persistence module; new code
imports the module that owns the name (the auditor and readers: layout.py).
"""

from __future__ import annotations

from shared.eventstore.aggregate_recorder import (
    BATCH_MAX,
    MULTI_LAST_MAX,
    PUBLISH_ATTEMPTS,
    JetStreamAggregateRecorder,
)
from shared.eventstore.application_recorder import JetStreamApplicationRecorder
from shared.eventstore.factory import JetStreamFactory
from shared.eventstore.layout import (
    HASH_HEADER,
    PREV_HASH_HEADER,
    TOPIC_HEADER,
    LoadedEvent,
    TracedNotification,
    chain_hash,
    event_type_token,
)
from shared.eventstore.subscription import JetStreamSubscription
from shared.eventstore.tracking_recorder import JetStreamProcessRecorder, JetStreamTrackingRecorder

__all__ = [
    "BATCH_MAX",
    "HASH_HEADER",
    "MULTI_LAST_MAX",
    "PREV_HASH_HEADER",
    "PUBLISH_ATTEMPTS",
    "TOPIC_HEADER",
    "JetStreamAggregateRecorder",
    "JetStreamApplicationRecorder",
    "JetStreamFactory",
    "JetStreamProcessRecorder",
    "JetStreamSubscription",
    "JetStreamTrackingRecorder",
    "LoadedEvent",
    "TracedNotification",
    "chain_hash",
    "event_type_token",
]
