"""Streams and buckets of a stack, provisioned as admin before any service starts (idempotent:
an existing stream whose managed settings differ is a conflict, never rewritten; the stream and
bucket definitions are shared/eventstore/streams.py and buckets.py)."""

from __future__ import annotations

import asyncio
import time

import nats

from shared.config.settings import nats_connect_options
from shared.eventstore.buckets import provision_buckets
from shared.eventstore.link import COMMAND_CONNECT
from shared.eventstore.streams import JetStreamApiError, ProvisionedStream, provision


async def provision_streams(url: str, replicas: int) -> list[ProvisionedStream]:
    """Provision streams and buckets at `url` (a comma list for a cluster; the admin
    credential), waiting for a new cluster's quorum."""
    nc = await nats.connect(**nats_connect_options(url), **COMMAND_CONNECT)
    try:
        # A fresh cluster elects its JetStream meta leader a moment after the routes form.
        deadline = time.monotonic() + 30
        while True:
            try:
                provisioned = await provision(nc, replicas=replicas)
                await provision_buckets(nc, replicas=replicas)
                return provisioned
            except (TimeoutError, JetStreamApiError, nats.errors.Error):
                if replicas == 1 or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
    finally:
        await nc.close()
