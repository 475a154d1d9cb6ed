"""The notifier tests' mail sink and NATS with the notifier's outbox bucket
(helpers: tests/support/notifier.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.notifier.mailsink import MailSink
from shared.eventstore.buckets import provision_buckets


@pytest.fixture
async def sink(tmp_path: Path) -> AsyncIterator[MailSink]:
    """An SMTP sink on a free port, storing what it receives in tmp_path/mail."""
    async with MailSink(tmp_path / "mail", port=0) as running:
        yield running


@pytest.fixture
async def provisioned_nats(provisioned_nats: EmbeddedNats) -> EmbeddedNats:
    """The streams, and the buckets (the notifier's outbox among them), as `klachten up`."""
    nc = await nats.connect(provisioned_nats.url)
    try:
        await provision_buckets(nc)
    finally:
        await nc.close()
    return provisioned_nats
