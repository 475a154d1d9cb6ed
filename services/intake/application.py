"""Intake use cases: submit (idempotent, with a reference), staff actions, status lookup.

Idempotency survives restarts: the key is claimed *before* the append, in the same entry
that indexes the reference (services/intake/claims.py), and the complaint id is uuid5 of the
key, so a crash between the two resumes with the same id and reference, and a second
``Submitted`` for that id is refused by the log's optimistic concurrency. A key is the caller's
own: it counts within (caller, channel) only, so nobody can claim or read another caller's
key, and the request's fingerprint is kept with it, so the same key with other content is
refused.

Above 300 lines because every use case that changes a complaint is a method of one `Intake`
(get → decide → save through `act`), so the idempotency and reference buckets it owns stay
private to it; the state answer (`state_of`) is the next thing to move out.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4, uuid5

import msgspec
from eventsourcing.persistence import IntegrityError
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyNotFoundError
from nats.js.kv import KeyValue

from services.intake import claims, domain
from services.intake.procedurestate import procedure_state
from services.intake.references import ReferenceBlocks
from shared.config.policy import local_zone, policy_in_force
from shared.contract import events as ev
from shared.eventstore.application import ComplaintNotFound, ComplaintsApplication
from shared.eventstore.buckets import claims_window
from shared.eventstore.link import create_or_read, leader_reads, settled
from shared.privacy.pseudonym import complainant_pseudonym
from shared.rules import procedure
from shared.rules.complaint import AlreadyDone, Cause, Complaint, IllegalTransition
from shared.rules.deadlines import ClockState
from shared.rules.terms import (
    current_terms,
    extension_terms,
    pause_terms,
    registration_terms,
    resume_terms,
)
from shared.runtime import tracing
from shared.runtime.clock import Clock, utcnow
from shared.runtime.observability import COMPLAINTS_RECEIVED

IDEMPOTENCY_BUCKET = "INTAKE_IDEMPOTENCY"
REFERENCES_BUCKET = "INTAKE_REFERENCES"
ID_NAMESPACE = UUID("5b0c3f8e-8f0e-4a3c-9d55-6b1f3c1e0a11")


class IdempotencyConflict(Exception):
    """The key was used before with a different request."""


@dataclass(frozen=True)
class Receipt:
    complaint_id: UUID
    reference: str
    status: str
    created: bool


async def ensure_bucket(js: JetStreamContext, name: str) -> KeyValue:
    """The bucket, read through its leader: a claim lost to a racing request reads the
    winner's record at once, which a lagging replica may not hold yet."""
    try:
        return leader_reads(await js.key_value(name))
    except BucketNotFoundError:  # a server provisioned by nobody (tests; no users)
        config = KeyValueConfig(bucket=name, history=1, storage=StorageType.FILE)
        kv = await js.create_key_value(config=config)
        if name == REFERENCES_BUCKET:
            await claims_window(js)
        return leader_reads(kv)


