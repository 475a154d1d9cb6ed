"""Durable JetStream pull consumers with explicit acks, as the notifier and the SLA monitor run
them. A service says which subjects, which handler (subject, body → outcome) and which verdict
on an error (shared/runtime/verdicts.py `judge`); every delivery then ends in ack, nack with
delay, hold-and-retry in process, or dead letter (shared/contract/deadletters.py) + term,
inside its `obs.handling` span, with heartbeats. On start `declare()` creates the durable or
brings it to the service's config."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.aio.msg import Msg
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared.contract import deadletters, subjects
from shared.eventstore.link import pull_inbox
from shared.runtime import observability as obs
from shared.runtime.logwatch import beyond_end
from shared.runtime.verdicts import (
    DeadLetter,
    Failure,
    Hold,
    Hopeless,
    Retry,
    RetryPolicy,
    Verdict,
    judge,
)

# What to do with a delivery that failed is shared/runtime/verdicts.py's (pure, so a domain
# module can raise Hopeless); the names are re-exported for the services that run consumers.
__all__ = [
    "SERVICE_LOG_LEVEL",
    "DeadLetter",
    "Failure",
    "Hold",
    "Hopeless",
    "PullConsumer",
    "Retry",
    "RetryPolicy",
    "Verdict",
    "judge",
]

# faststream's own lines per message ("Received", "Processed") at this level, off at info
# (issue #23: two formatted lines per message were about a tenth of a quiet handler's CPU);
# its errors keep their level. What a handler did is our line (`outcome_level`).
SERVICE_LOG_LEVEL = logging.DEBUG

MAX_DELIVERIES_ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.{consumer}"

# --- the runtime -----------------------------------------------------------------------------

Handler = Callable[[str, bytes], Awaitable[str]]  # subject, body → outcome (logged)
Judge = Callable[[Exception, int, RetryPolicy], Verdict]  # error, attempts so far


@dataclass
class PullConsumer:
    """One durable on `stream`, shared by every instance of `service`."""

    broker: NatsBroker
    service: str  # names the span (obs.handling)
    name: str  # the durable, and the consumer of its dead letters
    stream: str
    filter_subjects: list[str]
    description: str
    policy: RetryPolicy
    ack_wait: float  # a killed instance's messages come back after this
    handle: Handler
    judge: Judge
    log: logging.Logger
    # Space out redeliveries after ack timeouts (RetryPolicy.backoff). Not with nak delays:
    # the server then adds the two, and retries come far later than the policy says.
    backoff: bool = False
    wait: Callable[[float], Awaitable[None]] = asyncio.sleep  # how a Hold waits
    # Why handling pauses now (the log shrank: logwatch's `shrunk` check), or None.
    paused: Callable[[], str | None] = lambda: None
    # The level an outcome is logged at (issue #23: a line per message at info is a good part
    # of a quiet handler's work; a service says which outcomes are routine).
    outcome_level: Callable[[str], int] = lambda _: logging.INFO

    def config(self) -> ConsumerConfig:
        backoff = self.policy.backoff(self.ack_wait) if self.backoff else None
        return ConsumerConfig(
            durable_name=self.name,
            description=self.description,
            filter_subjects=self.filter_subjects,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=JsAckPolicy.EXPLICIT,
            # With a backoff the server uses backoff[0] as the ack wait (equal to ack_wait).
            ack_wait=backoff[0] if backoff else self.ack_wait,
            backoff=backoff,
            max_deliver=self.policy.max_deliver,
            max_ack_pending=1000,
        )

    async def declare(self) -> None:
        """Create the durable, or bring an existing one to this config (filter, description,
        ack wait, backoff, max deliver): call it before the broker starts the subscribers.
        nats-py binds to an existing durable as it is, so an upgraded service would keep the
        old filter subjects and never receive the new ones. The server keeps the durable's
        position: stream messages on a newly added subject that lie before it are not
        delivered (nats-server issue 7268), only those appended after it."""
        await self.broker.connect()
        js = self.broker.config.connection_state.stream
        await js.add_consumer(self.stream, self.config())

    def subscribe(self, workers: int, fetch_timeout: float, *, advisory: bool = False) -> None:
        """`workers` pull loops of one message each, rather than one loop fetching N: a
        multi-message fetch waits for the batch to fill (up to its timeout) before handing out
        the first message, and a concurrent subscriber's buffer holds messages without
        heartbeats (they would be redelivered while waiting). With `advisory`, a message whose
        last delivery died with its handler is dead-lettered instead of lost."""
        for _ in range(workers):
            self.broker.subscriber(
                "",
                stream=JStream(self.stream, declare=False),
                durable=self.name,
                config=self.config(),
                pull_sub=PullSub(batch_size=1, timeout=fetch_timeout),
                inbox_prefix=pull_inbox(self.broker),
                ack_policy=AckPolicy.MANUAL,
                decoder=itself,
            )(self._delivered)
        if advisory:
            self.broker.subscriber(
                MAX_DELIVERIES_ADVISORY.format(stream=self.stream, consumer=self.name),
                queue=self.name,
                decoder=raw_body,
            )(self.on_max_deliveries)

    async def position_problem(self) -> str | None:
        """Readiness: the durable's delivered sequence and ack floor lie inside the stream
        (beyond its end, the events that get those sequences again would be skipped)."""
        js = self.broker.config.connection_state.stream
        try:
            info = await js.consumer_info(self.stream, self.name)
        except NotFoundError:
            return f"consumer {self.name} on {self.stream} is missing (was the stream recreated?)"
        last = (await js.stream_info(self.stream)).state.last_seq
        seen = [s.stream_seq for s in (info.delivered, info.ack_floor) if s is not None]
        return beyond_end(f"consumer {self.name} on {self.stream}", max(seen, default=0), last)

    async def _delivered(self, msg: Any) -> None:
        """faststream's handler: the decoded body is the message itself (`itself`). Annotated
        as NatsMessage, the argument would be a context field that FastDepends solves per
        message in an anyio task group and a worker thread (issue #23: about a tenth of the
        SLA monitor's CPU per event)."""
        await self.deliver(msg)

    async def deliver(self, msg: NatsMessage) -> None:
        """Runs one delivery to its end: ack, nack with delay, hold, or dead-letter."""
        raw: Msg = msg.raw_message
        delivered = raw.metadata.num_delivered
        attempt = delivered  # deliveries, plus tries held in process: the backoff's n
        with obs.handling(self.service, raw.subject, raw.headers):
            with self._heartbeat(raw):
                if self.paused() is not None:
                    await self._while_paused(raw.subject)
                while True:
                    try:
                        outcome = await self.handle(raw.subject, raw.data)
                    except Exception as error:
                        verdict = self.judge(error, attempt, self.policy)
                        self.log.warning(
                            "%s %s (delivery %d, attempt %d): %s: %s → %s",
                            self.name, raw.subject, delivered, attempt, type(error).__name__,
                            error, verdict,
                        )  # fmt: skip
                        if isinstance(verdict, Hold):
                            await self.wait(verdict.delay)
                            attempt += 1
                            continue
                        if isinstance(verdict, Retry):
                            await msg.nack(delay=verdict.delay)
                        else:
                            seq = raw.metadata.sequence.stream
                            await self.dead_letter(
                                raw.data, raw.subject, seq, verdict.reason, delivered
                            )
                            await msg.reject()  # term: the server never delivers it again
                        return
                    level = self.outcome_level(outcome)
                    if self.log.isEnabledFor(level):
                        self.log.log(level, "%s %s: %s", self.name, raw.subject, outcome)
                    await msg.ack()
                    return

    async def _while_paused(self, subject: str) -> None:
        """Hold the message, unhandled and unacked, while the log of record is shorter than it
        was: a letter, timer or escalation decided on a log that lost events could be wrong."""
        said = None
        while (why := self.paused()) is not None:
            if why != said:
                self.log.warning("%s paused before %s: %s", self.name, subject, why)
                said = why
            await asyncio.sleep(0.5)
        if said is not None:
            self.log.info("%s resumes with %s", self.name, subject)

    async def dead_letter(
        self, data: bytes, subject: str, stream_seq: int, reason: str, deliveries: int
    ) -> None:
        headers = deadletters.headers(
            self.name, self.stream, stream_seq, reason, subject=subject, deliveries=deliveries
        )
        await self.broker.publish(
            data,
            subject=subjects.deadletter_subject(self.name),
            headers=headers,
            stream=subjects.DEADLETTER_STREAM,
        )
        obs.DEAD_LETTERS.labels(self.name).inc()
        self.log.error("%s dead-lettered %s (seq %d): %s", self.name, subject, stream_seq, reason)

    async def on_max_deliveries(self, advisory: bytes) -> None:
        """A message whose last delivery died with its handler (nobody could decide): the
        server stops delivering it, so dead-letter it from the stream rather than lose it."""
        info = json.loads(advisory)
        seq, deliveries = int(info["stream_seq"]), int(info.get("deliveries", 0))
        js = self.broker.config.connection_state.stream
        stored = await js.get_msg(self.stream, seq, direct=True)
        reason = f"max deliveries ({deliveries}) reached without a decision"
        await self.dead_letter(stored.data or b"", stored.subject or "", seq, reason, deliveries)

    @contextlib.contextmanager
    def _heartbeat(self, raw: Msg) -> Iterator[None]:
        """Keeps the server from redelivering while we are still working (slow work, hold).
        A timer, not a task per message: most messages are done long before the first beat
        (issue #23: creating and cancelling a task was a share of each message's work)."""
        loop = asyncio.get_running_loop()
        beats: set[asyncio.Task[None]] = set()

        async def in_progress() -> None:
            with contextlib.suppress(Exception):
                await raw.in_progress()

        def beat() -> None:
            nonlocal timer
            task = loop.create_task(in_progress())
            beats.add(task)
            task.add_done_callback(beats.discard)
            timer = loop.call_later(self.ack_wait / 3, beat)

        timer = loop.call_later(self.ack_wait / 3, beat)
        try:
            yield
        finally:
            timer.cancel()


async def itself(msg: NatsMessage) -> NatsMessage:
    """The decoder of a pull consumer's deliveries: the message, acked by the handler."""
    return msg


async def raw_body(msg: NatsMessage) -> bytes:
    # Bodies stay bytes: decoding is the use case's job, so garbage reaches it and is
    # dead-lettered with a reason instead of failing inside the framework.
    return msg.body
