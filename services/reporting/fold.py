"""The pure fold from contract events to read-model rows, shared by live views and replays.

The live projection, the rebuild and every point-in-time answer run exactly this code, so
they cannot disagree. Rows are plain dicts with fixed keys; times are RFC 3339 UTC text with
microseconds (``2026-01-05T09:00:00.000000Z``) so they sort as text and dump identically on
SQLite and PostgreSQL. No personal data enters a row: erasure never needs a read-model rewrite.

Above 300 lines on purpose: every event's effect on every read model is in this one file,
so a change to one event's columns is seen beside all the others (the columns: tables.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import msgspec

# The schema lives in tables.py; fold is where readers have always found these names.
from services.reporting.improvements import rows_of as improvement_rows
from services.reporting.reminders import REMINDERS, reminder_row
from services.reporting.satisfaction import SATISFACTION, answer_row
from services.reporting.tables import (  # noqa: F401  (re-exported)
    ASSIGNMENT_COLUMNS,
    ASSIGNMENTS,
    COMPLAINT_COLUMNS,
    COMPLAINTS,
    DEAD_LETTER_COLUMNS,
    DEAD_LETTERS,
    ESCALATION_COLUMNS,
    ESCALATIONS,
    EXTENSION_COLUMNS,
    EXTENSIONS,
    HEARING_COLUMNS,
    HEARINGS,
    INT_COLUMNS,
    TABLES,
)
from shared.config.calendar import BusinessCalendar
from shared.config.policy import policy_in_force
from shared.config.policy_file import Policy
from shared.contract import events as ev
from shared.rules import terms as term_rules

Row = dict[str, Any]


@dataclass(frozen=True)
class Undecodable:
    """A stored event this projection cannot fold: unreadable, or impossible where it stands in
    its complaint's history (see `_impossible`). It is dead-lettered, never guessed at."""

    seq: int
    complaint_id: str
    version: int
    reason: str


def ts(value: datetime | None) -> str | None:
    return None if value is None else _utc_text(value)


@lru_cache(maxsize=4096)  # a fold formats the same few moments again and again (per complaint)
def _utc_text(value: datetime) -> str:
    if value.tzinfo is not UTC:  # decoded contract times are UTC already
        value = (value.replace(tzinfo=UTC) if value.tzinfo is None else value).astimezone(UTC)
    # Fixed-width and parseable (also years before 1000); twice as fast as strftime, which
    # a fold calls several times per event.
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"
        f"{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}Z"
    )


def parse_ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class ReadModel:
    """An in-memory set of rows: the whole model for a replay, a working set for a view."""

    complaints: dict[str, Row] = field(default_factory=dict)
    inserts: dict[str, list[Row]] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    position: int = 0
    # Only events from before terms were recorded need it (shared/rules/terms.py completes them).
    rules: tuple[Policy, BusinessCalendar] = field(default_factory=policy_in_force)

    def added(self, table: str) -> list[Row]:
        return self.inserts.setdefault(table, [])


def apply(model: ReadModel, seq: int, fact: ev.Event | Undecodable) -> Undecodable | None:
    """Fold one stored event (stream sequence `seq`; callers go in sequence order) into `model`;
    returns the dead letter it became, if any. A sequence at or below the model's position was
    folded in already: its redelivery changes nothing and returns None."""
    if seq <= model.position:
        return None
    model.position = seq
    if isinstance(fact, ev.Event):
        cid = str(fact.complaint_id)
        row = model.complaints.get(cid)
        reason = _impossible(row, fact)
        if reason is None:
            if isinstance(fact, ev.Submitted):  # only a submission starts a row (_impossible)
                row = model.complaints[cid] = _new_row(fact)
            assert row is not None
            _dates(row, fact, model.rules)
            _evolve(row, fact, seq, model)
            row["version"], row["last_seq"] = fact.version, seq
            row["updated_at"] = ts(fact.occurred_at)
            model.changed.add(cid)
            return None
        fact = Undecodable(seq, cid, fact.version, reason)
    model.added(DEAD_LETTERS).append(
        {
            "seq": seq,
            "complaint_id": fact.complaint_id,
            "version": fact.version,
            "reason": fact.reason,
        }
    )
    return fact


