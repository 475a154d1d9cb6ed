"""`python -m services.notifier [--with-mailsink]`: run the notifier until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import sys

from services.notifier.app import bootstrap
from services.notifier.settings import NotifierSettings
from shared.runtime import tracing
from shared.runtime.observability import configure_logging, run_service, run_with_http


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.notifier")
    parser.add_argument(
        "--with-mailsink",
        action="store_true",
        help="also run the embedded mail sink (KLACHTEN_MAILSINK_PORT, KLACHTEN_MAILSINK_DIR)",
    )
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    settings = NotifierSettings.from_env()
    configure_logging(args.log_level, settings.log_format)
    tracing.configure("notifier", settings.traces_dir)
    app = bootstrap(settings, with_mailsink=args.with_mailsink)
    # HTTP on its own port: health for the supervisor, /metrics for Prometheus.
    run_service(run_with_http(app, settings.notifier_host, settings.notifier_port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
