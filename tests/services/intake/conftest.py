"""Fixtures of the intake tests: a running intake on the test's nats-server and its client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from tests.support.intake import intake_settings, start_intake


@pytest.fixture
async def intake(provisioned_nats: EmbeddedNats) -> AsyncIterator[BackgroundIntake]:
    service = start_intake(intake_settings(provisioned_nats))
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
async def client(intake: BackgroundIntake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=intake.url, timeout=20) as http:
        yield http