def _impossible(row: Row | None, f: ev.Event) -> str | None:
    """Why `f` cannot follow what was folded of its complaint (`row`), or None. Only a forged
    message or a damaged log gets here: the writers append under optimistic concurrency."""
    if row is None:
        if isinstance(f, ev.Submitted):
            return None
        return f"no submitted event for this complaint before version {f.version}"
    if isinstance(f, ev.Submitted):
        return f"a second submitted event (the complaint is at version {row['version']})"
    if f.version <= row["version"]:
        at = f"version {row['version']} (stream sequence {row['last_seq']})"
        return f"version {f.version} does not follow {at}"
    return None


def _new_row(f: ev.Submitted) -> Row:
    row: Row = dict.fromkeys(COMPLAINT_COLUMNS)
    row.update(
        complaint_id=str(f.complaint_id),
        reference=f.reference,
        channel=f.channel,
        category=f.category,
        language=f.language,
        priority=f.priority,
        procedure=f.procedure,
        department=f.department_involved,
        department_involved=f.department_involved,
        status="submitted",
        escalation_level=0,
        assignments=0,
        conduct_subjects=0,
        received_at=ts(f.received_at),
        submitted_at=ts(f.occurred_at),
        extensions=0,
        extensions_with_consent=0,
        paused=0,
        erased=0,
        replies_waiting=0,
        replies_unverified=0,
        compensation_cents=0,
        corrective_actions=0,
        version=0,
    )
    return row


def _dates(row: Row, f: ev.Event, rules: tuple[Policy, BusinessCalendar]) -> None:
    """The dates in force, as recorded (shared/rules/terms.py, the one reader of them)."""
    state = term_rules.TermsFold()
    if row["terms_fold"]:
        state = msgspec.json.decode(row["terms_fold"], type=term_rules.TermsFold)
    state = term_rules.next_terms(state, f, *rules)
    terms = term_rules.terms_of(state)
    row["terms_fold"] = msgspec.json.encode(state).decode()
    row["acknowledge_by"], row["respond_by"] = ts(terms.acknowledge_by), ts(terms.respond_by)
    row["statutory_by"] = ts(terms.statutory_by)
    row["statutory_by_pending"] = ts(term_rules.pending_statutory_by(state))
    if isinstance(f, ev.Submitted):  # the norms the figures measure against
        row["respond_by_norm"], row["statutory_by_initial"] = row["respond_by"], row["statutory_by"]


