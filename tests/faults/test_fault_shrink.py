"""Fail-stop on a shrinking log: a block file of a stopped server is damaged, nats-server comes
back with fewer messages, and the system stops instead of carrying on (issue 19, item 4):
readiness fails, appends are refused, `klachten up` refuses to start, until an operator runs
`klachten recover --accept-shrunken-log`.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from uuid import uuid4

import nats
import pytest
from faststream.nats import NatsBroker
from typer.testing import CliRunner

from klachten import cli
from klachten.commands import up as stack_cli
from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore import highwater
from shared.eventstore.streams import ProvisionedStream, provision
from shared.runtime.consumer import PullConsumer, RetryPolicy
from shared.runtime.logwatch import broker_watch, service_watch
from tests.support.polling import wait_until

EVENTS = 60


async def fill(url: str) -> None:
    nc = await nats.connect(url)
    try:
        await provision(nc)
        js = nc.jetstream()
        for n in range(EVENTS):
            await js.publish(f"complaints.{uuid4()}.1.submitted", b"x" * 200 + str(n).encode())
    finally:
        await nc.close()


async def watch_once(server: EmbeddedNats, data: Path) -> tuple[bool, dict[str, str], str | None]:
    nc = await nats.connect(server.url)
    try:
        settings = SimpleNamespace(
            nats_url=server.url, nats_port=4222, nats_monitor_port=8222, data_dir=data
        )
        watch = service_watch("intake", settings, lambda: nc)
        await watch.check_now()
        return watch.ready, dict(watch.problems), watch.store_problem()
    finally:
        await nc.close()


def damage(store: Path) -> str:
    """Cut the stream's (only) block file to a third: nats-server drops what it cannot read."""
    (block,) = store.glob("store/jetstream/*/streams/COMPLAINTS/msgs/*.blk")
    size = block.stat().st_size
    with block.open("r+b") as handle:
        handle.truncate(size // 3)
    return f"{block.name} cut from {size} to {size // 3} bytes"


@pytest.mark.timeout(120)
def test_a_shrunken_log_stops_readiness_appends_and_start_up_until_recovered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, store = tmp_path / "data", tmp_path / "nats"
    server = EmbeddedNats(store).start()
    try:
        asyncio.run(fill(server.url))
        ready, problems, _ = asyncio.run(watch_once(server, data))
        assert ready, problems
        assert highwater.recorded(data) == EVENTS
    finally:
        server.stop()

    what = damage(store)
    server = EmbeddedNats(store).start(timeout=60)
    try:
        ready, problems, refusal = asyncio.run(watch_once(server, data))
    finally:
        server.stop()
    print(f"\n[shrink] {what}: {problems}")
    assert not ready, f"a log that lost events must not be ready ({what})"
    assert "lost" in problems["shrunk"] or "shrank" in problems["shrunk"], problems
    assert refusal == problems["shrunk"], "intake refuses appends while the log is short"

    # `klachten up`'s start-up gate refuses, also after the services' records are gone.
    state = {"first_seq": 1, "last_seq": EVENTS // 3, "messages": EVENTS // 3}
    provisioned = [ProvisionedStream("COMPLAINTS", created=False, info={"state": state})]
    with pytest.raises(stack_cli.typer.Exit) as refused:
        stack_cli._refuse_if_shrunk(data, provisioned)
    assert refused.value.exit_code == 2

    monkeypatch.setenv("KLACHTEN_DATA_DIR", str(data))
    said = CliRunner().invoke(cli.app, ["recover", "--accept-shrunken-log"])
    assert said.exit_code == 0, said.output
    stack_cli._refuse_if_shrunk(data, provisioned)  # after recovery: starts, and records anew
    assert highwater.recorded(data) == EVENTS // 3


def shrink_consumer(broker: NatsBroker, handled: list[str]) -> PullConsumer:
    async def handle(subject: str, body: bytes) -> str:
        handled.append(subject)
        return "done"

    return PullConsumer(
        broker, service="notifier", name="shrink-test", stream="COMPLAINTS",
        filter_subjects=["complaints.>"], description="test", policy=RetryPolicy(),
        ack_wait=2.0, handle=handle, judge=lambda e, n, p: p.verdict("unexpected", str(e), n),
        log=logging.getLogger("test.shrink"),
    )  # fmt: skip


async def add_durable(url: str) -> None:
    nc = await nats.connect(url)
    try:
        await nc.jetstream().add_consumer("COMPLAINTS", shrink_consumer(None, []).config())  # type: ignore[arg-type]
    finally:
        await nc.close()


async def run_paused_consumer(
    server: EmbeddedNats, data: Path, restore: Callable[[], None]
) -> tuple[list[str], list[str]]:
    """A durable consumer wired as the notifier's and the SLA monitor's are (broker_watch):
    what it handled while the log was short, and after the restore and the recovery."""
    handled: list[str] = []
    broker = NatsBroker(server.url)
    consumer = shrink_consumer(broker, handled)
    consumer.subscribe(workers=1, fetch_timeout=0.5)
    settings = SimpleNamespace(
        nats_url=server.url, nats_port=4222, nats_monitor_port=8222, data_dir=data
    )
    watch = broker_watch("notifier", broker, settings, [consumer])
    async with broker:
        await broker.start()
        js = broker.config.connection_state.stream

        async def held() -> bool:
            info = await js.consumer_info("COMPLAINTS", "shrink-test")
            return info.num_ack_pending >= 1 and watch.problems.get("shrunk") is not None

        watch.start()
        try:
            await wait_until(held, timeout=30, message="a message held, unhandled")
            while_short = list(handled)
            await asyncio.to_thread(restore)  # the operator restores the store from backup ...
            highwater.accept(data)  # ... and runs klachten recover --accept-shrunken-log
            await wait_until(lambda: len(set(handled)) >= EVENTS, timeout=90, message="resumed")
        finally:
            await watch.stop()
    return while_short, handled


@pytest.mark.timeout(240)
def test_consumers_pause_while_the_log_is_short_and_resume_after_recovery(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    data, store, backup = tmp_path / "data", tmp_path / "nats", tmp_path / "backup"
    server = EmbeddedNats(store).start()
    try:
        asyncio.run(fill(server.url))
        asyncio.run(add_durable(server.url))
        ready, problems, _ = asyncio.run(watch_once(server, data))
        assert ready, problems
    finally:
        server.stop()
    shutil.copytree(store, backup)
    what = damage(store)
    server.start(timeout=60)

    def restore() -> None:
        server.stop()
        shutil.rmtree(store)
        shutil.copytree(backup, store)
        server.start(timeout=60)

    try:
        while_short, after = asyncio.run(run_paused_consumer(server, data, restore))
    finally:
        server.stop()
    print(f"\n[shrink] {what}: held while short, then handled {len(set(after))}")
    assert while_short == [], "nothing is handled while the log of record is short"
    assert len(set(after)) == EVENTS
    said = [r.getMessage() for r in caplog.records if r.name == "test.shrink"]
    assert any("paused" in m and "lost messages" in m for m in said), said
