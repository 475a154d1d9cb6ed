"""eventsourcing's `InfrastructureFactory` for JetStream: one NATS connection per factory (i.e.
per application), the contract mapper with its key store, and recorders that sign with the key
of the NATS user they connect as. eventsourcing finds it through PERSISTENCE_MODULE
(shared/eventstore/persistence.py)."""

from __future__ import annotations

import threading
from typing import Any

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    Mapper,
    ProcessRecorder,
    TrackingRecorder,
)
from eventsourcing.utils import resolve_topic, strtobool

from shared.config.permissions import user_of
from shared.contract import subjects
from shared.eventstore.aggregate_recorder import JetStreamAggregateRecorder
from shared.eventstore.application_recorder import JetStreamApplicationRecorder
from shared.eventstore.link import JetStreamLink
from shared.eventstore.mapper import ContractMapper, attach_keystore
from shared.eventstore.tracking_recorder import JetStreamProcessRecorder, JetStreamTrackingRecorder
from shared.integrity import signing


class JetStreamFactory(InfrastructureFactory[TrackingRecorder]):
    """Builds JetStream recorders; one NATS connection per factory (i.e. per application)."""

    NATS_URL = "NATS_URL"
    NATS_USER = "NATS_USER"
    NATS_PASSWORD = "NATS_PASSWORD"
    JETSTREAM_STREAM = "JETSTREAM_STREAM"
    CREATE_TABLE = "CREATE_TABLE"

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self._link: JetStreamLink | None = None
        self._lock = threading.Lock()

    @property
    def link(self) -> JetStreamLink:
        with self._lock:
            if self._link is None:
                url = (
                    self.env.get(self.NATS_URL)
                    or self.env.get("KLACHTEN_NATS_URL")
                    or "nats://127.0.0.1:4222"
                )
                options: dict[str, Any] = {"name": f"klachten-{self.env.name or 'app'}"}
                if self.env.get(self.NATS_USER):
                    options["user"] = self.env.get(self.NATS_USER)
                    options["password"] = self.env.get(self.NATS_PASSWORD, "")
                self._link = JetStreamLink(url, **options)
            return self._link

    @property
    def stream(self) -> str:
        return self.env.get(self.JETSTREAM_STREAM) or subjects.COMPLAINTS_STREAM

    def mapper(
        self, transcoder: Any = None, mapper_class: type[Mapper[Any]] | None = None
    ) -> Mapper[Any]:
        if mapper_class is None and not self.env.get(self.MAPPER_TOPIC):
            mapper_class = ContractMapper
        mapper = super().mapper(transcoder=transcoder, mapper_class=mapper_class)
        # Personal data is sealed per complainant (docs/privacy.md); KLACHTEN_KEYSTORE=none
        # gives the analyst's keyless view.
        return attach_keystore(mapper, self.env, lambda: self.link)

    def _signed(self, recorder: Any) -> Any:
        """The recorder signing with the key of the NATS user it connects as (if it has one)."""
        url = self.env.get(self.NATS_URL) or self.env.get("KLACHTEN_NATS_URL") or ""
        principal = self.env.get(self.NATS_USER) or user_of(url)
        recorder.signer = signing.load_signer(self.env.get("KLACHTEN_DATA_DIR"), principal)
        return recorder

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        if purpose == "snapshots":
            return JetStreamAggregateRecorder(self.link, self.stream, prefix="snapshots")
        return self._signed(JetStreamAggregateRecorder(self.link, self.stream))

    def application_recorder(self) -> ApplicationRecorder:
        topic = self.env.get(self.APPLICATION_RECORDER_TOPIC)
        cls = resolve_topic(topic) if topic else JetStreamApplicationRecorder
        return self._signed(cls(self.link, self.stream))

    def tracking_recorder(
        self, tracking_recorder_class: type[TrackingRecorder] | None = None
    ) -> TrackingRecorder:
        if tracking_recorder_class is None:
            topic = self.env.get(self.TRACKING_RECORDER_TOPIC)
            tracking_recorder_class = resolve_topic(topic) if topic else JetStreamTrackingRecorder
        return tracking_recorder_class(self.link, self.stream)

    def process_recorder(self) -> ProcessRecorder:
        topic = self.env.get(self.PROCESS_RECORDER_TOPIC)
        cls = resolve_topic(topic) if topic else JetStreamProcessRecorder
        return self._signed(cls(self.link, self.stream))

    def create_table_enabled(self) -> bool:
        return strtobool(self.env.get(self.CREATE_TABLE) or "yes")

    def close(self) -> None:
        with self._lock:
            if self._link is not None:
                self._link.close()
                self._link = None
