"""The reporting projection: eventsourcing's Projection over the complaints log
(complaints_log.py), folding each event into the view (view.py, view_backends.py) with its
position in one transaction. Events that cannot be decoded, or cannot be folded (an orphan: no
submitted event of its complaint before it), are recorded in ``undecodable_events`` and
published to ``deadletter.reporting``; the projection goes on. While the log of record is
shorter than it was (the watch's ``shrunk`` check) the projection waits.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection, ProjectionRunner
from opentelemetry.trace import SpanKind

from services.reporting.complaints_log import ComplaintsLog
from services.reporting.fold import Undecodable
from services.reporting.view import DeadLetterSink, ReportingView
from services.reporting.view_backends import PROJECTION_NAME, view_class_for, view_env
from shared.contract import events as ev
from shared.contract.subjects import COMPLAINTS_STREAM
from shared.eventstore import highwater
from shared.eventstore.link import JetStreamLink
from shared.runtime import tracing
from shared.runtime.clock import utcnow
from shared.runtime.logwatch import Check, beyond_end

logger = logging.getLogger("klachten.reporting.projection")


# Events younger than this are projected as a span of their complaint's trace; older ones
# (a rebuild, a new replica catching up) are not, or a replay would write a span per event.
TRACED_WITHIN = timedelta(minutes=5)


class ReportingProjection(Projection[ReportingView]):
    name = PROJECTION_NAME
    sink: ClassVar[DeadLetterSink | None] = None
    # Why folding pauses now (the log shrank: the watch's `shrunk` check), or None; and set
    # when the service stops, so a paused runner thread ends without folding.
    paused: ClassVar[Callable[[], str | None]] = staticmethod(lambda: None)
    closing: ClassVar[threading.Event] = threading.Event()

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:  # type: ignore[override]
        if not self._resumed():
            return  # stopping while paused: neither folded nor tracked, read again next start
        fact = (
            domain_event
            if isinstance(domain_event, Undecodable)
            else getattr(domain_event, "fact", None)
        )
        if not isinstance(fact, ev.Event | Undecodable):
            self.view.apply_batch([], tracking)  # not a complaint event: only move on
            return
        if isinstance(fact, Undecodable) or utcnow() - fact.occurred_at > TRACED_WITHIN:
            self.view.apply_batch([(tracking.notification_id, fact)], tracking, self.sink)
            return  # dead letters and old events (a rebuild, a catch-up) get no span
        name = f"project {ev.subject_token(type(fact))}"
        parent = {"traceparent": getattr(domain_event, "traceparent", "")}
        with tracing.complaint_span(name, fact.complaint_id, parent, kind=SpanKind.CONSUMER):
            self.view.apply_batch([(tracking.notification_id, fact)], tracking, self.sink)

    def _resumed(self) -> bool:
        """Wait while the log of record is short (a read model folded from it would count
        wrong and its position would skip the events restored later); False when stopping."""
        said = None
        while (why := self.paused()) is not None:
            if why != said:
                logger.warning("the projection paused: %s", why)
                said = why
            if self.closing.wait(0.5):
                return False
        if said is not None:
            logger.info("the projection resumes")
        return True


def projection_with(
    sink: DeadLetterSink | None, paused: Callable[[], str | None] | None = None
) -> type[ReportingProjection]:
    fields = {"name": PROJECTION_NAME, "sink": sink, "closing": threading.Event()}
    if paused is not None:
        fields["paused"] = staticmethod(paused)
    return type("ReportingProjection", (ReportingProjection,), fields)


def start_runner(
    db: str,
    nats_url: str,
    sink: DeadLetterSink | None = None,
    paused: Callable[[], str | None] | None = None,
) -> ProjectionRunner[ComplaintsLog, ReportingView]:
    env = {**view_env(db), "NATS_URL": nats_url}
    return ProjectionRunner(
        application_class=ComplaintsLog,
        projection_class=projection_with(sink, paused),
        view_class=view_class_for(db),
        env=env,
    )


# --- readiness: the view's position against the log ----------------------------------------


def position_problem(view: ReportingView, link: JetStreamLink) -> str | None:
    """Readiness: the read model's position lies inside the log. Beyond its end (a restored
    or shrunken log) the events that get those sequences again would never be folded."""
    last_seq = log_bounds(link)[1]
    return beyond_end("the read model (projection)", view.position(), last_seq)


def log_bounds(link: JetStreamLink) -> tuple[int, int, int]:
    """(first sequence, last sequence, messages) of the log of record, for the shrink check."""
    state = link.run(link.api(f"STREAM.INFO.{COMPLAINTS_STREAM}"), timeout=5)["state"]
    return state["first_seq"], state["last_seq"], state["messages"]


def shrunk_check(data_dir: Path, link: Callable[[], JetStreamLink]) -> Check:
    """The watch's `shrunk` check for reporting (eventstore/highwater.py); it pauses the runner."""
    return highwater.check(data_dir, "reporting", lambda: asyncio.to_thread(log_bounds, link()))
