"""``python -m services.reporting``: serve reporting on 127.0.0.1 and follow the log."""

from __future__ import annotations

import uvicorn

from services.reporting.app import create_app
from services.reporting.settings import ReportingSettings


def main() -> None:
    settings = ReportingSettings.from_env()
    uvicorn.run(
        create_app(settings), host="127.0.0.1", port=settings.reporting_port, log_level="info"
    )


if __name__ == "__main__":
    main()
