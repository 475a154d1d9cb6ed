"""``python -m services.intake``: the intake service (HTTP + SMTP) until SIGINT/SIGTERM."""

from __future__ import annotations

from services.intake.server import IntakeServer
from services.intake.settings import IntakeSettings
from shared.runtime import tracing
from shared.runtime.observability import configure_logging, run_service


def main() -> None:
    settings = IntakeSettings.from_env()
    configure_logging("INFO", settings.log_format)
    tracing.configure("intake", settings.traces_dir)
    run_service(IntakeServer(settings).serve())


if __name__ == "__main__":
    main()
