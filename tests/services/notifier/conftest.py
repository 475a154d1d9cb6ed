"""The notifier tests' mail sink (helpers: test_notifier_support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.notifier.mailsink import MailSink


@pytest.fixture
async def sink(tmp_path: Path) -> AsyncIterator[MailSink]:
    """An SMTP sink on a free port, storing what it receives in tmp_path/mail."""
    async with MailSink(tmp_path / "mail", port=0) as running:
        yield running
