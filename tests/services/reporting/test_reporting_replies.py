"""Replies in the read model: how many wait for a handler, whether one is unverified, the latest;
a reopened complaint is open again everywhere (worklist, KPIs, yearly report); a store written
with the old columns folds the log again instead of failing."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import Tracking

from services.reporting import domain, fold
from services.reporting.complaints_log import SOURCE_NAME
from services.reporting.fold import Undecodable
from services.reporting.view_backends import open_view
from shared.contract import events as ev
from shared.rules.complaint import Cause, Complaint
from tests.support.domain import submitted

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
STAFF = Cause(actor="staff:anna")
MAIL = Cause(actor="complainant:email")


def _complaint() -> Complaint:
    return submitted(received_at=T0, now=T0, reference="KL-2025-000001")


def _reply(c: Complaint, days: int, *, verified: bool = True, auto: bool = False) -> UUID:
    c.record_reaction(
        text="Nog een vraag.",
        disagrees=False,
        channel="email",
        now=T0 + timedelta(days=days),
        cause=MAIL,
        verified=verified,
        auto_reply=auto,
        sender=None if verified else "iemand@elders.example",
    )
    return c.pending_events[-1].fact.event_id  # type: ignore[attr-defined,no-any-return]


def _items(c: Complaint, start: int = 1) -> list[tuple[int, ev.Event | Undecodable]]:
    return [(start + i, e.fact) for i, e in enumerate(c.collect_events())]  # type: ignore[attr-defined]


def test_waiting_replies_are_counted_until_handled_and_auto_replies_never_wait() -> None:
    c = _complaint()
    first = _reply(c, 1)
    _reply(c, 2, auto=True)
    forged = _reply(c, 3, verified=False)
    model = fold.replay(_items(c))
    row = model.complaints[str(c.id)]
    assert (row["replies_waiting"], row["replies_unverified"]) == (2, 1)
    assert row["last_reply_at"] == fold.ts(T0 + timedelta(days=3))

    c.handle_reaction(reaction_event_id=forged, now=T0 + timedelta(days=4), cause=STAFF)
    for seq, fact in _items(c, model.position + 1):
        fold.apply(model, seq, fact)
    row = model.complaints[str(c.id)]
    assert (row["replies_waiting"], row["replies_unverified"]) == (1, 0)
    assert row["last_reply_at"] == fold.ts(T0 + timedelta(days=1))  # the one still waiting

    c.handle_reaction(reaction_event_id=first, now=T0 + timedelta(days=5), cause=STAFF)
    for seq, fact in _items(c, model.position + 1):
        fold.apply(model, seq, fact)
    row = model.complaints[str(c.id)]
    assert (row["replies_waiting"], row["replies_unverified"], row["last_reply_at"]) == (0, 0, None)
    assert row["replies_pending"] is None


def test_a_reply_after_closure_puts_the_complaint_on_the_worklist_and_reopening_opens_it() -> None:
    c = _complaint()
    c.respond(text="Excuses.", resolution="well_founded", now=T0 + timedelta(days=5), cause=STAFF)
    c.close(outcome="resolved", now=T0 + timedelta(days=6), cause=STAFF)
    quiet = _complaint()  # closed, nothing waiting: off the worklist
    quiet.close(outcome="withdrawn", now=T0 + timedelta(days=1), cause=STAFF)
    items = _items(c) + _items(quiet, 100)
    now = T0 + timedelta(days=30)
    closed = fold.tables_of(fold.replay(items))[fold.COMPLAINTS]
    assert domain.worklist(closed, now) == []

    reply = _reply(c, 20)
    items += _items(c, 200)
    rows = fold.tables_of(fold.replay(items))[fold.COMPLAINTS]
    work = domain.worklist(rows, now)
    assert [(r["reference"], r["status"], r["replies_waiting"]) for r in work] == [
        ("KL-2025-000001", "closed", 1)
    ]
    assert domain.worklist(rows, now, replies=True) == work
    assert domain.backlog(rows, now)["open"] == 0

    c.reopen(reason="Het probleem is terug.", reaction_event_id=reply, now=now, cause=STAFF)
    c.handle_reaction(reaction_event_id=reply, now=now, cause=STAFF)
    items += _items(c, 300)
    rows = fold.tables_of(fold.replay(items))[fold.COMPLAINTS]
    row = next(r for r in rows if r["complaint_id"] == str(c.id))
    assert (row["status"], row["outcome"], row["closed_at"]) == ("responded", None, None)
    assert row["resolution"] == "well_founded"  # the answer given stands
    assert domain.backlog(rows, now)["open"] == 1  # open again in the KPIs
    assert domain.worklist(rows, now, replies=True) == []
    assert [r["complaint_id"] for r in domain.worklist(rows, now)] == [str(c.id)]
    tables = {name: [] for name in fold.TABLES} | {fold.COMPLAINTS: rows}
    assert domain.annual(tables, 2025)["closed"] == 1  # only the withdrawn one


def test_a_view_folds_replies_like_the_replay(tmp_path: Path) -> None:
    c = _complaint()
    first = _reply(c, 1, verified=False)
    _reply(c, 2)
    c.handle_reaction(reaction_event_id=first, now=T0 + timedelta(days=3), cause=STAFF)
    items = _items(c)
    view = open_view(str(tmp_path / "view.sqlite3"))
    for seq, fact in items:  # the live projection: one event per transaction
        view.apply_batch([(seq, fact)], Tracking(SOURCE_NAME, seq))
    _, tables = view.snapshot()
    assert tables == fold.tables_of(fold.replay(items))
    row = tables[fold.COMPLAINTS][0]
    assert (row["replies_waiting"], row["replies_unverified"]) == (1, 0)


def test_a_store_with_the_old_columns_folds_the_log_again(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    view = open_view(str(path))
    c = _complaint()
    _reply(c, 1)
    view.apply_batch(_items(c), Tracking(SOURCE_NAME, 2))
    old_columns = [k for k in fold.COMPLAINT_COLUMNS if not k.startswith(("replies", "last_rep"))]
    with sqlite3.connect(path) as db:  # what an earlier version wrote
        db.execute(f"DROP TABLE {fold.COMPLAINTS}")
        db.execute(f"CREATE TABLE {fold.COMPLAINTS} ({', '.join(old_columns)})")

    reopened = open_view(str(path))
    assert reopened.position() == 0  # the runner starts from the beginning of the log
    assert reopened.snapshot()[1][fold.COMPLAINTS] == []
    reopened.apply_batch(_items(_complaint()), Tracking(SOURCE_NAME, 1))
    assert len(reopened.rows(fold.COMPLAINTS)) == 1
