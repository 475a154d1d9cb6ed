"""``python -m services.intake``: the intake service (HTTP + SMTP) until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging

from services.intake.server import IntakeServer
from services.intake.settings import IntakeSettings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(IntakeServer(IntakeSettings.from_env()).serve())


if __name__ == "__main__":
    main()