def _evolve(row: Row, f: ev.Event, seq: int, model: ReadModel) -> None:
    at = ts(f.occurred_at)
    match f:
        case ev.Acknowledged():
            row["acknowledged_at"] = at
            if row["status"] == "submitted":
                row["status"] = "acknowledged"
        case ev.Responded():
            row["status"], row["resolution"], row["responded_at"] = "responded", f.resolution, at
            row["first_responded_at"] = row["first_responded_at"] or at
        case ev.Escalated():
            row["status"], row["escalation_level"] = "escalated", f.level
            if row["hearing_level"] != f.level:  # the new level needs its own hearing
                row.update(hearing=None, hearing_level=None, hearing_ground=None, hearing_at=None)
            model.added(ESCALATIONS).append(
                {
                    "seq": seq,
                    "complaint_id": row["complaint_id"],
                    "level": f.level,
                    "reason": f.reason,
                    "clock": f.clock,
                    "target": f.target,
                    "occurred_at": at,
                    "respond_by": row["respond_by"],
                }
            )
        case ev.Extended():
            key = "extensions_with_consent" if f.with_consent else "extensions"
            row[key] += 1
            model.added(EXTENSIONS).append(
                {
                    "seq": seq,
                    "complaint_id": row["complaint_id"],
                    "weeks": f.weeks,
                    "with_consent": int(f.with_consent),
                    "occurred_at": at,
                    "statutory_by": ts(f.terms.statutory_by if f.terms else f.statutory_by),
                }
            )
        case ev.Paused():
            row["paused"] = 1
        case ev.Resumed():
            row["paused"] = 0
        case ev.Closed():
            row["status"], row["outcome"], row["closed_at"], row["paused"] = (
                "closed",
                f.outcome,
                at,
                0,
            )
        case ev.Erased():
            row["erased"] = 1
        case ev.SatisfactionRecorded():  # the survey (satisfaction.py): one row per answer
            model.added(SATISFACTION).append(answer_row(seq, f, row, at))
        case ev.MeasureOverdue():  # a reminder of a passed due date (reminders.py)
            model.added(REMINDERS).append(reminder_row(seq, f, ts(f.due_by), at))
        case (
            ev.ImprovementOpened()
            | ev.ImprovementUpdated()
            | ev.ImprovementLinked()
            | ev.ImprovementUnlinked()
        ):
            for table, rows in improvement_rows(seq, f, ts).items():  # improvements.py
                model.added(table).extend(rows)
        case ev.ReactionReceived() if not f.auto_reply:  # an auto-reply waits for no one
            _waiting(row, {**_pending(row), str(f.event_id): [at, f.verified]})
        case ev.ReactionHandled():
            pending = _pending(row)
            pending.pop(str(f.reaction_event_id), None)
            _waiting(row, pending)
        case ev.Reopened():
            row["status"], row["outcome"], row["closed_at"] = f.status, None, None
            row.update(dict.fromkeys(_ENDING_COLUMNS))  # the ending it had is undone
        case _:
            _procedure(row, f, seq, model)


# What an informal resolution or a declining recorded; a reopening clears it.
_ENDING_COLUMNS = (
    "informal_means",
    "informal_confirmed_by",
    "informal_confirmed_at",
    "decline_grounds",
    "decline_notice_by",
    "duplicate_of",  # a reopened duplicate is handled on its own again (issue 17)
)


def _procedure(row: Row, f: ev.Event, seq: int, model: ReadModel) -> None:
    """The procedure steps of issue 16 (docs/procedure.md). Only what is no person's data:
    staff ids and units as the contract holds them in plain, never the sealed parts."""
    at, cid = ts(f.occurred_at), row["complaint_id"]
    match f:
        case ev.Assigned():
            row.update(handler=f.handler, team=f.team, department=f.department)
            row["assignments"] += 1
            model.added(ASSIGNMENTS).append(
                {
                    "seq": seq,
                    "complaint_id": cid,
                    "kind": f.kind,
                    "handler": f.handler,
                    "team": f.team,
                    "department": f.department,
                    "previous_handler": f.previous_handler,
                    "occurred_at": at,
                }
            )
        case ev.ConductSubjectRecorded():
            row["conduct_subjects"] += 1
            if f.unit:
                units = set(json.loads(row["conduct_units"] or "[]")) | {f.unit}
                row["conduct_units"] = json.dumps(sorted(units))
        case ev.HearingInvited() | ev.HearingHeld() | ev.HearingWaived():
            _hearing(row, f, seq, model)
        case ev.CommitteeHearingHeld():  # the hearing of Awb 9:10 at this level (9:15)
            _hearing(row, f, seq, model)
        case ev.ReferredToCommittee():
            row["committee"] = f.committee
        case ev.CommitteeAdvised():
            row["committee_advice"] = f.advice
        case ev.Recategorised():  # corrected (issue 17); its dates are read by _dates
            row.update(category=f.category, priority=f.priority)
        case ev.LinkedAsDuplicate():  # the closed that follows sets the outcome "duplicate"
            row["duplicate_of"] = str(f.primary_complaint_id)
        case ev.Classified():  # the latest classification replaces the one before
            row["themes"] = json.dumps(sorted(set(f.themes)))
        case ev.RootCausesRecorded():
            row["root_causes"] = json.dumps(sorted(set(f.root_causes)))
        case ev.RemediesRecorded():  # remedies add up
            kinds = set(json.loads(row["remedy_kinds"] or "[]")) | {r.kind for r in f.remedies}
            row["remedy_kinds"] = json.dumps(sorted(kinds))
            row["compensation_cents"] += sum(r.amount_cents or 0 for r in f.remedies)
            row["corrective_actions"] += sum(1 for r in f.remedies if r.owner and r.due_by)
        case ev.ResolvedInformally():
            row.update(
                status="resolved_informally",
                outcome="resolved_informally",
                closed_at=at,
                paused=0,
                informal_means=f.means,
                informal_confirmed_by=f.confirmed_by,
                informal_confirmed_at=ts(f.confirmed_at),
            )
        case ev.Declined():
            row.update(
                status="declined",
                outcome="not_handled",
                closed_at=at,
                paused=0,
                decline_grounds=json.dumps(list(f.grounds)),
                decline_notice_by=ts(f.notice_by),
            )
        case _:
            pass  # letters and reactions of the person complained about change no read model


