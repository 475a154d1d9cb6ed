"""Fixtures of the intake tests: a client of the running intake (`intake`, tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.intake.server import BackgroundIntake


@pytest.fixture
async def client(intake: BackgroundIntake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=intake.url, timeout=20) as http:
        yield http
