"""Helpers of the SLA monitor tests (no tests here)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import nats
from nats.js.errors import NotFoundError

from services.sla_monitor.domain import TIMER
from services.sla_monitor.settings import DEFAULT_POLICY_FILE, SlaSettings
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause, Complaint
from tests.support.domain import letter, personal

STAFF = Cause(actor="staff:ann")
DAY = timedelta(days=1)


def policy_file(tmp_path: Path, *, respond_business_days: int = 10, version: str = "test") -> Path:
    text = DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
    text = text.replace(
        "respond_business_days = 10", f"respond_business_days = {respond_business_days}"
    )
    text = text.replace('version = "2026.1"', f'version = "{version}"')
    path = tmp_path / f"policy-{version}-{respond_business_days}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def sla_settings(url: str, policy: Path, **overrides: object) -> SlaSettings:
    values: dict[str, object] = {
        "nats_url": url,
        "policy_file": str(policy),
        "sla_ack_wait": 2.0,
        "sla_fetch_timeout": 0.5,
        "sla_policy_check_interval": 0.3,
        "sla_retry_base": 0.2,
        "sla_retry_cap": 1.0,
        "sla_workers": 4,
        "data_dir": policy.parent / "data",  # the test's own folder, never the checkout's
    }
    return SlaSettings(**{**values, **overrides})  # type: ignore[arg-type]


def sla_env(settings: SlaSettings) -> dict[str, str]:
    names = ("nats_url", "policy_file", "sla_ack_wait", "sla_fetch_timeout")
    names += ("sla_policy_check_interval", "sla_retry_base", "sla_retry_cap", "sla_workers")
    return {f"KLACHTEN_{n.upper()}": str(getattr(settings, n)) for n in names}


def new_complaint(received: datetime, number: int = 1, category: str | None = None) -> Complaint:
    return Complaint.submit(
        complaint_id=uuid4(),
        reference=f"KL-2026-{number:06d}",
        channel="web",
        language="nl",
        personal=personal(email=f"k{number}@example.nl"),
        received_at=received,
        now=received,
        cause=Cause(actor="complainant"),
        category=category,
    )


def backdated(app: ComplaintsApplication, days_ago: float, number: int = 1) -> UUID:
    """A complaint received (and registered) `days_ago`; nothing done since."""
    c = new_complaint(datetime.now(UTC) - days_ago * DAY, number)
    app.save(c)
    return c.id


def answered_in_time(app: ComplaintsApplication, days_ago: float, number: int = 1) -> UUID:
    """Received `days_ago`, acknowledged after an hour and answered after two days."""
    received = datetime.now(UTC) - days_ago * DAY
    c = new_complaint(received, number)
    term = received + 42 * DAY
    c.acknowledge(letter=letter(), respond_by=term, statutory_by=term,
                  now=received + timedelta(hours=1), cause=STAFF)  # fmt: skip
    c.respond(text="Ons antwoord", resolution="unfounded", now=received + 2 * DAY, cause=STAFF)
    app.save(c)
    return c.id


def escalations(app: ComplaintsApplication, complaint_id: UUID) -> list[ev.Escalated]:
    return [
        e.fact  # type: ignore[attr-defined]
        for e in app.events.get(complaint_id)
        if isinstance(getattr(e, "fact", None), ev.Escalated)
    ]


async def consumers_idle(nc: nats.NATS, *consumers: tuple[str, str]) -> bool:
    js = nc.jetstream()
    for stream, name in consumers:
        info = await js.consumer_info(stream, name)
        if info.num_pending or info.num_ack_pending:
            return False
    return True


async def scheduled_wake(nc: nats.NATS, complaint_id: UUID) -> datetime | None:
    js = nc.jetstream()
    subject = subjects.timer_schedule_subject(complaint_id, TIMER)
    try:
        msg = await js.get_msg(subjects.TIMERS_STREAM, subject=subject, direct=True)
    except NotFoundError:
        return None
    return datetime.fromisoformat(json.loads(msg.data or b"{}")["wake_at"])


async def fire_now(nc: nats.NATS, complaint_id: UUID) -> int:
    """Pretend the complaint's timer fired (a stale or early timer); its stream sequence."""
    body = json.dumps({"complaint_id": str(complaint_id)}).encode()
    ack = await nc.jetstream().publish(
        subjects.timer_fired_subject(complaint_id, TIMER), body, stream=subjects.TIMERS_STREAM
    )
    return ack.seq


async def acked_through(nc: nats.NATS, consumer: tuple[str, str], seq: int) -> bool:
    """The consumer (stream, name) has handled every message up to stream sequence `seq`."""
    info = await nc.jetstream().consumer_info(*consumer)
    return info.ack_floor.stream_seq >= seq
