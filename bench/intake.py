"""Benchmark: complaints submitted over HTTP with a real log, beside raw JetStream publishes.

    .venv/bin/python -m bench.intake [--count 2000] [--concurrency 32] [--rate 200 --seconds 10]

The shipped configuration, as `klachten up` runs it: an embedded nats-server with the
generated users and passwords (`sync_interval: always`), `python -m services.intake` as its own
process connecting as the `intake` user, writing its span file (KLACHTEN_TRACES_DIR) and
signing its appends. Measures POST /api/complaints at saturation and at a steady rate, with the
CPU seconds intake and nats-server used per complaint (/proc/<pid>/stat), and raw nats-py
publishes of the same number of messages to the same stream, as the same user, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
import time
from pathlib import Path
from uuid import uuid4

import httpx
import nats
from rich.console import Console
from rich.table import Table

from bench.common import Row, cpu_seconds, free_port, ms
from klachten.stack import launch
from klachten.stack.natsserver import EmbeddedNats
from klachten.stack.provisioning import provision_streams
from shared.config import permissions
from shared.config.settings import nats_connect_options
from shared.integrity import signing

TOKEN = "bench-staff-token-0123456789"
console = Console()


def body(i: int) -> dict[str, object]:
    return {
        "channel": "api",
        "complainant": {"name": f"Bench {i}", "email": f"bench{i}@example.nl", "language": "nl"},
        "subject": "Benchmark",
        "description": "Een klacht voor de benchmark.",
    }


async def post(client: httpx.AsyncClient, i: int, latencies: list[float]) -> None:
    started = time.perf_counter()
    r = await client.post(
        "/api/complaints", json=body(i), headers={"Idempotency-Key": str(uuid4())}
    )
    latencies.append(time.perf_counter() - started)
    r.raise_for_status()


async def saturation(base: str, count: int, concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:

        async def one(i: int) -> None:
            async with gate:
                await post(client, i, latencies)

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        return time.perf_counter() - started, latencies


async def steady(base: str, rate: int, seconds: int) -> list[float]:
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        tasks = []
        started = time.perf_counter()
        for i in range(rate * seconds):
            await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(post(client, i, latencies)))
        await asyncio.gather(*tasks)
    return latencies


async def raw(url: str, count: int, pipelined: bool) -> float:
    nc = await nats.connect(**nats_connect_options(url))  # as the user, in its inbox prefix
    js = nc.jetstream()
    data = b'{"type":"complaint.submitted","bench":true}' + b" " * 600
    started = time.perf_counter()
    if pipelined:
        await asyncio.gather(
            *[
                await js.publish_async(f"complaints.{uuid4()}.1.submitted", data)
                for _ in range(count)
            ]
        )
    else:
        for _ in range(count):
            await js.publish(f"complaints.{uuid4()}.1.submitted", data)
    elapsed = time.perf_counter() - started
    await nc.close()
    return elapsed


def wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"intake exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("intake did not become healthy")


def run(count: int, concurrency: int, rate: int, seconds: int) -> list[Row]:
    """Saturation and a steady rate through one intake process, then raw publishes."""
    with tempfile.TemporaryDirectory(prefix="klachten-bench-") as tmp:
        credentials, _ = permissions.ensure_credentials(Path(tmp))
        signing.ensure_writer_keys(Path(tmp), signing.writers())
        server = EmbeddedNats(Path(tmp) / "nats", credentials=credentials)
        server.start()
        asyncio.run(provision_streams(server.url_for(permissions.ADMIN), replicas=1))
        port = free_port()
        env = {
            **os.environ,
            "KLACHTEN_NATS_URL": server.url_for("intake"),
            "KLACHTEN_TRACES_DIR": str(Path(tmp) / "traces"),
            "KLACHTEN_DATA_DIR": tmp,
            "KLACHTEN_INTAKE_PORT": str(port),
            "KLACHTEN_SMTP_PORT": str(free_port()),
            "KLACHTEN_STAFF_TOKEN": TOKEN,
        }
        log = Path(tempfile.gettempdir()) / "klachten-bench-intake.log"
        console.print(f"intake log: {log}")
        with log.open("wb") as sink:
            proc = launch.spawn(launch.command("intake"), env=env, output=sink)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base, proc)
            pids = {"intake": proc.pid, "nats-server": server.pid or 0}
            before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            elapsed, sat = asyncio.run(saturation(base, count, concurrency))
            stead = asyncio.run(steady(base, rate, seconds))
            used = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
            raw_cpu = cpu_seconds(pids["nats-server"])
            t_await = asyncio.run(raw(server.url_for("intake"), count, pipelined=False))
            raw_cpu = cpu_seconds(pids["nats-server"]) - raw_cpu
            t_pipe = asyncio.run(raw(server.url_for("intake"), count, pipelined=True))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            server.stop()
    raw_figures = f"{count / t_await:,.0f}/s awaited · {count / t_pipe:,.0f}/s pipelined"
    submitted = count + rate * seconds
    cpu = " · ".join(f"{name} {s * 1000 / submitted:.1f} ms" for name, s in used.items())
    return [
        Row(
            "intake",
            "CPU per complaint (saturation and steady together)",
            cpu,
            f"nats-server {raw_cpu * 1000 / count:.2f} ms per raw awaited publish",
        ),
        Row(
            "intake",
            f"saturation, {count} complaints, {concurrency} concurrent",
            f"{count / elapsed:,.0f} complaints/s · {ms(sat)}",
            f"raw publish {raw_figures}",
        ),
        Row("intake", f"steady {rate}/s for {seconds} s", ms(stead), f"raw publish {raw_figures}"),
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--rate", type=int, default=200)
    p.add_argument("--seconds", type=int, default=10)
    a = p.parse_args()
    table = Table(title="intake benchmark (sync_interval: always)")
    for col in ("measure", "intake over HTTP", "raw nats-py publish (baseline)"):
        table.add_column(col)
    for row in run(a.count, a.concurrency, a.rate, a.seconds):
        table.add_row(row.what, row.ours, row.baseline)
    console.print(table)


if __name__ == "__main__":
    main()
