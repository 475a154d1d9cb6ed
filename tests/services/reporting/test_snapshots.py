"""Point in time from snapshots (services/reporting/snapshots.py, real nats-server): the answer
started from a snapshot equals the full replay's (log.replay_until) for every stream sequence
and for moments around every event, with a snapshot every few events. The history is
backdated on purpose: complaint D's events (June 2025) are stored before B's answer (May 2025),
so stream order is not time order, and the rule for moments is tested where it matters.
"""

from __future__ import annotations

import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from eventsourcing.persistence import Tracking

from klachten.stack.natsserver import EmbeddedNats
from services.reporting import domain, fold, log, reads, snapshot_reads, snapshot_store, snapshots
from services.reporting.complaints_log import SOURCE_NAME
from services.reporting.snapshot_reads import point_in_time
from services.reporting.view import ReportingView
from services.reporting.view_backends import open_view
from shared.eventstore.link import JetStreamLink
from tests.services.reporting.test_reporting_api import history  # noqa: F401


def _same(a: log.PointInTime, b: log.PointInTime) -> None:
    assert fold.tables_of(a.model) == fold.tables_of(b.model)
    assert (a.position, a.moment) == (b.position, b.moment)


def _live(tmp_path: Path, link: JetStreamLink, every: int, marks: int = 0) -> ReportingView:
    """The log folded as the live projection folds it, one event per transaction."""
    view = open_view(str(tmp_path / f"view-{every}.sqlite"))
    view.snapshot_every, view.snapshot_marks = every, marks
    view.create_table()
    for msg in log.messages(link):
        item = log.item_of(msg)
        view.apply_batch([item] if item else [], Tracking(SOURCE_NAME, msg.seq))
    return view


