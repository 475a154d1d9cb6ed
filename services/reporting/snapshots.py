"""Point-in-time answers from snapshots (issue 23): every `EVERY` events the view stores its read
models and counters as of that stream position (a serialized SQLite database: snapshot_store.py,
in the view's own store, written in the transaction that reaches the position), and an answer
as of a sequence or a moment restores the nearest fitting snapshot into a store of its own,
folds only the rest of the log into it and answers with the live view's SQL (reads.py).
log.replay_until without the shortcut is the reference; test_snapshots.py holds them equal.
Older snapshots are pruned to the newest `KEPT` plus one a week (`prune`).

The rules, because events can be backdated (stream order is not occurred_at order):
- as of sequence S: start from the last snapshot at position P <= S; fold (P, S].
- as of moment T: start from the last snapshot whose events up to P all occurred at or before T
  (`max_moment` <= T: it then holds exactly the events a full replay folds from (0, P]); fold
  the rest with the replay's filter. Stop early at the first later snapshot Q whose following
  events (as far as the view has folded, up to its position L) all occurred after T
  (`min_after` > T), then fold (L, end] of the log too. Marks every `MARKS` events are such
  rows without tables: places to stop, so a replay for a moment ends near it, not at the next
  snapshot. An undecodable event's time is its
  stored time, which the projection does not see: it makes `min_after` unknown (""), and at
  read time the snapshot's dead letters are looked up in the log and dropped when after T.

Deltas (`holds` = DELTA): at every mark between snapshots the view also stores what changed
since the snapshot or delta before it (snapshot_store.encode_delta: the rows of the events in
between, a cost that follows those events, not the complaints). An answer starts from the
last snapshot or delta that fits as above and restores its chain (the snapshot, then each
delta after it in order, each checked to follow the one before), so it folds at most `MARKS`
events after it instead of up to `EVERY`. A delta's chain ends at a snapshot or at the empty
store (position 0); pruning a snapshot drops the deltas after it (they would have no base).
A snapshot is made from the one before and its deltas (`_compacted`: restore, apply, serialize)
rather than by copying every row of the view, which cost seconds at 100,000 complaints.
"""

from __future__ import annotations

from typing import Any

from services.reporting import fold, snapshot_store
from services.reporting.fold import COMPLAINTS, ts
from shared.contract import events as ev

SNAPSHOTS = "report_snapshots"
EVERY = 10_000  # events between snapshots (ReportingView.snapshot_every)
MARKS = 1_000  # events between marks: a row without tables, only a place to stop (min_after)
UNKNOWN = ""  # sorts before every time: "some event after here may be at any time"
KEPT = 10  # snapshots kept whole, newest first; older: one per week (prune); set by keep()
MARK, FULL, DELTA = 0, 1, 2  # a row's `holds`: no tables; every table; what changed since its base


def create_statements(table: Any, blob_type: str) -> list[str]:
    """The snapshots' table, and the index a delta finds the complaints folded since with."""
    return [
        f"CREATE TABLE IF NOT EXISTS {table(SNAPSHOTS)} (position BIGINT PRIMARY KEY, "
        f"max_moment TEXT, min_after TEXT, holds BIGINT NOT NULL, tables {blob_type} NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS ix_complaints_last_seq ON {table(COMPLAINTS)} (last_seq)",
    ]


def moments(items: list[tuple[int, Any]]) -> tuple[str | None, str | None]:
    """(latest, earliest) occurred_at of a batch's events; an undecodable one's is unknown."""
    known = [ts(f.occurred_at) for _, f in items if isinstance(f, ev.Event)]
    unknown = len(known) < len(items)
    latest = max(known, default=None)
    earliest = UNKNOWN if unknown else min(known, default=None)
    return latest, earliest