def _hearing(
    row: Row,
    f: ev.HearingInvited | ev.HearingHeld | ev.CommitteeHearingHeld | ev.HearingWaived,
    seq: int,
    model: ReadModel,
) -> None:
    """The hearing at its level: the row keeps the latest step, the table every step."""
    when, ground, mode, with_subject = None, None, None, False
    if isinstance(f, ev.HearingInvited):
        step, when, mode, with_subject = "invited", f.at, f.mode, f.conduct_subject_invited
    elif isinstance(f, ev.HearingHeld | ev.CommitteeHearingHeld):
        step, when, mode, with_subject = "held", f.held_at, f.mode, f.conduct_subject_heard
    else:
        step, ground = "waived", f.ground
    row.update(hearing=step, hearing_level=f.level, hearing_ground=ground, hearing_at=ts(when))
    model.added(HEARINGS).append(
        {
            "seq": seq,
            "complaint_id": row["complaint_id"],
            "level": f.level,
            "step": step,
            "mode": mode,
            "ground": ground,
            "hearing_at": ts(when),
            "with_conduct_subject": int(with_subject),
            "occurred_at": ts(f.occurred_at),
        }
    )


def _pending(row: Row) -> dict[str, list[Any]]:
    """The replies still waiting for a handler: event id -> [received at, verified]."""
    return dict(json.loads(row["replies_pending"])) if row["replies_pending"] else {}


def _waiting(row: Row, pending: dict[str, list[Any]]) -> None:
    """Store the waiting replies and what the worklist asks of them (how many, how many
    unverified, the latest); sorted keys, so a rebuild writes the same text."""
    row["replies_pending"] = json.dumps(pending, sort_keys=True) if pending else None
    row["replies_waiting"] = len(pending)
    row["replies_unverified"] = sum(1 for _, verified in pending.values() if not verified)
    row["last_reply_at"] = max((at for at, _ in pending.values()), default=None)


def replay(items: list[tuple[int, ev.Event | Undecodable]]) -> ReadModel:
    """Fold a whole (prefix of the) log into a fresh in-memory model."""
    model = ReadModel()
    for seq, fact in items:
        apply(model, seq, fact)
    return model


def tables_of(model: ReadModel) -> dict[str, list[Row]]:
    """The model as sorted table rows (the same shape a view's dump has)."""
    out: dict[str, list[Row]] = {
        COMPLAINTS: sorted(model.complaints.values(), key=_key(COMPLAINTS))
    }
    for table in TABLES:
        if table == COMPLAINTS:
            continue
        out[table] = sorted(model.inserts.get(table, []), key=_key(table))
    return out


def _key(table: str) -> Any:
    pk = TABLES[table][1]
    return lambda row: row[pk]
