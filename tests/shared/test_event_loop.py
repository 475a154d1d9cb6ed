"""The services run on uvloop and parse HTTP with httptools (issue #23: the pure-Python
parser and loop cost CPU on every request); uvicorn picks both itself when installed."""

from __future__ import annotations

import asyncio

import uvicorn

from shared.runtime.observability import run_service


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_services_run_on_uvloop_and_httptools() -> None:
    assert run_service(_loop_module()).startswith("uvloop")
    config = uvicorn.Config(app=None)  # as run_with_http and intake's server configure it
    config.load()
    assert "httptools" in config.http_protocol_class.__module__
