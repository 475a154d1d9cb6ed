"""The reporting projection: eventsourcing's Projection over the complaints log
(complaints_log.py), folding events into the view (view.py, view_backends.py) with their
position in one transaction: a page of events per transaction while catching up, each event
alone when live. Events that cannot be decoded, or cannot be folded (an orphan: no
submitted event of its complaint before it), are recorded in ``undecodable_events`` and
published to ``deadletter.reporting``; the projection goes on. While the log of record is
shorter than it was (the watch's ``shrunk`` check) the projection waits.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
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
        self.process_page([(domain_event, tracking)])

    def process_page(self, page: list[tuple[Any, Tracking]]) -> None:
        """Fold a page of events, in one transaction with the position of its last event;
        an event younger than TRACED_WITHIN gets its own span and commit (it is live: its
        trace shows when it reached the read model). Dead letters go to the sink either way."""
        if not page or not self._resumed():
            return  # stopping while paused: neither folded nor tracked, read again next start
        items: list[tuple[int, ev.Event | Undecodable]] = []
        done: Tracking | None = None  # the position the items reach
        for domain_event, tracking in page:
            fact = (
                domain_event
                if isinstance(domain_event, Undecodable)
                else getattr(domain_event, "fact", None)
            )
            if isinstance(fact, ev.Event) and utcnow() - fact.occurred_at <= TRACED_WITHIN:
                if done is not None:
                    self.view.apply_batch(items, done, self.sink)
                    items, done = [], None
                self._traced(domain_event, fact, tracking)
                continue
            if isinstance(fact, ev.Event | Undecodable):  # else not a complaint event: moves on
                items.append((tracking.notification_id, fact))
            done = tracking
        if done is not None:
            self.view.apply_batch(items, done, self.sink)

    def _traced(self, domain_event: Any, fact: ev.Event, tracking: Tracking) -> None:
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


class PagedProjectionRunner(ProjectionRunner[ComplaintsLog, ReportingView]):
    """eventsourcing's runner, handing the projection a page of the events it has already
    read (up to PAGE) instead of one event: while catching up, one commit per page (the
    catch-up ran at a commit per event); when live, pages of one event, as before."""

    @staticmethod
    def _process_events_loop(  # type: ignore[override]
        subscription: Any, projection: Any, is_stopping: threading.Event, runner: Any
    ) -> None:
        # The library's loop (its error and stop handling), over pages instead of events.
        ProjectionRunner._process_events_loop(
            _pages(subscription), _PageFolder(projection), is_stopping, runner
        )


PAGE = 1000  # events per transaction while catching up (as the rebuild's batches)


def _pages(subscription: Any) -> Iterator[tuple[list[tuple[Any, Tracking]], None]]:
    page: list[tuple[Any, Tracking]] = []
    for domain_event, tracking in subscription:
        page.append((domain_event, tracking))
        if len(page) >= PAGE or not _more_read(subscription):
            yield page, None
            page = []
    if page:
        yield page, None


def _more_read(subscription: Any) -> bool:
    """Whether the subscription holds events it has read already, so the next one comes
    without waiting (catching up). eventsourcing 9.5 has no public question for it: its
    ListenNotifySubscription keeps the page it hands out and a queue of pages read ahead.
    Unknown (another version): False, a commit per event as before."""
    inner = getattr(subscription, "subscription", None)
    try:
        handing_out = inner._notifications_index < len(inner._notifications)  # type: ignore[union-attr]
        return handing_out or not inner._notifications_queue.empty()  # type: ignore[union-attr]
    except AttributeError:
        return False


class _PageFolder:
    """What the library's loop calls with each (page, None)."""

    def __init__(self, projection: ReportingProjection) -> None:
        self.projection = projection

    def process_event(self, page: list[tuple[Any, Tracking]], _: None) -> None:
        self.projection.process_page(page)


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
    return PagedProjectionRunner(
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
