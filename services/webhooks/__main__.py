"""`python -m services.webhooks`: post subscribed events to their endpoints until SIGINT/SIGTERM.
`python -m services.webhooks --replay NAME --from-seq N [--to-seq M]`: post subscription NAME's
events from stream sequence N again (its durable is untouched), then exit. An unusable
subscriptions file stops either at once with the file, the subscription and the key."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Coroutine
from typing import Any

import httpx

from services.webhooks.app import Endpoint, bootstrap, keystore_of, load_subscriptions, replay
from services.webhooks.domain import SubscriptionError
from services.webhooks.settings import WebhooksSettings
from shared.runtime.observability import run_with_http
from shared.runtime.process import run_process

EXIT_BAD_FILE = 2
EXIT_NOT_DELIVERED = 1


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--replay", metavar="NAME", help="post one subscription's events again")
    parser.add_argument("--from-seq", type=int, default=1, help="first stream sequence (replay)")
    parser.add_argument("--to-seq", type=int, default=None, help="last stream sequence (replay)")


def serve(settings: WebhooksSettings, args: argparse.Namespace) -> Coroutine[Any, Any, Any] | int:
    secrets = WebhooksSettings.secrets_from_env()
    try:
        subscriptions = load_subscriptions(settings.webhooks_path, secrets)
    except SubscriptionError as error:
        print(f"webhooks: invalid subscriptions: {error}", file=sys.stderr)
        return EXIT_BAD_FILE
    if args.replay:
        chosen = [s for s in subscriptions if s.name == args.replay]
        if not chosen:
            print(f"webhooks: no enabled subscription {args.replay!r}", file=sys.stderr)
            return EXIT_BAD_FILE
        return _replay(settings, chosen[0], args.from_seq, args.to_seq)
    app = bootstrap(settings, subscriptions=subscriptions)
    # HTTP on its own port: health for the supervisor, /metrics for Prometheus.
    return run_with_http(app, settings.webhooks_host, settings.webhooks_port)


async def _replay(
    settings: WebhooksSettings, subscription: Any, first: int, last: int | None
) -> None:
    async with httpx.AsyncClient(timeout=settings.webhooks_timeout) as client:
        endpoint = Endpoint(subscription, client, keystore=keystore_of(settings))
        done = await replay(settings, endpoint, first, last)
    name, seq = subscription.name, done.last_seq
    print(f"webhooks: replayed {done.delivered} event(s) to {name} up to seq {seq}")
    if done.failed_at is not None:
        failed = done.failed_at
        print(f"webhooks: seq {failed} not taken; resume with --from-seq {failed}", file=sys.stderr)
        raise SystemExit(EXIT_NOT_DELIVERED)


def main(argv: list[str] | None = None) -> int:
    return run_process("webhooks", WebhooksSettings, serve, argv, options=options)


if __name__ == "__main__":
    sys.exit(main())
