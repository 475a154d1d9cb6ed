"""What a durable consumer does with a delivery that failed: retry later, hold and retry in
process, or dead-letter. One exception says "give up on this message" (`Hopeless`) and one
function (`judge`) turns any error into a verdict, for every service that consumes events.

Pure (no client library), so a service's domain module can raise `Hopeless` without importing
the runtime; shared/runtime/consumer.py carries the verdicts out and re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Failure = Literal["transient", "undeliverable", "unexpected"]
Errors = tuple[type[BaseException], ...]


class Hopeless(Exception):
    """This message can never be handled (garbage, a subject that disagrees with its body, a
    complaint that does not exist, a letter no template can build): dead-letter it with
    `reason`. `attempts` is how many deliveries it gets first: 1 for garbage, more where a
    replica that has not caught up yet may be the cause."""

    def __init__(self, reason: str, attempts: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts


@dataclass(frozen=True)
class Retry:
    delay: float


@dataclass(frozen=True)
class Hold:
    """Keep the message and retry in process after `delay` (heartbeats keep it ours): on the
    last delivery with a transient cause, because an outage must never dead-letter a letter or
    a deadline and the server will not deliver it again; or whenever a service would rather
    wait itself (the notifier for its relay: `PullConsumer.wait` can end the wait early)."""

    delay: float


@dataclass(frozen=True)
class DeadLetter:
    reason: str


Verdict = Retry | Hold | DeadLetter


@dataclass(frozen=True)
class RetryPolicy:
    max_deliver: int = 20
    base: float = 1.0
    cap: float = 300.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff: base, 2·base, 4·base, ... capped."""
        return min(self.cap, self.base * 2 ** max(0, attempt - 1))

    def backoff(self, ack_wait: float, steps: int = 5) -> list[float]:
        """Server-side redelivery delays after an ack timeout (a crashed or hung handler)."""
        steps = max(1, min(steps, self.max_deliver - 1))
        return [max(ack_wait, min(self.cap, ack_wait * 2**i)) for i in range(steps)]

    def verdict(
        self, failure: Failure, reason: str, num_delivered: int, attempts: int = 1
    ) -> Verdict:
        last = num_delivered >= self.max_deliver
        if failure == "transient":
            return Hold(self.delay(num_delivered)) if last else Retry(self.delay(num_delivered))
        if failure == "undeliverable" and num_delivered >= attempts:
            return DeadLetter(reason)
        if last:
            return DeadLetter(f"retries exhausted after {num_delivered} deliveries: {reason}")
        return Retry(self.delay(num_delivered))


def judge(
    error: Exception,
    delivered: int,
    policy: RetryPolicy,
    *,
    transient: Errors,
    hold: Errors = (),
    hopeless: Errors = (),
) -> Verdict:
    """The verdict on `error` after `delivered` deliveries (plus tries held in process).

    `hold`: wait in process on the retry schedule (the notifier's relay: a nak delay cannot be
    cut short when the relay answers again). `Hopeless`: dead-letter after its attempts, with
    its reason. `transient` (an outage): retry, held on the last delivery, never dead-lettered.
    `hopeless` (domain errors a redelivery cannot change): dead-letter at once. Anything else is
    a surprise: retried until the deliveries run out, then dead-lettered."""
    if isinstance(error, hold):
        return Hold(policy.delay(delivered))
    if isinstance(error, Hopeless):
        return policy.verdict("undeliverable", error.reason, delivered, error.attempts)
    reason = f"{type(error).__name__}: {error}"
    if isinstance(error, transient):
        return policy.verdict("transient", reason, delivered)
    if isinstance(error, hopeless):
        return policy.verdict("undeliverable", reason, delivered)
    return policy.verdict("unexpected", reason, delivered)
