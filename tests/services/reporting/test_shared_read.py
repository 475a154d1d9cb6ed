"""Answers that fold the whole live view share one read of it (http.SharedRead): the requests
that arrive while a read runs share the next one, never one that began before they asked; and
SQLite's whole-view read from plain tuples (view_backends) gives the view's rows unchanged;
and such answers take turns (http.WholeViewTurns) while other requests pass."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from services.reporting import fold
from services.reporting.http import SharedRead, WholeViewTurns
from services.reporting.view import ReportingView
from services.reporting.view_backends import open_view
from tests.support.polling import wait_until_sync


class SlowView:
    """A view whose whole read waits until the test lets it finish; counts the reads."""

    def __init__(self) -> None:
        self.reads = 0
        self.started = threading.Event()
        self.go = threading.Event()

    def snapshot(self) -> tuple[int, dict[str, list[Any]]]:
        self.reads += 1
        self.started.set()
        assert self.go.wait(10)
        return self.reads, {fold.COMPLAINTS: [{"read": self.reads}]}


class CountingLock:
    """The shared read's lock, counting who has asked for it (each has read the count of
    reads begun before asking)."""

    def __init__(self) -> None:
        self.lock, self.asked = threading.Lock(), 0

    def __enter__(self) -> None:
        self.asked += 1
        self.lock.acquire()

    def __exit__(self, *_: object) -> None:
        self.lock.release()


def test_requests_arriving_during_a_read_share_the_next_one() -> None:
    view = SlowView()
    shared = SharedRead(view)
    shared._lock = lock = CountingLock()  # type: ignore[assignment]
    got: dict[int, Any] = {}

    def ask(i: int) -> None:
        got[i] = shared.read()

    first = threading.Thread(target=ask, args=(0,))
    first.start()
    assert view.started.wait(10)  # the first read runs; four more staff ask meanwhile
    later = [threading.Thread(target=ask, args=(i,)) for i in range(1, 5)]
    for t in later:
        t.start()
    wait_until_sync(lambda: lock.asked == 5, 10, 0.001, "four more asking")
    view.go.set()
    for t in (first, *later):
        t.join(10)
    assert view.reads == 2
    assert got[0].position == 1
    assert {id(got[i]) for i in range(1, 5)} == {id(got[1])}
    assert got[1].position == 2 and got[1][fold.COMPLAINTS] == [{"read": 2}]


def test_a_request_after_a_read_reads_again() -> None:
    view = SlowView()
    view.go.set()
    shared = SharedRead(view)
    kept = shared.read()  # still held by a request: a later one must not reuse it
    assert shared.read().position == 2 and kept.position == 1
    assert view.reads == 2


def test_sqlite_whole_read_equals_the_views(tmp_path: Path) -> None:
    view = open_view(str(tmp_path / "view.sqlite3"))
    view.create_table()
    columns = fold.TABLES[fold.COMPLAINTS][0]
    rows = [
        {c: (7 if c in fold.INT_COLUMNS else None) for c in columns}
        | {"complaint_id": f"00000000-0000-4000-8000-{i:012d}", "status": "submitted"}
        for i in range(3)
    ]
    with view._tx(commit=True) as c:
        view._upsert(c, fold.COMPLAINTS, rows, update=True)
    with view._tx(commit=False) as c:
        ours = view._tables(c)
    with view._tx(commit=False) as c:
        plain = ReportingView._tables(view, c)
    assert ours == plain
    assert len(ours[fold.COMPLAINTS]) == 3


def test_whole_view_answers_take_turns_and_others_do_not_wait() -> None:
    running, most, release = 0, 0, asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        if scope["path"] == "/api/reports/worklist":
            await release.wait()
        running -= 1

    gate = WholeViewTurns(app, limit=2)

    async def scenario() -> None:
        reports = [
            asyncio.create_task(gate(_http("/api/reports/worklist"), None, None)) for _ in range(8)
        ]
        await asyncio.sleep(0)
        assert running == 2  # two reports fold the view, six wait without a thread
        for elsewhere in ("/workspace", "/dashboard"):  # SQL answers: not held up
            await asyncio.wait_for(gate(_http(elsewhere), None, None), 5)
        release.set()
        await asyncio.wait_for(asyncio.gather(*reports), 5)

    asyncio.run(scenario())
    assert most == 3 and running == 0


def _http(path: str) -> dict[str, Any]:
    return {"type": "http", "path": path}
