"""The high-water records (shared/eventstore/highwater.py) on a real folder: a log that grows while
another process of the same data folder records its newer end is not a shrunk log; a log that
ends below what was recorded before the question is."""

from __future__ import annotations

from pathlib import Path

from shared.eventstore import highwater


async def test_a_record_made_while_the_server_answers_is_not_a_shrink(tmp_path: Path) -> None:
    highwater.record(tmp_path, "notifier", 235)

    async def bounds() -> tuple[int, int, int]:
        # The server answered 235; meanwhile the other intake saw 236 and recorded it.
        highwater.record(tmp_path, "intake-2", 236)
        return 1, 235, 235

    assert await highwater.check(tmp_path, "intake", bounds)() is None
    assert highwater.shrunk(tmp_path) is None


async def test_a_log_below_an_earlier_record_is_a_shrink(tmp_path: Path) -> None:
    highwater.record(tmp_path, "notifier", 236)

    async def bounds() -> tuple[int, int, int]:
        return 1, 235, 235

    problem = await highwater.check(tmp_path, "intake", bounds)()
    assert problem is not None and "236" in problem
    assert highwater.shrunk(tmp_path) == problem
