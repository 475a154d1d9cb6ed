"""`python -m services.sla_monitor`: run the SLA monitor until SIGINT/SIGTERM (SIGHUP: reload
the policy). An unusable policy file stops it at once with the file, line, key and reason."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Coroutine
from typing import Any

from services.sla_monitor.app import bootstrap
from services.sla_monitor.settings import SlaSettings
from shared.config.policy_file import PolicyError
from shared.runtime.observability import run_with_http
from shared.runtime.process import run_process

EXIT_BAD_POLICY = 2


def serve(settings: SlaSettings, _: argparse.Namespace) -> Coroutine[Any, Any, None] | int:
    try:
        app = bootstrap(settings)
    except PolicyError as error:
        print(f"sla_monitor: invalid policy: {error}", file=sys.stderr)
        return EXIT_BAD_POLICY
    # HTTP on its own port: health for the supervisor, /metrics for Prometheus.
    return run_with_http(app, settings.sla_host, settings.sla_port)


def main(argv: list[str] | None = None) -> int:
    return run_process("sla_monitor", SlaSettings, serve, argv)


if __name__ == "__main__":
    sys.exit(main())
