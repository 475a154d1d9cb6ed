"""The clock, one place: what time it is, as an aware UTC datetime.

Rules never read it (shared/rules takes `now` as an argument); the edges that decide when
something happens take a `Clock` and default to `utcnow`, so tests and the what-if replay can
move time by passing their own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""A source of the current moment (aware, UTC)."""


def utcnow() -> datetime:
    """The system clock: now, aware, in UTC."""
    return datetime.now(UTC)
