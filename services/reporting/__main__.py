"""``python -m services.reporting``: serve reporting (KLACHTEN_REPORTING_HOST, default
127.0.0.1) and follow the log."""

from __future__ import annotations

import uvicorn

from services.reporting.app import create_app
from services.reporting.settings import ReportingSettings
from shared.runtime import tracing
from shared.runtime.observability import configure_logging


def main() -> None:
    settings = ReportingSettings.from_env()
    configure_logging("INFO", settings.log_format)
    tracing.configure("reporting", settings.traces_dir)
    uvicorn.run(
        create_app(settings),
        host=settings.reporting_host,
        port=settings.reporting_port,
        log_level="info",
    )


if __name__ == "__main__":
    main()