@pytest.mark.parametrize(("every", "marks"), [(1, 0), (2, 0), (3, 1), (5, 2)])
def test_from_a_snapshot_equals_the_full_replay(
    provisioned_nats: EmbeddedNats,
    history: dict,  # noqa: F811
    tmp_path: Path,
    every: int,
    marks: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(snapshots, "KEPT", 0)  # every snapshot kept: each one starts answers
    link = JetStreamLink(provisioned_nats.url, name="test-snapshots")
    try:
        view = _live(tmp_path, link, every, marks)
        last = log.last_sequence(link)
        with view._tx(commit=False) as c:
            c.execute(f"SELECT COUNT(*) AS n FROM {snapshots.SNAPSHOTS} WHERE holds = 1")
            assert c.fetchone()["n"] == last // every
        for seq in range(0, last + 1):
            _same(point_in_time(view, link, seq=seq), log.replay_until(link, seq=seq))
        times = sorted({t for m in log.messages(link) if (t := _time(m)) is not None})
        tick = timedelta(microseconds=1)
        for moment in {t + d for t in times for d in (-tick, timedelta(0), tick)}:
            _same(point_in_time(view, link, at=moment), log.replay_until(link, at=moment))
    finally:
        link.close()


def _time(msg: Any) -> Any:
    item = log.item_of(msg)
    return log.when(msg, item) if item is not None else None


def test_a_backdated_event_keeps_the_snapshot_before_it_from_answering_later_moments(
    provisioned_nats: EmbeddedNats,
    history: dict,  # noqa: F811
    tmp_path: Path,
) -> None:
    """B's answer (10 May) is stored after D's June events: a snapshot at D2 cannot start an
    answer for 1-4 June, and no snapshot before B6 can end the replay for a moment after 10 May
    (min_after), so the replay folds B6 in as the full replay does."""
    link = JetStreamLink(provisioned_nats.url, name="test-snapshots")
    try:
        view = _live(tmp_path, link, 1)
        with view._tx(commit=False) as c:
            c.execute(f"SELECT position, max_moment, min_after FROM {snapshots.SNAPSHOTS}")
            rows = {r["position"]: (r["max_moment"], r["min_after"]) for r in c.fetchall()}
        june_first, may_tenth = "2025-06-01T09:00:00.000000Z", "2025-05-10T09:00:00.000000Z"
        d1 = next(p for p, (latest, _) in rows.items() if latest == june_first)
        assert rows[d1 + 1][0] == "2025-06-05T09:00:00.000000Z"  # D2: not for June 1-4
        assert rows[d1][1] == rows[d1 - 1][1] == may_tenth  # B6 later: no stop before May 10
        assert rows[d1 - 1][0] < may_tenth  # the start for 10-31 May lies before D1
    finally:
        link.close()


@pytest.mark.parametrize(("every", "kept"), [(2, 0), (3, 2)])
def test_answers_from_a_restored_store_equal_the_full_replays(
    provisioned_nats: EmbeddedNats,
    history: dict,  # noqa: F811
    tmp_path: Path,
    every: int,
    kept: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The summary, the yearly report and a page of the list as of each sequence and moment,
    read in SQL from the restored store (counters carried in the snapshot, moved by the rest
    of the log), equal domain.py's over the full replay's rows; also with snapshots pruned."""
    monkeypatch.setattr(snapshots, "KEPT", kept)
    link = JetStreamLink(provisioned_nats.url, name="test-snapshots")
    try:
        view = _live(tmp_path, link, every, 1)
        last = log.last_sequence(link)
        times = sorted({t for m in log.messages(link) if (t := _time(m)) is not None})
        asked = [{"seq": s} for s in range(last + 1)] + [{"at": t} for t in times]
        for kw in asked:
            store, pit = snapshot_reads.restored(view, link, **kw)
            full = log.replay_until(link, **kw)
            assert (pit.position, pit.moment) == (full.position, full.moment), kw
            tables, now = fold.tables_of(full.model), kw.get("at") or times[-1]
            position = kw.get("seq", full.position)
            store.answers_for = position
            assert reads.summary(store, now) == domain.summary(tables, now, position), kw
            for year in (2024, 2025):
                assert reads.annual(store, year)[1] == domain.annual(tables, year), kw
            rows = tables[fold.COMPLAINTS]
            assert reads.page(store, now, {}, after=None, limit=1000)[0] == [
                domain.with_deadline(r, now) for r in domain.select(rows, now)
            ], kw
            store.close()
    finally:
        link.close()


def test_pruning_keeps_the_newest_and_one_a_week(tmp_path: Path) -> None:
    """Of ten snapshots, two a week, `prune` keeps the newest three and the first of each
    older week; the pruned ones stay as marks (no tables)."""
    view = open_view(str(tmp_path / "prune.sqlite"))
    view.create_table()
    with view._tx(commit=True) as c:
        for i in range(10):
            day = 1 + (i // 2) * 7 + (i % 2)  # Thursdays and Fridays of five weeks of 2026
            c.execute(
                f"INSERT INTO {snapshots.SNAPSHOTS} VALUES (?, ?, NULL, 1, ?)",
                [(i + 1) * 100, f"2026-01-{day:02d}T09:00:00.000000Z", b"x"],
            )
        pruned = snapshots.prune(view, c, kept=3)
        c.execute(f"SELECT position, holds, tables FROM {snapshots.SNAPSHOTS} ORDER BY position")
        rows = [(r["position"], r["holds"], bytes(r["tables"])) for r in c.fetchall()]
    assert pruned == [600, 400, 200]
    assert [p for p, holds, _ in rows if holds] == [100, 300, 500, 700, 800, 900, 1000]
    assert all(blob == b"" for _, holds, blob in rows if not holds)


def test_an_older_snapshot_of_rows_is_restored_with_its_counters(
    provisioned_nats: EmbeddedNats,
    history: dict,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A snapshot stored before snapshot_store.py (msgpack rows) restores into a store that
    holds the same rows and answers the same summary as one from today's snapshot."""
    link = JetStreamLink(provisioned_nats.url, name="test-snapshots")
    try:
        view = _live(tmp_path, link, 0)
    finally:
        link.close()
    position, tables = view.snapshot()
    older = zlib.compress(msgspec.msgpack.encode(tables), 1)
    with view._tx(commit=False) as c:
        today = snapshot_store.encode(view, c)
    restored = [snapshot_reads.restore(blob, position) for blob in (older, today)]
    assert restored[0].snapshot() == restored[1].snapshot() == (position, tables)
    now = fold.parse_ts("2025-07-01T00:00:00.000000Z")
    assert reads.summary(restored[0], now) == reads.summary(restored[1], now)


def _kinds(view: ReportingView) -> dict[int, int]:
    with view._tx(commit=False) as c:
        c.execute(f"SELECT position, holds FROM {snapshots.SNAPSHOTS} WHERE position >= 0")
        return {int(r["position"]): int(r["holds"]) for r in c.fetchall()}


def test_a_chain_of_deltas_restores_what_the_log_held_there(
    provisioned_nats: EmbeddedNats,
    history: dict,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A snapshot every 4 events and a delta at every event between: the snapshot and the
    deltas after it, restored with nothing folded, hold the full replay's rows and answer its
    summary (the counters are the last delta's), at every position; the chains of the first
    deltas start at the empty store. Only the first snapshot copies the view's rows: the later
    ones are the one before with its deltas laid over it."""
    monkeypatch.setattr(snapshots, "KEPT", 0)
    copied, encode = [], snapshot_store.encode
    monkeypatch.setattr(snapshot_store, "encode", lambda *a: copied.append(a) or encode(*a))
    link = JetStreamLink(provisioned_nats.url, name="test-snapshots")
    try:
        view = _live(tmp_path, link, 4, 1)
        kinds = _kinds(view)
        assert len(copied) == 1 < list(kinds.values()).count(snapshots.FULL)
        assert {p: k for p, k in kinds.items() if p <= 5} == {
            1: snapshots.DELTA, 2: snapshots.DELTA, 3: snapshots.DELTA,
            4: snapshots.FULL, 5: snapshots.DELTA,
        }  # fmt: skip
        for position in kinds:
            found = snapshot_reads._restored_chain(
                view, position, None, (snapshots.FULL, snapshots.DELTA)
            )
            assert found is not None
            store, start, _, _ = found
            assert start == position  # nothing left to fold
            full = log.replay_until(link, seq=position)
            tables = fold.tables_of(full.model)
            assert store.snapshot()[1] == tables, position
            now = fold.parse_ts("2026-02-01T00:00:00.000000Z")
            store.answers_for = position
            assert reads.summary(store, now) == domain.summary(tables, now, position), position
            store.close()
    finally:
        link.close()


def test_pruning_a_snapshot_drops_the_deltas_after_it(tmp_path: Path) -> None:
    """Snapshots at 100, 200, 300 of one week, deltas between: keeping the newest, the first
    of the week (100) stays with its deltas; 200 is pruned and its deltas with it (they would
    have no base); the deltas after the newest stay."""
    view = open_view(str(tmp_path / "prune.sqlite"))
    view.create_table()
    full, delta = snapshots.FULL, snapshots.DELTA
    with view._tx(commit=True) as c:
        for position in range(100, 351, 50):
            holds = full if position % 100 == 0 else delta
            c.execute(
                f"INSERT INTO {snapshots.SNAPSHOTS} VALUES (?, ?, NULL, ?, ?)",
                [position, f"2026-01-05T09:{position // 10:02d}:00.000000Z", holds, b"x"],
            )
        assert snapshots.prune(view, c, kept=1) == [200]
    assert _kinds(view) == {
        100: full, 150: delta, 200: snapshots.MARK, 250: snapshots.MARK, 300: full, 350: delta
    }  # fmt: skip


def test_a_chain_missing_a_link_is_not_used(
    provisioned_nats: EmbeddedNats,
    history: dict,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A chain missing a link (a delta dropped by hand here) is refused by the delta after it,
    and the answer then starts from the snapshot alone: still the full replay's."""
    monkeypatch.setattr(snapshots, "KEPT", 0)
    link = JetStreamLink(provisioned_nats.url, name="test-snapshots")
    try:
        view = _live(tmp_path, link, 4, 1)
        kinds = _kinds(view)
        last = max(p for p, k in kinds.items() if k == snapshots.FULL)
        assert kinds[last + 1] == kinds[last + 2] == snapshots.DELTA
        with view._tx(commit=True) as c:
            c.execute(
                f"UPDATE {snapshots.SNAPSHOTS} SET holds = 0, tables = ? WHERE position = ?",
                [b"", last + 1],
            )
        chain = (snapshots.FULL, snapshots.DELTA)
        assert snapshot_reads._restored_chain(view, last + 2, None, chain) is None
        _same(point_in_time(view, link, seq=last + 2), log.replay_until(link, seq=last + 2))
    finally:
        link.close()
