"""Settings of the webhooks service (env ``KLACHTEN_<FIELD>``), on top of the shared ones.

KLACHTEN_WEBHOOKS_FILE               config/webhooks.toml  the subscriptions (docs/webhooks.md)
KLACHTEN_WEBHOOKS_TIMEOUT            10      s an endpoint has to answer one delivery
KLACHTEN_WEBHOOKS_ACK_WAIT           30      s before the server redelivers an unacked message
KLACHTEN_WEBHOOKS_MAX_DELIVER        12      deliveries before an endpoint's event is dead-lettered
KLACHTEN_WEBHOOKS_RETRY_BASE / _CAP  2 / 600  s; delay before retry n = base·2^(n-1), capped
KLACHTEN_WEBHOOKS_WORKERS            2       pull loops (1 message each) per subscription
KLACHTEN_WEBHOOKS_FETCH_TIMEOUT      5       s a pull waits for a message
KLACHTEN_WEBHOOKS_HOST / _PORT       127.0.0.1 / 8084  /health/live, /health/ready, /metrics

Secrets are never in the subscriptions file: it names them, ``env:KLACHTEN_WEBHOOK_SECRET_<X>``
(read here, the one reader of the environment) or ``file:<path>`` (read at start).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from shared.config import CONFIG_DIR
from shared.config.settings import HOST, Settings

DEFAULT_WEBHOOKS_FILE = CONFIG_DIR / "webhooks.toml"
SECRET_PREFIX = "KLACHTEN_WEBHOOK_SECRET_"


@dataclass(frozen=True)
class WebhooksSettings(Settings):
    nats_user: ClassVar[str] = "webhooks"

    webhooks_file: str = ""
    webhooks_timeout: float = 10.0
    webhooks_ack_wait: float = 30.0
    webhooks_max_deliver: int = 12
    webhooks_retry_base: float = 2.0
    webhooks_retry_cap: float = 600.0
    webhooks_workers: int = 2
    webhooks_fetch_timeout: float = 5.0
    webhooks_host: str = HOST
    webhooks_port: int = 8084

    @property
    def webhooks_path(self) -> Path:
        return Path(self.webhooks_file) if self.webhooks_file else DEFAULT_WEBHOOKS_FILE

    @staticmethod
    def secrets_from_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The webhook secrets the environment holds (``KLACHTEN_WEBHOOK_SECRET_*``), by name:
        what an ``env:`` reference in the subscriptions file may name."""
        env = os.environ if env is None else env
        return {k: v for k, v in env.items() if k.startswith(SECRET_PREFIX)}
