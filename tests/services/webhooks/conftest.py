"""The webhooks tests' receivers: uvicorn on a free port serving tests/services/webhooks/
receiver.py's `Receiver` (helpers are imported from there, not from here)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from tests.services.webhooks.receiver import Receiver


@pytest.fixture
async def receiver_factory() -> AsyncIterator[Any]:
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def start(secret: str, fail: int = 0) -> Receiver:
        receiver = Receiver(secret, fail)
        config = uvicorn.Config(receiver, host="127.0.0.1", port=receiver.port, log_level="warning")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        servers.append((server, task))
        for _ in range(500):
            if server.started:
                return receiver
            await asyncio.sleep(0.01)
        raise TimeoutError("receiver did not start")

    yield start
    for server, task in servers:
        server.should_exit = True
        await task
