"""``python -m services.reporting``: serve reporting (KLACHTEN_REPORTING_HOST, default
127.0.0.1) and follow the log."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from services.reporting.app import bootstrap
from services.reporting.settings import ReportingSettings
from shared.runtime.process import run_process


def serve(settings: ReportingSettings, _: argparse.Namespace) -> None:
    uvicorn.run(
        bootstrap(settings),
        host=settings.reporting_host,
        port=settings.reporting_port,
        log_level="info",
        proxy_headers=False,  # no X-Forwarded-For believed (docs/security.md, behind a proxy)
    )


def main(argv: list[str] | None = None) -> int:
    return run_process("reporting", ReportingSettings, serve, argv)


if __name__ == "__main__":
    sys.exit(main())
