"""Settings of the SLA monitor (env ``KLACHTEN_<FIELD>``), on top of the shared ones (among
them ``KLACHTEN_POLICY_FILE``, the policy every process reads: `policy_path`).

KLACHTEN_SLA_POLICY_CHECK_INTERVAL   10      s between mtime checks of the policy (SIGHUP: now)
KLACHTEN_SLA_ACK_WAIT                30      s before the server redelivers an unacked message
KLACHTEN_SLA_MAX_DELIVER             20      deliveries before a message is dead-lettered
KLACHTEN_SLA_RETRY_BASE / _CAP       1 / 60  s; nack delay = base·2^(n-1), capped
KLACHTEN_SLA_WORKERS                 4       pull loops (1 message each) per consumer
KLACHTEN_SLA_FETCH_TIMEOUT           5       s a pull waits for a message
KLACHTEN_SLA_HOST / _PORT            127.0.0.1 / 8083  /health/live, /health/ready, /metrics
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shared.config.settings import DEFAULT_POLICY_FILE as DEFAULT_POLICY_FILE  # re-exported
from shared.config.settings import HOST, Settings

EVENTS_CONSUMER = "sla_monitor"  # on COMPLAINTS: keeps one timer per complaint up to date
TIMERS_CONSUMER = "sla_timers"  # on TIMERS: a timer fired, re-check and escalate


@dataclass(frozen=True)
class SlaSettings(Settings):
    nats_user: ClassVar[str] = "sla_monitor"

    sla_policy_check_interval: float = 10.0
    sla_ack_wait: float = 30.0
    sla_max_deliver: int = 20
    sla_retry_base: float = 1.0
    sla_retry_cap: float = 60.0
    sla_workers: int = 4
    sla_fetch_timeout: float = 5.0
    sla_host: str = HOST
    sla_port: int = 8083
