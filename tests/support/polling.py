"""Waiting for something to happen: poll with a deadline, never a fixed sleep."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def wait_until(
    predicate: Callable[[], T | Awaitable[T]],
    timeout: float = 10.0,  # noqa: ASYNC109 - a polling deadline, not one await's timeout
    interval: float = 0.02,
    message: str = "condition",
) -> T:
    """Poll `predicate` (sync or async) until it returns something truthy; return that.

    Exceptions raised by the predicate count as "not yet"; the last one is chained to the
    TimeoutError raised at the deadline.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
        except Exception as error:
            last_error = error
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{message} not met within {timeout} s") from last_error
        await asyncio.sleep(interval)


def wait_until_sync(
    predicate: Callable[[], T],
    timeout: float = 10.0,
    interval: float = 0.02,
    message: str = "condition",
) -> T:
    """`wait_until` for code without an event loop (subprocess tests, sync fixtures)."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = predicate()
            if result:
                return result
        except Exception as error:
            last_error = error
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{message} not met within {timeout} s") from last_error
        time.sleep(interval)
