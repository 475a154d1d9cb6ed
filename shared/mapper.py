"""Maps Complaint domain events to stored events whose state is the contract's JSON.

The stored bytes are exactly ``shared.events.encode(fact)``, so an analyst reading the stream
sees the published contract, not an opaque blob. Events that are not contract events (e.g. the
library's own) keep eventsourcing's standard mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import CanInitAggregate
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from shared import events as ev


@dataclass(frozen=True)
class ContractStoredEvent(StoredEvent):
    """A stored event that knows its event id (used as ``Nats-Msg-Id``)."""

    event_id: str = ""


class ContractMapper(Mapper[Any]):
    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        fact = getattr(domain_event, "fact", None)
        if not isinstance(fact, ev.Event):
            return super().to_stored_event(domain_event)
        return ContractStoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=ev.encode(fact),
            event_id=str(fact.event_id),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls = resolve_topic(stored_event.topic)
        if getattr(cls, "contract", None) is None:
            return super().to_domain_event(stored_event)
        try:
            fact = ev.decode(stored_event.state)
        except Exception as e:
            raise MapperDeserialisationError(
                f"event {stored_event.originator_id} v{stored_event.originator_version}: {e}"
            ) from e
        state: dict[str, Any] = {
            "originator_id": fact.complaint_id,
            "originator_version": fact.version,
            "timestamp": fact.occurred_at,
            "fact": fact,
        }
        if issubclass(cls, CanInitAggregate):
            state["originator_topic"] = get_topic(_aggregate_of(cls))
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", state)
        return domain_event


def _aggregate_of(event_cls: type) -> type:
    """The aggregate class an event class is nested in (``Complaint.Submitted`` → Complaint)."""
    module = __import__(event_cls.__module__, fromlist=["_"])
    return getattr(module, event_cls.__qualname__.split(".")[0])