class Intake:
    def __init__(
        self,
        app: ComplaintsApplication,
        idempotency: KeyValue,
        references: KeyValue,
        nc: NATS,
        clock: Clock = utcnow,
    ) -> None:
        self.app, self.clock, self.nc = app, clock, nc
        self.js = nc.jetstream()
        # Keys claimed before Dec 2026 (read only for a claim made again: claims.py).
        self.idempotency, self.references = idempotency, references
        self.blocks = ReferenceBlocks(nc)

    @classmethod
    async def open(
        cls, js: JetStreamContext, app: ComplaintsApplication, clock: Clock = utcnow
    ) -> Intake:
        idempotency = await ensure_bucket(js, IDEMPOTENCY_BUCKET)
        references = await ensure_bucket(js, REFERENCES_BUCKET)
        return cls(app, idempotency, references, js._nc, clock)

    # --- submit ---------------------------------------------------------------------------

    async def submit(
        self,
        submission: domain.Submission,
        *,
        actor: str,
        idempotency_key: str | None = None,
        fingerprint: str | None = None,
        caller: str | None = None,
    ) -> Receipt:
        """``caller`` (default: the actor) and the channel scope the key: "complainant" for
        anonymous callers, "staff:<name>", "email:<sender>" for inbound mail."""
        now = self.clock()
        received_at = submission.received_at or now
        fresh = True
        if idempotency_key is None:
            complaint_id = uuid4()
            reference = await self._new_reference(received_at, complaint_id)
        else:
            idempotency_key = scoped_key(caller or actor, submission.channel, idempotency_key)
            complaint_id, reference, fresh = await self._claim_key(
                idempotency_key, fingerprint, received_at
            )
            if not fresh:  # a claim of before: its complaint, or a crash between claim and save
                existing = await self._existing(complaint_id)
                if existing is not None:
                    return existing
        policy, calendar = policy_in_force()
        arrival = ClockState(
            complaint_id=str(complaint_id),
            received_at=received_at,
            category=submission.category,
            channel=submission.channel,
            priority=submission.priority,
        )
        complaint = Complaint.submit(
            complaint_id=complaint_id,
            reference=reference,
            channel=submission.channel,
            language=submission.language,
            personal=submission.personal,
            received_at=received_at,
            now=now,
            cause=Cause(actor=actor, correlation_id=complaint_id),
            category=submission.category,
            priority=submission.priority,
            subject_key=await asyncio.to_thread(
                complainant_pseudonym,
                submission.personal.complainant.email,
                getattr(self.app.mapper, "keystore", None),
            ),
            idempotency_key=_digest(idempotency_key) if idempotency_key else None,
            terms=registration_terms(arrival, policy, calendar, now),  # decided once, here
            procedure=procedure.CURRENT,  # the hearing rule (Awb 9:10) applies to it
            event_date=submission.event_date,
            department_involved=submission.department,
        )
        try:
            with tracing.complaint_root("submit", complaint_id) as span:
                span.set_attribute("klachten.channel", submission.channel)
                await asyncio.to_thread(self.app.save, complaint)
        except IntegrityError:
            # A concurrent request with the same key appended first: the same complaint
            # (its append may still be in flight at the leader for a moment).
            existing = await settled(lambda: self._existing(complaint_id))
            if existing is None:
                raise
            if idempotency_key is not None and fresh:  # claimed again after its window
                await self._same_request(existing.reference, idempotency_key, fingerprint)
            return existing
        COMPLAINTS_RECEIVED.labels(submission.channel).inc()
        return Receipt(complaint_id, reference, complaint.status, created=True)

    async def _claim(
        self, key: str, fingerprint: str | None, received_at: datetime
    ) -> tuple[UUID, str]:
        complaint_id, reference, _ = await self._claim_key(key, fingerprint, received_at)
        return complaint_id, reference

    async def _claim_key(
        self, key: str, fingerprint: str | None, received_at: datetime
    ) -> tuple[UUID, str, bool]:
        """The key's complaint id and reference, and whether this call claimed the key (then
        no complaint can exist yet: its id is the key's, and nobody had the key).

        The claim is one create, not a read first (a read of a missing key is an error the
        server counts, and a round trip), and it is the reference's index entry too
        (claims.py): a key claimed before refuses it and names its claim. The number taken
        for a lost claim goes back to the block."""
        complaint_id = uuid5(ID_NAMESPACE, key)
        year = self._year(received_at)
        number = await self.blocks.take(year)
        reference = domain.format_reference(year, number)
        won = await claims.claim(
            self.js, REFERENCES_BUCKET, reference, complaint_id, _digest(key), fingerprint
        )
        if not won.fresh:
            self.blocks.give_back(year, number)  # never written anywhere: not a gap
        if won.fingerprint != fingerprint:
            raise IdempotencyConflict(key)
        return won.complaint_id, won.reference, won.fresh

    async def _same_request(self, reference: str, key: str, fingerprint: str | None) -> None:
        """A key claimed again after the claims' window, whose complaint exists: the same
        content as the first claim's, or `IdempotencyConflict`."""
        found, first = await claims.earlier_fingerprint(
            self.js, REFERENCES_BUCKET, reference, _digest(key), self.idempotency
        )
        if found and first != fingerprint:
            raise IdempotencyConflict(key)

    async def _existing(self, complaint_id: UUID) -> Receipt | None:
        try:
            complaint = await asyncio.to_thread(self.app.complaint, complaint_id)
        except ComplaintNotFound:
            return None
        return Receipt(complaint_id, complaint.reference, complaint.status, created=False)

    async def _new_reference(self, received_at: datetime, complaint_id: UUID) -> str:
        """Next number of the year of receipt from this process's block of the JetStream
        atomic counter (ADR-49; services/intake/references.py), so a number is never handed
        out twice; the reference is then indexed to the complaint."""
        year = self._year(received_at)
        reference = domain.format_reference(year, await self.blocks.take(year))
        await self._index_reference(reference, complaint_id)
        return reference

    @staticmethod
    def _year(received_at: datetime) -> int:
        return received_at.astimezone(local_zone()).year  # the policy's zone

    async def _index_reference(self, reference: str, complaint_id: UUID) -> None:
        # create_or_read: a retry after a crash between claim and index finds it made or not.
        await create_or_read(self.references, f"ref.{reference}", str(complaint_id).encode())

    # --- reading --------------------------------------------------------------------------

    async def view(self, complaint_id: UUID, *, personal: bool = False) -> dict[str, Any]:
        complaint, facts = await asyncio.to_thread(self._load, complaint_id)
        return state_of(complaint, facts, personal=personal)

    def _load(self, complaint_id: UUID) -> tuple[Complaint, list[ev.Event]]:
        return self.app.complaint_and_facts(complaint_id)

    async def by_reference(self, reference: str) -> UUID | None:
        reference = reference.strip().upper()
        if not domain.is_reference(reference):
            return None
        try:
            entry = await self.references.get(f"ref.{reference}")
        except KeyNotFoundError:
            return None
        return UUID(entry.value.decode()) if entry.value else None

    async def request_status_link(self, reference: str, email: str) -> None:
        """A fresh status link to the address on file when the e-mail is the complainant's;
        nothing otherwise, and nothing within the aggregate's window: the caller learns
        nothing either way (no oracle), the complainant gets at most one letter per window."""
        owned = await self._owned(reference, email)
        if owned is None:
            return

        def decide(c: Complaint, now: datetime) -> None:
            c.request_status_link(now=now, cause=Cause(actor="complainant:web"))

        with contextlib.suppress(AlreadyDone, IllegalTransition):
            await self.act(owned[0], decide)

    async def _owned(
        self, reference: str, email: str
    ) -> tuple[UUID, Complaint, list[ev.Event]] | None:
        complaint_id = await self.by_reference(reference)
        if complaint_id is None:
            domain.same_email(email, "nobody@invalid")  # same work either way
            return None
        try:
            complaint, facts = await asyncio.to_thread(self._load, complaint_id)
        except ComplaintNotFound:
            return None
        personal = getattr(facts[0], "personal", None)
        stored = personal.complainant.email if personal else ""
        if not stored or not domain.same_email(email, stored):
            return None
        return complaint_id, complaint, facts

    # --- staff and complainant actions ----------------------------------------------------

    async def request_escalation(self, complaint_id: UUID, reason: str, channel: str) -> None:
        """The complainant asks for review (status page, the link in every letter): before or
        after the answer, an open complaint moves to the next level when there is one; on a
        closed complaint (or at the top) it is recorded for the handler."""
        await self.react(
            complaint_id,
            reason,
            disagrees=True,
            channel="web",
            actor=f"complainant:{channel}",
            verified_by="status_link",
        )

    async def react(
        self,
        complaint_id: UUID,
        text: str,
        *,
        disagrees: bool,
        channel: ev.Channel,
        actor: str | None = None,
        message_id: str | None = None,
        verified: bool = True,
        verified_by: ev.Verification | None = None,
        auto_reply: bool = False,
        sender: str | None = None,
        attachments: list[ev.AttachmentRef] | None = None,
    ) -> bool:
        """A message about the complaint (status page, a reply by e-mail), kept also after
        closure; an explicit request for review (``disagrees``) also moves an open complaint
        to the next level, in the same save. False when the message was recorded before."""

        def decide(c: Complaint, now: datetime) -> None:
            cause = Cause(actor=actor or f"complainant:{channel}", correlation_id=complaint_id)
            c.record_reaction(
                text=text,
                disagrees=disagrees,
                channel=channel,
                now=now,
                cause=cause,
                message_id=message_id,
                verified=verified,
                verified_by=verified_by,
                auto_reply=auto_reply,
                sender=sender,
                attachments=attachments,
            )
            policy, calendar = policy_in_force()
            level = domain.review_level(c.is_open, c.level, policy.top_level)
            if disagrees and level is not None:
                step = domain.escalation_step(c.facts, c.level, now, policy, calendar, level=level)  # type: ignore[attr-defined]
                _escalate(c, step, reason="complainant_request", text=text, now=now, cause=cause)

        return await self.act(complaint_id, decide)

    async def escalate(
        self,
        complaint_id: UUID,
        *,
        reason: ev.EscalationReason,
        level: int | None,
        target: str | None,
        text: str | None,
        reaction_event_id: UUID | None,
        cause: Cause,
    ) -> bool:
        """Staff escalate (the policy's ladder: the next handler, or the level they name); the
        message they escalate from is handled in the same save."""

        def decide(c: Complaint, now: datetime) -> None:
            policy, calendar = policy_in_force()
            step = domain.escalation_step(
                c.facts,  # type: ignore[attr-defined]
                c.level,
                now,
                policy,
                calendar,
                level=level,
                target=target,
            )
            _escalate(c, step, reason=reason, text=text, now=now, cause=cause)
            domain.handled_by_it(c, reaction_event_id, now, cause)

        return await self.act(complaint_id, decide)

    async def extend(
        self, complaint_id: UUID, *, weeks: int, reason: str, with_consent: bool, cause: Cause
    ) -> bool:
        """Awb 9:11 lid 2 with the policy's cap for the complaint's regime (the aggregate's
        rule); the term it extends is the one the policy states for the complaint now."""

        def decide(c: Complaint, facts: list[ev.Event], now: datetime) -> None:
            policy, calendar = policy_in_force()
            recorded = current_terms(facts, policy, calendar)
            c.extend(
                weeks=weeks,
                reason=reason,
                with_consent=with_consent,
                statutory_by=recorded.statutory_by,
                terms=extension_terms(facts, weeks, policy, calendar),
                max_weeks=policy.statutory_rule(c.category).max_extension_weeks,
                now=now,
                cause=cause,
            )

        return await self.act_on_history(complaint_id, decide)

    async def close(
        self, complaint_id: UUID, *, outcome: ev.Outcome, note: str | None, cause: Cause
    ) -> bool:
        """Awb 9:8 lid 3: "not handled" within four weeks of receipt, on the policy's calendar."""

        def decide(c: Complaint, now: datetime) -> None:
            calendar = policy_in_force()[1]
            c.close(outcome=outcome, note=note, now=now, cause=cause, calendar=calendar)

        return await self.act(complaint_id, decide)

    async def pause(self, complaint_id: UUID, *, reason: str, cause: Cause) -> bool:
        """Wait for the complainant: the clocks the policy's [pausing] names stand still."""

        def decide(c: Complaint, now: datetime) -> None:
            policy, calendar = policy_in_force()
            terms = pause_terms(c.facts, now, policy, calendar)  # type: ignore[attr-defined]
            c.pause(reason=reason, now=now, cause=cause, clocks=policy.pausing.clocks, terms=terms)

        return await self.act(complaint_id, decide)

    async def resume(self, complaint_id: UUID, *, cause: Cause) -> bool:
        def decide(c: Complaint, now: datetime) -> None:
            terms = resume_terms(c.facts, now, *policy_in_force())  # type: ignore[attr-defined]
            c.resume(now=now, cause=cause, terms=terms)

        return await self.act(complaint_id, decide)

    async def act_on_history(
        self,
        complaint_id: UUID,
        decide: Callable[[Complaint, list[ev.Event], datetime], None],
    ) -> bool:
        """`act` for a rule that reads the complaint's history as well (its stated terms)."""
        facts = (await asyncio.to_thread(self._load, complaint_id))[1]

        def with_history(c: Complaint, now: datetime) -> None:
            # A concurrent write reloads the complaint; its facts are read again to match.
            history = facts if len(facts) == c.version else self._load(complaint_id)[1]
            decide(c, history, now)

        return await self.act(complaint_id, with_history)

    async def act(self, complaint_id: UUID, decide: Callable[[Complaint, datetime], None]) -> bool:
        """Apply one command; True when it appended an event, False when it was already done."""
        appended = True

        def run(complaint: Complaint) -> None:
            nonlocal appended
            try:
                decide(complaint, self.clock())
            except AlreadyDone:
                appended = False
                raise

        await asyncio.to_thread(self.app.change, complaint_id, run)
        return appended


