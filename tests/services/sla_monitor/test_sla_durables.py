"""An upgraded SLA monitor finds its durables as an older version left them and brings them to
its config on start (shared/runtime/consumer.py `declare`): nats-py binds to an existing
durable as it is, so the old filter and retry settings would otherwise stay for good."""

from __future__ import annotations

from pathlib import Path

import nats
from nats.js.api import AckPolicy, ConsumerConfig

from klachten.stack.natsserver import EmbeddedNats
from services.sla_monitor.app import bootstrap
from services.sla_monitor.settings import EVENTS_CONSUMER, TIMERS_CONSUMER
from shared.contract import subjects
from tests.support.sla import policy_file, sla_settings


async def test_durables_from_before_take_the_new_config_on_start(
    provisioned_nats: EmbeddedNats, nc: nats.NATS, tmp_path: Path
) -> None:
    settings = sla_settings(provisioned_nats.url, policy_file(tmp_path))
    js = nc.jetstream()
    old = {  # an older monitor: only submissions, and fewer deliveries
        subjects.COMPLAINTS_STREAM: (EVENTS_CONSUMER, subjects.events_of_type("submitted")),
        subjects.TIMERS_STREAM: (TIMERS_CONSUMER, subjects.TIMERS_FIRED_ALL),
    }
    for stream, (name, filter_subject) in old.items():
        config = ConsumerConfig(
            durable_name=name,
            filter_subject=filter_subject,
            ack_policy=AckPolicy.EXPLICIT,
            max_deliver=3,
            description="SLA monitor before the upgrade",
        )
        await js.add_consumer(stream, config)
    async with bootstrap(settings):
        events = await js.consumer_info(subjects.COMPLAINTS_STREAM, EVENTS_CONSUMER)
        timers = await js.consumer_info(subjects.TIMERS_STREAM, TIMERS_CONSUMER)
    assert events.config.filter_subjects == [subjects.COMPLAINTS_ALL]
    assert not events.config.filter_subject
    assert timers.config.filter_subjects == [subjects.TIMERS_FIRED_ALL]
    for info in (events, timers):
        assert info.config.max_deliver == settings.sla_max_deliver
        assert info.config.ack_policy == AckPolicy.EXPLICIT
        assert info.config.description != "SLA monitor before the upgrade"
