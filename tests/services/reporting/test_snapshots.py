"""Point in time from snapshots (services/reporting/snapshots.py, real nats-server): the answer
started from a snapshot equals the full replay's (log.replay_until) for every stream sequence
and for moments around every event, with a snapshot every few events. The history is
backdated on purpose: complaint D's events (June 2025) are stored before B's answer (May 2025),
so stream order is not time order, and the rule for moments is tested where it matters.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from klachten.stack.natsserver import EmbeddedNats
from services.reporting import fold, log, snapshots
from services.reporting.complaints_log import SOURCE_NAME
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
            _same(snapshots.point_in_time(view, link, seq=seq), log.replay_until(link, seq=seq))
        times = sorted({t for m in log.messages(link) if (t := _time(m)) is not None})
        tick = timedelta(microseconds=1)
        for moment in {t + d for t in times for d in (-tick, timedelta(0), tick)}:
            _same(snapshots.point_in_time(view, link, at=moment), log.replay_until(link, at=moment))
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