def _escalate(
    c: Complaint,
    step: domain.EscalationStep,
    *,
    reason: ev.EscalationReason,
    text: str | None,
    now: datetime,
    cause: Cause,
) -> None:
    c.escalate(
        level=step.level,
        target=step.target,
        top_level=step.top_level,
        reason=reason,
        text=text,
        now=now,
        cause=cause,
        terms=step.terms,
    )


def state_of(complaint: Complaint, facts: list[ev.Event], *, personal: bool) -> dict[str, Any]:
    terms = current_terms(facts, *policy_in_force())  # recorded, never recomputed
    state: dict[str, Any] = {
        "complaint_id": str(complaint.id),
        "reference": complaint.reference,
        "status": complaint.status,
        "channel": complaint.channel,
        "language": complaint.language,
        "category": complaint.category,
        "received_at": _iso(complaint.received_at),
        "escalation_level": complaint.level,
        "paused": complaint.paused,
        "acknowledged": complaint.acknowledged,
        "extensions": complaint.extensions + complaint.extensions_with_consent,
        "outcome": complaint.outcome,
        "version": complaint.version,
        "deadlines": {
            # The dates recorded in the log (shared/rules/terms.py): the ones the letters
            # state and the SLA monitor enforces; None while that clock is paused (or, for
            # the response, when the level has no term). Decided at registration, so never
            # provisional (the key stays for API clients).
            "acknowledgement": _iso(terms.acknowledge_by),
            "response": _iso(terms.respond_by),
            "statutory": _iso(terms.statutory_by),
            "statutory_provisional": False,
            "capped": terms.capped,
            "policy_version": terms.policy_version,
        },
    }
    state |= procedure_state(complaint, facts, personal=personal)
    submitted = facts[0] if facts else None
    if isinstance(submitted, ev.Submitted):  # what the complainant said of the matter (issue 25)
        day = submitted.event_date
        state["event_date"] = day.isoformat() if day else None
        state["department_involved"] = submitted.department_involved
    if personal and isinstance(submitted, ev.Submitted) and submitted.personal is not None:
        state["personal"] = {
            "complainant": ev_to_dict(submitted.personal.complainant),
            "subject": submitted.personal.subject,
            "description": submitted.personal.description,
            "desired_outcome": submitted.personal.desired_outcome,
            "attachments": [ev_to_dict(a) for a in submitted.personal.attachments],
            "refused_attachments": [ev_to_dict(r) for r in submitted.personal.refused_attachments],
            "representative": ev_to_dict(agent)
            if (agent := submitted.personal.representative)
            else None,
        }
    return state


def ev_to_dict(struct: Any) -> dict[str, Any]:
    return msgspec.to_builtins(struct)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def scoped_key(caller: str, channel: str, key: str) -> str:
    """The key within its caller's and channel's namespace (JSON: no separator to forge)."""
    return json.dumps([caller, channel, key], ensure_ascii=False)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
