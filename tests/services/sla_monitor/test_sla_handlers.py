"""The SLA monitor's message handlers and verdict alone: no nats-server (the use case behind a
handler is a stand-in that answers as SlaService does; the real one runs in
test_sla_service.py against a real server)."""

from __future__ import annotations

from typing import Any, cast

from prometheus_client import REGISTRY

from services.sla_monitor.app import verdict, when_complaint_changed, when_timer_fired
from services.sla_monitor.application import SlaService
from shared.rules.deadlines import SlaInputError
from shared.runtime.verdicts import DeadLetter, Hold, Hopeless, Retry, RetryPolicy

POLICY = RetryPolicy(max_deliver=5, base=1.0, cap=8.0)
SUBJECT = "timers.fired.0b6f3c1e-1d2a-4c55-9a4e-0d6f9f1e2a33.check"


class Answers:
    """Answers the way SlaService does, and remembers what it was asked."""

    def __init__(self, fired: str) -> None:
        self.fired = fired
        self.asked: list[str] = []

    async def when_complaint_changed(self, subject: str, body: bytes | None = None) -> str:
        self.asked.append(subject)
        return "scheduled"

    async def when_timer_fired(self, subject: str) -> str:
        self.asked.append(subject)
        return self.fired


def escalations() -> float:
    return REGISTRY.get_sample_value("klachten_escalations_total", {"by": "deadline"}) or 0.0


async def test_each_handler_hands_the_subject_to_its_use_case_and_counts_escalations() -> None:
    escalating = Answers("escalated to level 2 (b-1, missed 2026-12-01T23:00:00+00:00)")
    service = cast(SlaService, escalating)
    before = escalations()
    assert await when_complaint_changed(service, SUBJECT, b"") == "scheduled"
    assert (await when_timer_fired(service, SUBJECT, b"")).startswith("escalated")
    assert escalating.asked == [SUBJECT, SUBJECT]
    quiet = cast(Any, Answers("nothing due; timer scheduled"))
    await when_timer_fired(quiet, SUBJECT, b"")
    assert escalations() == before + 1


def test_the_verdicts_of_the_monitor() -> None:
    # An outage never dead-letters a deadline: retried, then held on the last delivery.
    assert verdict(OSError("nats down"), 2, POLICY) == Retry(2.0)
    assert verdict(OSError("nats down"), 5, POLICY) == Hold(8.0)
    # A complaint that does not exist (yet): a few deliveries for a lagging replica.
    missing = Hopeless("complaint x does not exist", attempts=3)
    assert verdict(missing, 2, POLICY) == Retry(2.0)
    assert verdict(missing, 3, POLICY) == DeadLetter("complaint x does not exist")
    # A domain error a redelivery cannot change: at once.
    assert isinstance(verdict(SlaInputError("no complaint id"), 1, POLICY), DeadLetter)
    assert verdict(RuntimeError("bug"), 1, POLICY) == Retry(1.0)
