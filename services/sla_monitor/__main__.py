"""`python -m services.sla_monitor`: run the SLA monitor until SIGINT/SIGTERM (SIGHUP: reload
the policy). An unusable policy file stops it at once with the file, line, key and reason."""

from __future__ import annotations

import argparse
import sys

from services.sla_monitor.app import bootstrap
from services.sla_monitor.settings import SlaSettings
from shared.config.policy_file import PolicyError
from shared.runtime import tracing
from shared.runtime.observability import configure_logging, run_service, run_with_http

EXIT_BAD_POLICY = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.sla_monitor")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    settings = SlaSettings.from_env()
    configure_logging(args.log_level, settings.log_format)
    tracing.configure("sla_monitor", settings.traces_dir)
    try:
        app = bootstrap(settings)
    except PolicyError as error:
        print(f"sla_monitor: invalid policy: {error}", file=sys.stderr)
        return EXIT_BAD_POLICY
    # HTTP on its own port: health for the supervisor, /metrics for Prometheus.
    run_service(run_with_http(app, settings.sla_host, settings.sla_port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
