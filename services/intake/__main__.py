"""``python -m services.intake``: the intake service (HTTP + SMTP) until SIGINT/SIGTERM."""

from __future__ import annotations

import sys

from services.intake.server import IntakeServer
from services.intake.settings import IntakeSettings
from shared.runtime.process import run_process


def main(argv: list[str] | None = None) -> int:
    return run_process(
        "intake", IntakeSettings, lambda settings, _: IntakeServer(settings).serve(), argv
    )


if __name__ == "__main__":
    sys.exit(main())
