"""`python -m services.sla_monitor`: run the SLA monitor until SIGINT/SIGTERM (SIGHUP: reload
the policy). An unusable policy file stops it at once with the file, line, key and reason."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from services.sla_monitor.app import create_app
from services.sla_monitor.settings import SlaSettings
from shared.policy import PolicyError

EXIT_BAD_POLICY = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.sla_monitor")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    try:
        app = create_app(SlaSettings.from_env())
    except PolicyError as error:
        print(f"sla_monitor: invalid policy: {error}", file=sys.stderr)
        return EXIT_BAD_POLICY
    asyncio.run(app.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