def after_batch(view: Any, c: Any, items: list[tuple[int, Any]], done: int, position: int) -> None:
    """In apply_batch's transaction: the batch's events move the earlier snapshots' `min_after`
    and the running latest moment (the row at position -1); crossing a multiple of the view's
    `snapshot_every` stores a snapshot at `position` (and prunes the older ones: `prune`)."""
    t, m = view._table(SNAPSHOTS), view.placeholder
    latest, earliest = moments(items)
    if earliest is not None:
        c.execute(
            f"UPDATE {t} SET min_after = {m} WHERE position >= 0 AND "
            f"(min_after IS NULL OR min_after > {m})",
            [earliest, earliest],
        )
    if latest is not None:
        c.execute(
            f"INSERT INTO {t} (position, max_moment, min_after, holds, tables) VALUES "
            f"(-1, NULL, NULL, 0, {m}) ON CONFLICT (position) DO NOTHING",
            [b""],
        )
        c.execute(
            f"UPDATE {t} SET max_moment = {m} WHERE position = -1 AND "
            f"(max_moment IS NULL OR max_moment < {m})",
            [latest, latest],
        )
    every, mark = view.snapshot_every, view.snapshot_marks
    full = bool(every) and position // every > done // every
    if full or (mark and position // mark > done // mark):
        c.execute(f"SELECT max_moment FROM {t} WHERE position = -1")
        found = c.fetchone()
        holds, blob = MARK, b""
        if full:
            holds, blob = FULL, _compacted(view, c, position) or snapshot_store.encode(view, c)
        elif every:  # between snapshots: what changed since the last snapshot or delta
            c.execute(f"SELECT MAX(position) AS p FROM {t} WHERE holds IN ({FULL}, {DELTA})")
            base = c.fetchone()
            holds = DELTA
            blob = snapshot_store.encode_delta(view, c, int(base["p"] or 0) if base else 0)
        c.execute(
            f"INSERT INTO {t} (position, max_moment, min_after, holds, tables) "
            f"VALUES ({m}, {m}, NULL, {m}, {m}) ON CONFLICT (position) DO NOTHING",
            [position, found["max_moment"] if found else None, holds, blob],
        )
        if full:
            prune(view, c)


def _compacted(view: Any, c: Any, position: int) -> bytes | None:
    """The snapshot at `position` made from the one before and the deltas after it, with a
    last delta up to `position` (a serialize and compress instead of copying every row: the
    same rows, as a chain restores them); None when there is no such chain (then copy)."""
    t = view._table(SNAPSHOTS)
    c.execute(f"SELECT MAX(position) AS p FROM {t} WHERE holds IN ({FULL}, {DELTA})")
    found = c.fetchone()
    last = int(found["p"] or 0) if found else 0
    links = chain(view, c, last) if last else []
    if not links or links[0][1] != FULL:
        return None
    deltas = [(p, blob) for p, _, blob in links[1:]]
    deltas.append((position, snapshot_store.encode_delta(view, c, last)))
    return snapshot_store.compacted(links[0][2], deltas, links[0][0])


def chain(view: Any, c: Any, last: int, kinds: tuple[int, ...] = (FULL, DELTA)) -> list[Any]:
    """(position, holds, tables) from the snapshot a chain of deltas starts at (or its first
    delta, when it starts at the empty store) to the snapshot or delta at `last`, in stream
    order; a delta's base is checked when it is applied (snapshot_store.apply_deltas)."""
    t, m = view._table(SNAPSHOTS), view.placeholder
    holds = ", ".join(str(k) for k in kinds)
    c.execute(
        f"SELECT position, holds FROM {t} WHERE holds IN ({holds}) AND position <= {m} "
        "ORDER BY position DESC",
        [last],
    )
    links: list[int] = []
    for r in c.fetchall():
        links.append(int(r["position"]))
        if int(r["holds"]) == FULL:
            break
    out = []
    for position in reversed(links):
        c.execute(f"SELECT holds, tables FROM {t} WHERE position = {m}", [position])
        r = c.fetchone()
        out.append((position, int(r["holds"]), r["tables"]))
    return out


def prune(view: Any, c: Any, kept: int | None = None) -> list[int]:
    """Keep the newest `kept` snapshots (the setting KLACHTEN_REPORTING_SNAPSHOTS_KEPT) and,
    older than those, the first of each ISO week (of the latest moment it holds); the others
    lose their tables and stay as marks (places where a replay for a moment may stop).
    Returns the positions pruned. 0 keeps every snapshot."""
    kept = KEPT if kept is None else kept
    if kept <= 0:
        return []
    t, m = view._table(SNAPSHOTS), view.placeholder
    c.execute(f"SELECT position, max_moment FROM {t} WHERE holds = {FULL} ORDER BY position DESC")
    whole = [(int(r["position"]), r["max_moment"]) for r in c.fetchall()]
    older = whole[kept:]
    weeks: dict[tuple[int, int] | None, int] = {}
    for position, moment in older:  # newest first: the last one seen of a week is its first
        parsed = fold.parse_ts(moment)
        weeks[parsed.isocalendar()[:2] if parsed else None] = position
    pruned = [p for p, _ in older if p not in set(weeks.values())]
    if pruned:
        c.executemany(
            f"UPDATE {t} SET holds = {MARK}, tables = {m} WHERE position = {m}",
            [(b"", p) for p in pruned],
        )
        # the deltas after a pruned snapshot, up to the next one, lose their base
        after = {p: next((q for q, _ in reversed(whole) if q > p), 2**62) for p in pruned}
        c.executemany(
            f"UPDATE {t} SET holds = {MARK}, tables = {m} "
            f"WHERE holds = {DELTA} AND position > {m} AND position < {m}",
            [(b"", p, q) for p, q in after.items()],
        )
    return pruned


def keep(kept: int) -> None:
    """The setting, decided once by the process's bootstrap (app.py, the CLI)."""
    global KEPT
    KEPT = kept
