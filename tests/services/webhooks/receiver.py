"""A real HTTP receiver for the webhooks tests: an ASGI app that verifies every delivery with
the `standardwebhooks` library, as an integrating system would (served by uvicorn: conftest.py)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import standardwebhooks

from tests.support.ports import free_port


def make_secret(seed: bytes) -> str:
    return "whsec_" + base64.b64encode(seed.ljust(32, b"-")).decode()


@dataclass
class Receiver:
    """Stores each verified delivery; refuses the first `fail` ones with 500 (an outage), and
    any whose signature does not verify with its own secret with 401."""

    secret: str
    fail: int = 0
    port: int = field(default_factory=free_port)
    tries: int = 0
    verified: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # webhook-id of each verified delivery
    refused: list[str] = field(default_factory=list)  # why verification failed

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def unique(self) -> dict[str, dict[str, Any]]:
        """The deliveries by idempotency key, as a receiver that dedupes would keep them."""
        return {i: body for i, body in zip(self.ids, self.verified, strict=True)}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.tries += 1
        if self.fail > 0:
            self.fail -= 1
            status = 500
        else:
            try:
                payload = standardwebhooks.Webhook(self.secret).verify(body, headers)
            except standardwebhooks.WebhookVerificationError as error:
                self.refused.append(str(error))
                status = 401
            else:
                self.verified.append(payload)
                self.ids.append(headers["webhook-id"])
                status = 204
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": json.dumps({}).encode()})
