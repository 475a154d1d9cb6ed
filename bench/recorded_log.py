"""Complaint histories as production records them, for the benches that fold a log
(bench/reporting_reads.py): each built through the real aggregate (shared/rules/complaint.py)
with the terms intake decides recorded in the submission (shared/rules/terms.py) and copied by
the notifier's acknowledgement, then the hearing waived, answered and closed by staff under
procedure.CURRENT; stored as the persistence module stores them (the contract mapper's JSON,
topic, hash chain), a complaint a minute, the log in the order the events occurred (a few
days of complaints interleave). bench/rebuild.py's histories record no terms: the fold then
completes them by the rules, a cost no production log of today has.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import nats
from eventsourcing.persistence import JSONTranscoder

from bench import rebuild as bare
from shared.config.policy import policy_in_force
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.layout import (
    HASH_HEADER,
    PREV_HASH_HEADER,
    TOPIC_HEADER,
    chain_hash,
    event_type_token,
)
from shared.eventstore.mapper import ContractMapper
from shared.eventstore.streams import provision
from shared.rules import procedure
from shared.rules.cause import Cause
from shared.rules.complaint import Complaint
from shared.rules.deadlines import ClockState
from shared.rules.terms import current_terms, registration_terms

PER_COMPLAINT = 5  # submitted, acknowledged, hearing waived, responded, closed
CATEGORIES = (None, "afval", "parkeren", "bejegening")
# each step's day after the submission: the log interleaves the complaints of a few days
DAYS = (0, 1, 2, 3, 4)


def history(n: int, at: datetime, rules: Any) -> list[Any]:
    """One complaint as production records it: submitted through the aggregate with the
    terms intake decides (shared/rules/terms.py), acknowledged with the terms the notifier
    copies, the hearing waived, answered and closed by staff (procedure.CURRENT)."""
    policy, calendar = rules
    cid, category = uuid4(), CATEGORIES[n % len(CATEGORIES)]
    arrival = ClockState(complaint_id=str(cid), received_at=at, category=category, channel="web")
    person = ev.SubmittedPersonal(
        complainant=ev.Complainant(name="Jan de Vries", email=f"jan{n}@example.nl"),
        subject="Container niet geleegd",
        description="Al drie weken niet geleegd.",
    )
    c = Complaint.submit(
        complaint_id=cid, reference=f"KL-2026-{n:07d}", channel="web", language="nl",
        personal=person, received_at=at, now=at, category=category,
        cause=Cause(actor="intake", correlation_id=cid), procedure=procedure.CURRENT,
        terms=registration_terms(arrival, policy, calendar, at),
    )  # fmt: skip
    day = [at + timedelta(days=d) for d in DAYS]
    terms = current_terms(c.facts, policy, calendar)
    letter = ev.LetterRecord(kind="acknowledgement", message_id=f"<{cid}@bench>", sent_at=day[1],
                             **bare.LETTER)  # fmt: skip
    c.acknowledge(
        letter=letter, acknowledge_by=terms.acknowledge_by, statutory_by=terms.statutory_by,
        respond_by=terms.respond_by or terms.statutory_by, terms=terms, now=day[1],
        cause=Cause(actor="notifier", correlation_id=cid),
    )  # fmt: skip
    staff = Cause(actor="staff:bench", correlation_id=cid)
    c.waive_hearing(ground="complainant_waived", explanation="Telefonisch", now=day[2], cause=staff)
    c.respond(text="Geleegd.", resolution="well_founded", now=day[3], cause=staff)
    c.close(outcome="resolved", now=day[4], cause=staff)
    return list(c.collect_events())


def messages(count: int) -> Iterator[tuple[str, bytes, dict[str, str]]]:
    """`count` events of complaints submitted a minute apart, stored as the persistence module
    stores them (contract JSON, topic, hash chain), in the order they occurred."""
    mapper, rules = ContractMapper(transcoder=JSONTranscoder()), policy_in_force()
    start, waiting, order = datetime(2026, 3, 2, 9, tzinfo=UTC), [], itertools.count()
    n = sent = 0
    while sent < count:
        at = start + timedelta(minutes=n)
        while waiting and (waiting[0][0] < at or n * PER_COMPLAINT >= count):
            _, _, message = heapq.heappop(waiting)
            yield message
            sent += 1
            if sent >= count:
                return
        if n * PER_COMPLAINT < count:
            prev = ""
            for event in history(n, at, rules):
                stored = mapper.to_stored_event(event)
                oid = str(stored.originator_id)
                subject = str(subjects.EventSubject(oid, stored.originator_version,
                                                    event_type_token(stored.topic)))  # fmt: skip
                digest = chain_hash(prev, subject, stored.topic, stored.state)
                headers = {TOPIC_HEADER: stored.topic, PREV_HASH_HEADER: prev, HASH_HEADER: digest}
                message = (subject, stored.state, headers)
                heapq.heappush(waiting, (event.fact.occurred_at, next(order), message))
                prev = digest
        n += 1


async def fill(url: str, upto: int, *, recorded: bool = True) -> int:
    """The log filled to `upto` events: histories with recorded terms (`messages`), or
    bench/rebuild.py's, which record none (`recorded=False`, the figures before)."""
    if not recorded:
        return await bare.fill(url, upto)
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await provision(js)
        pending = []
        for s, d, h in messages(upto):
            pending.append(await js.publish_async(s, d, headers=h))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        return int((await js.stream_info("COMPLAINTS")).state.messages)
    finally:
        await nc.close()
