"""The log reporting follows: the complaints log (eventsourcing's source application of the
projection), read with a mapper that never raises, so an unreadable event becomes a dead letter
instead of stopping the runner."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper, StoredEvent

from services.reporting import log_consumer
from services.reporting.fold import Undecodable
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.application_recorder import JetStreamApplicationRecorder
from shared.eventstore.mapper import ContractMapper

SOURCE_NAME = "ComplaintsApplication"  # the application whose log is followed


class TolerantMapper(ContractMapper):
    """Turns an unreadable stored event into an `Undecodable` instead of stopping the runner."""

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        try:
            event = super().to_domain_event(stored_event)
            if hasattr(event, "fact"):  # a contract event: keep the span that appended it
                event.__dict__["traceparent"] = getattr(stored_event, "traceparent", "")
            return event
        except Exception as e:
            return Undecodable(
                seq=int(getattr(stored_event, "id", 0)),
                complaint_id=str(stored_event.originator_id),
                version=stored_event.originator_version,
                reason=f"{type(e).__name__}: {e}"[:500],
            )


class ComplaintsLog(ComplaintsApplication):
    """The log as reporting reads it: no key store, because read models never hold personal
    data (and a key-store outage must not turn into "undecodable" rows)."""

    name = SOURCE_NAME

    def construct_env(self, name: str, env: Any = None) -> Any:
        environment = super().construct_env(name, env)
        environment["KLACHTEN_KEYSTORE"] = "none"
        return environment

    def construct_recorder(self) -> ApplicationRecorder:
        """The log's recorder, its pages read through an ordered consumer while the projection
        catches up (services/reporting/log_consumer.py), where the user may make one."""
        recorder = super().construct_recorder()
        if isinstance(recorder, JetStreamApplicationRecorder) and log_consumer.may_use(
            recorder.link
        ):
            recorder._fetch = log_consumer.CatchUp(  # type: ignore[method-assign]
                recorder.link, recorder.stream, recorder._fetch
            )
        return recorder

    def construct_mapper(self) -> Mapper[Any]:
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=TolerantMapper
        )
