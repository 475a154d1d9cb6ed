"""Crypto-shredding: pseudonyms, wiring the key store into the mapper, erasure and retention.

Model (docs/privacy.md): the personal part of every event is sealed with the complainant's key
(shared/eventstore/mapper.py, shared/privacy/keystore.py); erasing a complainant destroys that key
and records a
``complaint.erased`` event per complaint, without personal data. The facts stay readable, the
hash chain covers the stored (sealed) bytes and is untouched by erasure.

Application environment (eventsourcing's ``env``, read by shared/eventstore/mapper.py):
    KLACHTEN_KEYSTORE           nats (default) | none (plaintext; only for tests that ask for it)
    KLACHTEN_KEYSTORE_URL       a separate NATS server for the key store (default: the log's)
    KLACHTEN_KEYS_BUCKET        KV bucket of the keys (default KLACHTEN_KEYS)
The complainant's identity and pseudonym: shared/privacy/pseudonym.py (its names are
re-exported here for the callers of before).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper

from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.link import JetStreamLink
from shared.eventstore.mapper import attach_keystore
from shared.privacy.keystore import KeyStore
from shared.privacy.pseudonym import normalise_email as normalise_email
from shared.privacy.pseudonym import pseudonym_secret as pseudonym_secret
from shared.privacy.pseudonym import pseudonyms_of
from shared.privacy.pseudonym import subject_key_for as subject_key_for
from shared.rules.complaint import Cause, Complaint

log = logging.getLogger(__name__)
PAGE = 1000


# --- wiring ------------------------------------------------------------------------------------


class PrivateComplaints(ComplaintsApplication):
    """ComplaintsApplication whose mapper seals personal data (until the factory does it)."""

    name = "ComplaintsApplication"

    def construct_mapper(self) -> Mapper[Any]:
        factory: Any = self.factory
        return attach_keystore(super().construct_mapper(), self.env, lambda: factory.link)

    @property
    def keystore(self) -> KeyStore | None:
        return getattr(self.mapper, "keystore", None)


# --- reading the log -------------------------------------------------------------------------


@dataclass
class Case:
    """What privacy operations need to know of one complaint (no personal data)."""

    complaint_id: str
    reference: str
    category: str | None
    subject_key: str | None
    key_id: str | None
    plaintext: bool  # personal data stored before sealing: key destruction cannot erase it
    closed_at: datetime | None = None
    erased: bool = False
    submitted: ev.Submitted | None = field(default=None, repr=False)


def scan(link: JetStreamLink, filt: str) -> Iterator[ev.Event]:
    seq = 1
    while True:
        page = link.run(
            link.direct_batch(
                subjects.COMPLAINTS_STREAM, {"seq": seq, "next_by_subj": filt, "batch": PAGE}
            )
        )
        for msg in page:
            yield ev.decode(msg.data)
        if len(page) < PAGE:
            return
        seq = page[-1].seq + 1


def cases(link: JetStreamLink, keystore: KeyStore | None) -> dict[str, Case]:
    out: dict[str, Case] = {}
    for f in scan(link, subjects.events_of_type("submitted")):
        assert isinstance(f, ev.Submitted)
        cid = str(f.complaint_id)
        key_id = f.sealed.key_id if f.sealed else None
        if key_id is None and keystore is not None:
            key_id = keystore.key_id_of_complaint(cid)
        out[cid] = Case(
            cid,
            f.reference,
            f.category,
            f.subject_key,
            key_id,
            f.personal is not None,
            submitted=f,
        )
    for f in scan(link, subjects.events_of_type("closed")):
        if str(f.complaint_id) in out:
            out[str(f.complaint_id)].closed_at = f.occurred_at
    for f in scan(link, subjects.events_of_type("erased")):
        if str(f.complaint_id) in out:
            out[str(f.complaint_id)].erased = True
    return out


# --- erasure ---------------------------------------------------------------------------------


@dataclass
class Erasure:
    key_ids: list[str]
    cases: list[Case]
    warnings: list[str] = field(default_factory=list)
    destroyed: list[str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)  # complaints that got an Erased event
    attachments_deleted: int = 0


def plan_erasure(
    link: JetStreamLink, keystore: KeyStore, target: str, secret: bytes | None = None
) -> Erasure:
    """Everything erasing `target` (a reference or an e-mail address) will touch."""
    all_cases = cases(link, keystore)
    if "@" in target:
        known = pseudonyms_of(target, keystore, secret)  # the random one, and that of before
        seeds = [c for c in all_cases.values() if c.subject_key in known]
        mapped = {keystore.key_id_of_subject(p) for p in known}
        key_ids = {c.key_id for c in seeds if c.key_id} | {k for k in mapped if k}
    else:
        ref = target.strip().upper()
        seeds = [c for c in all_cases.values() if c.reference.upper() == ref]
        key_ids = {c.key_id for c in seeds if c.key_id}
    if not seeds and not key_ids:
        raise LookupError(f"no complaint of {target!r}")
    chosen = [c for c in all_cases.values() if c.key_id in key_ids or c in seeds]
    plan = Erasure(sorted(key_ids), sorted(chosen, key=lambda c: c.reference))
    for c in plan.cases:
        if c.plaintext:
            plan.warnings.append(
                f"{c.reference}: personal data was stored unsealed (before sealing was enabled); "
                "destroying a key cannot erase it"
            )
    return plan


def execute_erasure(
    plan: Erasure,
    app: PrivateComplaints,
    *,
    actor: str,
    legal_basis: str,
    now: datetime,
    delete_attachment: Callable[[str], bool] | None = None,
) -> Erasure:
    """Destroy the keys first, then record ``Erased`` per complaint (safe to run again)."""
    keystore = app.keystore
    if keystore is None:
        raise RuntimeError("erasure needs the key store (KLACHTEN_KEYSTORE=none is set)")
    attachments = _attachments(plan.cases, app)
    for key_id in plan.key_ids:
        if keystore.destroy(key_id, actor=actor, reason=legal_basis, at=now):
            plan.destroyed.append(key_id)
    if delete_attachment is not None:
        plan.attachments_deleted = sum(bool(delete_attachment(name)) for name in attachments)
    for c in plan.cases:
        key_id = c.key_id or ""

        def decide(complaint: Complaint, key_id: str = key_id) -> None:
            complaint.erase(
                key_id=key_id, legal_basis=legal_basis, now=now, cause=Cause(actor=actor)
            )

        before = app.complaint(UUID(c.complaint_id)).version
        if app.change(UUID(c.complaint_id), decide).version > before:
            plan.recorded.append(c.reference)
    return plan


def _attachments(chosen: list[Case], app: PrivateComplaints) -> list[str]:
    """Object names of every document of the complaints (the form's, the mails', those added
    later), read while the keys still exist. Deleting them frees the store; the bytes a purge
    leaves in the store's block files are sealed with keys that die with the complainant's
    (shared/privacy/sealedfiles.py)."""
    names: list[str] = []
    for c in chosen:
        for stored in app.events.get(UUID(c.complaint_id)):
            personal = getattr(stored.fact, "personal", None)  # None once erased
            names.extend(a.object_name for a in getattr(personal, "attachments", None) or ())
    return names


# --- retention -------------------------------------------------------------------------------

_UNITS = {"d": 1, "w": 7, "y": 365}


@dataclass(frozen=True)
class RetentionPolicy:
    """How long after closure personal data is kept: a default plus per-category periods."""

    default: timedelta | None
    per_category: Mapping[str, timedelta] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> RetentionPolicy:
        """``default=2y,billing=400d,service=26w``; a missing default keeps data forever."""
        periods: dict[str, timedelta] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, amount = part.partition("=")
            amount = amount.strip().lower()
            if (
                not name.strip()
                or not (amount[:-1].isascii() and amount[:-1].isdigit())
                or amount[-1:] not in _UNITS
            ):
                raise ValueError(f"retention {part!r}: expected name=<number><d|w|y>")
            periods[name.strip()] = timedelta(days=int(amount[:-1]) * _UNITS[amount[-1]])
        default = periods.pop("default", None)
        return cls(default, periods)

    def period(self, category: str | None) -> timedelta | None:
        return self.per_category.get(category or "", self.default)


@dataclass
class Due:
    key_id: str
    cases: list[Case]
    due_at: datetime | None  # None: not due (open complaint or no period)
    reason: str


def retention_plan(
    cases_by_id: Mapping[str, Case], policy: RetentionPolicy, now: datetime
) -> list[Due]:
    """Per key: due when every complaint under it is closed and past its retention period."""
    groups: dict[str, list[Case]] = {}
    for c in cases_by_id.values():
        if c.key_id and not c.erased:
            groups.setdefault(c.key_id, []).append(c)
    out: list[Due] = []
    for key_id, group in sorted(groups.items()):
        due_at: datetime | None = None
        reason = ""
        for c in group:
            period = policy.period(c.category)
            if c.closed_at is None:
                due_at, reason = None, f"{c.reference} is still open"
                break
            if period is None:
                due_at, reason = None, f"no retention period for category {c.category!r}"
                break
            due_at = max(due_at or c.closed_at + period, c.closed_at + period)
        if due_at is not None:
            reason = "due" if due_at <= now else f"kept until {due_at.isoformat()}"
        out.append(Due(key_id, sorted(group, key=lambda c: c.reference), due_at, reason))
    return out
