"""A generated, reproducible complaint history for the reporting tests, with its own tally.

The tally is computed from the plan (what the generator decided), never from the projection,
so the yearly report can be checked against counts that were known before any fold ran.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from shared.contract import events as ev
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause, Complaint

CHANNELS: tuple[ev.Channel, ...] = ("web", "email", "phone", "letter", "api")
CATEGORIES = ("service", "billing", "conduct", None)
RESOLUTIONS: tuple[ev.Resolution, ...] = (
    "well_founded",
    "partly_well_founded",
    "unfounded",
    "no_judgement",
)
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
_LOCAL = ZoneInfo("Europe/Amsterdam")


def letter(kind: ev.LetterKind, at: datetime) -> ev.LetterRecord:
    return ev.LetterRecord(
        kind=kind,
        template=kind,
        template_version="1",
        language="nl",
        content_sha256="0" * 64,
        message_id=f"<{uuid4()}@test>",
        sent_at=at,
    )


@dataclass
class Tally:
    received_by_year: Counter[int] = field(default_factory=Counter)
    closed_by_year: Counter[int] = field(default_factory=Counter)
    judgement_2025: Counter[str] = field(default_factory=Counter)
    escalations_2025: int = 0
    extensions_2025: int = 0
    buckets_2025: Counter[str] = field(default_factory=Counter)
    events: int = 0
    ids: list[UUID] = field(default_factory=list)


def generate(app: ComplaintsApplication, n: int, seed: int = 7) -> Tally:
    rng = random.Random(seed)
    tally = Tally()
    for i in range(n):
        received = START + timedelta(hours=i * 8760 / n + rng.random())
        cid = uuid4()
        tally.ids.append(cid)
        c = Complaint.submit(
            complaint_id=cid,
            reference=f"K-{i:06d}",
            channel=rng.choice(CHANNELS),
            language="nl",
            personal=ev.SubmittedPersonal(
                complainant=ev.Complainant(name=f"Person {i}", email=f"p{i}@example.org"),
                subject="s",
                description="d",
            ),
            received_at=received,
            now=received + timedelta(minutes=3),
            cause=Cause(actor="web"),
            category=rng.choice(CATEGORIES),
        )
        app.save(c)
        tally.received_by_year[_year(received)] += 1
        _lifecycle(c, rng, received, tally)
        app.save(c)
        tally.events += c.version
    return tally


def _lifecycle(c: Complaint, rng: random.Random, received: datetime, tally: Tally) -> None:
    staff = Cause(actor="staff:test")
    if rng.random() < 0.05:
        return  # still waiting for its acknowledgement
    at = received + timedelta(days=rng.uniform(0.1, 3))
    c.acknowledge(
        letter=letter("acknowledgement", at),
        respond_by=received + timedelta(days=14),
        statutory_by=received + timedelta(weeks=6),
        acknowledge_by=received + timedelta(days=5),
        now=at,
        cause=Cause(actor="notifier"),
    )
    statutory = received + timedelta(weeks=6)
    if rng.random() < 0.1:
        at = received + timedelta(days=15)
        c.escalate(
            level=1,
            target="team-lead",
            reason="deadline_missed",
            now=at,
            cause=Cause(actor="sla_monitor"),
            clock="respond",
            respond_by=at + timedelta(days=7),
        )
        tally.escalations_2025 += _year(at) == 2025
    if rng.random() < 0.1:
        at = received + timedelta(days=20)
        c.extend(weeks=4, reason="complex", statutory_by=statutory, now=at, cause=staff)
        tally.extensions_2025 += _year(at) == 2025
    roll = rng.random()
    if roll < 0.1:
        return  # open, unanswered
    if roll < 0.15:
        at = received + timedelta(days=rng.uniform(1, 30))
        c.close(outcome="withdrawn", now=at, cause=staff)
        _closed(tally, received, at, None)
        return
    answered = received + timedelta(
        days=rng.choice([rng.uniform(1, 27), rng.uniform(29, 55), rng.uniform(57, 80)])
    )
    resolution = rng.choice(RESOLUTIONS)
    c.respond(text="answer", resolution=resolution, now=answered, cause=staff)
    if rng.random() < 0.85:
        at = answered + timedelta(hours=1)
        c.close(outcome="resolved", now=at, cause=staff)
        _closed(tally, received, at, resolution)


def _closed(tally: Tally, received: datetime, at: datetime, resolution: str | None) -> None:
    year = _year(at)
    tally.closed_by_year[year] += 1
    if year == 2025:
        tally.judgement_2025[resolution or "no_response"] += 1
        d = (at - received).total_seconds() / 86400
        tally.buckets_2025[
            "within_6_weeks" if d <= 42 else "6_to_10_weeks" if d <= 70 else "over_10_weeks"
        ] += 1


def _year(at: datetime) -> int:
    return at.astimezone(_LOCAL).year
