"""Live projection vs. a fresh rebuild from the log, against a real nats-server (SQLite)."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from eventsourcing.persistence import Tracking

from klachten.stack.natsserver import EmbeddedNats
from services.reporting import domain, projections
from services.reporting import rebuild as rb
from services.reporting.complaints_log import ComplaintsLog
from services.reporting.projections import PagedProjectionRunner, projection_with, start_runner
from services.reporting.view_backends import SQLiteReportingView, open_view, view_env
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.link import JetStreamLink
from shared.runtime.clock import utcnow
from tests.support.domain import NOW, submitted
from tests.support.reporting_history import generate

N_COMPLAINTS = 1500


@pytest.fixture
def app(provisioned_nats: EmbeddedNats):
    application = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    yield application
    application.close()


def test_live_projection_equals_fresh_rebuild_sqlite(
    app: ComplaintsApplication, provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    live_db = str(tmp_path / "live.sqlite3")
    # Part of the history exists before the projection starts, part arrives while it runs.
    tally = generate(app, N_COMPLAINTS // 2, seed=1)
    runner = start_runner(live_db, provisioned_nats.url)
    with runner:
        tally2 = generate(app, N_COMPLAINTS - N_COMPLAINTS // 2, seed=2)
        last = app.recorder.max_notification_id()
        runner.wait(last, timeout=60)
    assert tally.events + tally2.events >= 4000

    live = open_view(live_db)
    assert live.position() == last
    link = JetStreamLink(provisioned_nats.url)
    try:
        fresh = open_view(str(tmp_path / "fresh.sqlite3"))
        started = time.perf_counter()
        result = rb.rebuild(link, fresh, live)
        elapsed = time.perf_counter() - started
    finally:
        link.close()
    print(
        f"\nrebuild: {result.events} events in {elapsed:.2f} s"
        f" = {result.events / elapsed:.0f} events/s"
    )
    assert result.difference is None
    assert result.equal is True
    assert result.events == tally.events + tally2.events
    assert not result.chain_breaks and not result.dead_letters

    # The yearly report agrees with the generator's own tally (known before any fold ran).
    report = domain.annual(live.snapshot()[1], 2025)
    assert report["received"] == tally.received_by_year[2025] + tally2.received_by_year[2025]
    assert report["closed"] == tally.closed_by_year[2025] + tally2.closed_by_year[2025]
    assert report["judgement"] == dict(
        sorted((tally.judgement_2025 + tally2.judgement_2025).items())
    )
    assert report["awb_buckets"] == {
        k: (tally.buckets_2025 + tally2.buckets_2025)[k]
        for k in ("within_6_weeks", "6_to_10_weeks", "over_10_weeks")
    }
    assert report["escalations"]["total"] == tally.escalations_2025 + tally2.escalations_2025
    assert report["extensions"]["total"] == tally.extensions_2025 + tally2.extensions_2025


def test_a_gap_in_the_stream_sequence_stops_the_replay() -> None:
    from shared.eventstore.link import RawMsg

    checker_input = [RawMsg("tracking.x", 1, {}, b"1", ""), RawMsg("tracking.x", 3, {}, b"3", "")]
    replayer = rb.Replayer.__new__(rb.Replayer)
    replayer.result = rb.Rebuild()
    replayer.checker = rb.LinkChecker(1)
    replayer._check(checker_input[0], None)
    with pytest.raises(rb.SequenceGap, match=r"messages 2\.\.2 are missing"):
        replayer._check(checker_input[1], None)


def test_restart_resumes_and_redelivery_changes_nothing(
    app: ComplaintsApplication, provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    db = str(tmp_path / "live.sqlite3")
    generate(app, 50, seed=3)
    with start_runner(db, provisioned_nats.url) as runner:
        runner.wait(app.recorder.max_notification_id(), timeout=20)
    view = open_view(db)
    position, before = view.snapshot()
    # Redeliver every event already processed: nothing may change.
    link = JetStreamLink(provisioned_nats.url)
    try:
        from services.reporting import log

        items = [i for m in log.messages(link) if (i := log.item_of(m)) is not None]
        for seq, fact in items:
            view.apply_batch([(seq, fact)], Tracking("ComplaintsApplication", seq))
    finally:
        link.close()
    assert view.snapshot() == (position, before)
    # New events after a restart are picked up from the stored position.
    generate(app, 10, seed=4)
    with start_runner(db, provisioned_nats.url) as runner:
        runner.wait(app.recorder.max_notification_id(), timeout=20)
    assert len(open_view(db).rows("complaints_status_and_deadlines")) == 60


def test_the_sqlite_view_commits_without_waiting_for_fsync(tmp_path: Path) -> None:
    """WAL + synchronous=NORMAL (1) on every connection of the view, the tracking included."""
    view = open_view(str(tmp_path / "view.sqlite3"))
    with view._tx(commit=False) as c:
        c.execute("PRAGMA synchronous")
        assert c.fetchone()[0] == 1
        c.execute("PRAGMA journal_mode")
        assert c.fetchone()[0] == "wal"


class _Commits(SQLiteReportingView):
    """The view, noting each transaction's size (apply_batch commits once per call)."""

    sizes: ClassVar[list[int]] = []

    def apply_batch(self, items, tracking, sink=None):  # type: ignore[no-untyped-def]
        type(self).sizes.append(len(items))
        return super().apply_batch(items, tracking, sink)


