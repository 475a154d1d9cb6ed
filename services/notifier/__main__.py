"""`python -m services.notifier [--with-mailsink]`: run the notifier until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Coroutine
from typing import Any

from services.notifier.app import bootstrap
from services.notifier.settings import NotifierSettings
from shared.runtime.observability import run_with_http
from shared.runtime.process import run_process


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--with-mailsink",
        action="store_true",
        help="also run the embedded mail sink (KLACHTEN_MAILSINK_PORT, KLACHTEN_MAILSINK_DIR)",
    )


def serve(settings: NotifierSettings, args: argparse.Namespace) -> Coroutine[Any, Any, None]:
    app = bootstrap(settings, with_mailsink=args.with_mailsink)
    # HTTP on its own port: health for the supervisor, /metrics for Prometheus.
    return run_with_http(app, settings.notifier_host, settings.notifier_port)


def main(argv: list[str] | None = None) -> int:
    return run_process("notifier", NotifierSettings, serve, argv, options=options)


if __name__ == "__main__":
    sys.exit(main())
