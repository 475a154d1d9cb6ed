"""`python -m services.notifier [--with-mailsink]`: run the notifier until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from services.notifier.app import create_app
from services.notifier.settings import NotifierSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.notifier")
    parser.add_argument(
        "--with-mailsink",
        action="store_true",
        help="also run the embedded mail sink (KLACHTEN_MAILSINK_PORT, KLACHTEN_MAILSINK_DIR)",
    )
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    app = create_app(NotifierSettings.from_env(), with_mailsink=args.with_mailsink)
    asyncio.run(app.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