def test_catching_up_commits_a_page_at_a_time_and_live_events_one_at_a_time(
    app: ComplaintsApplication, provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    generate(app, 300, seed=5)  # behind by every event of these when the runner starts
    behind = app.recorder.max_notification_id()
    db = str(tmp_path / "live.sqlite3")
    runner = PagedProjectionRunner(
        application_class=ComplaintsLog,
        projection_class=projection_with(None),
        view_class=_Commits,
        env={**view_env(db), "NATS_URL": provisioned_nats.url},
    )
    with runner:
        runner.wait(behind, timeout=60)
        caught_up = list(_Commits.sizes)
        for n in range(3):  # live: what arrives is folded at once, no page waits to fill
            generate(app, 1, seed=10 + n)
            runner.wait(app.recorder.max_notification_id(), timeout=20)
        live = _Commits.sizes[len(caught_up) :]
    assert sum(caught_up) == behind
    assert len(caught_up) <= behind // 100, caught_up  # pages, not one commit per event
    assert sum(live) == app.recorder.max_notification_id() - behind
    assert max(live) < projections.PAGE
    fresh = open_view(str(tmp_path / "fresh.sqlite3"))
    link = JetStreamLink(provisioned_nats.url)
    try:
        assert rb.rebuild(link, fresh, open_view(db)).equal is True
    finally:
        link.close()


def test_a_page_gives_each_young_event_its_own_span_and_commit(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    past = NOW - timedelta(days=9)
    old = [submitted(received_at=past, now=past).collect_events()[0] for _ in range(3)]
    young = submitted(received_at=utcnow(), now=utcnow()).collect_events()[0]
    page = [(e, Tracking("ComplaintsApplication", seq)) for seq, e in enumerate(old[:2], 1)]
    page += [
        (young, Tracking("ComplaintsApplication", 3)),
        (old[2], Tracking("ComplaintsApplication", 4)),
    ]
    commits: list[tuple[list[int], int]] = []
    spans: list[str] = []

    class View:
        def apply_batch(self, items, tracking, sink=None):  # type: ignore[no-untyped-def]
            commits.append(([seq for seq, _ in items], tracking.notification_id))
            return []

    @contextmanager
    def span(name, complaint_id, headers=None, **kwargs):  # type: ignore[no-untyped-def]
        spans.append(name)
        yield None

    monkeypatch.setattr(projections.tracing, "complaint_span", span)
    projections.ReportingProjection(view=View()).process_page(page)  # type: ignore[arg-type]
    assert commits == [([1, 2], 2), ([3], 3), ([4], 4)]
    assert spans == ["project submitted"]
