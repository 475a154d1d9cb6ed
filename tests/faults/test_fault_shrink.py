"""Fail-stop on a shrinking log: a block file of a stopped server is damaged, nats-server comes
back with fewer messages, and the system stops instead of carrying on (issue 19, item 4):
readiness fails, appends are refused, `klachten up` refuses to start, until an operator runs
`klachten recover --accept-shrunken-log`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from uuid import uuid4

import nats
import pytest
from typer.testing import CliRunner

from klachten import cli, stack_cli
from shared import highwater
from shared.logwatch import service_watch
from shared.natsserver import EmbeddedNats
from shared.streams import ProvisionedStream, provision

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
