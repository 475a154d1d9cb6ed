"""Benchmark: the pipeline submit → acknowledged at a steady rate, through the real services.

    .venv/bin/python -m bench.pipeline [--rate 200] [--seconds 20]

One embedded nats-server (`sync_interval: always`, as shipped), intake, notifier with its mail
sink, sla_monitor and reporting as processes. Complaints are POSTed at a steady rate; the time
from sending the POST to the `acknowledged` event in the log (a core NATS subscription sees each
stored message) is the figure: it includes the HTTP append, the notifier's consumer, rendering
and sending the letter over SMTP, and appending `acknowledged`.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from uuid import uuid4

import httpx
import nats
from rich.console import Console

from bench.common import Row, Service, free_port, ms, wait_http
from shared.natsserver import EmbeddedNats
from shared.streams import provision

console = Console()
TOKEN = "bench-token"


def body(n: int) -> dict[str, object]:
    return {
        "channel": "api",
        "complainant": {"name": "Anna Kowalska", "email": f"anna{n}@example.org"},
        "subject": "Nobody answers the phone",
        "description": "Five calls, no answer.",
    }


async def measure(nats_url: str, base: str, rate: int, seconds: int) -> tuple[list[float], str]:
    nc = await nats.connect(nats_url)
    acked: dict[str, float] = {}

    async def on_ack(msg: nats.aio.msg.Msg) -> None:
        acked.setdefault(msg.subject.split(".")[1], time.perf_counter())

    await nc.subscribe("complaints.*.*.acknowledged", cb=on_ack)
    sent: dict[str, float] = {}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:

            async def post(n: int) -> None:
                began = time.perf_counter()
                r = await client.post(
                    "/api/complaints", json=body(n), headers={"Idempotency-Key": str(uuid4())}
                )
                r.raise_for_status()
                sent[r.json()["complaint_id"]] = began

            tasks, started = [], time.perf_counter()
            for n in range(rate * seconds):
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
                tasks.append(asyncio.create_task(post(n)))
            await asyncio.gather(*tasks)
            submitted = time.perf_counter() - started
        deadline = time.monotonic() + max(120, rate * seconds / 20)
        while not set(sent) <= set(acked) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    finally:
        await nc.close()
    latencies = [acked[c] - t for c, t in sent.items() if c in acked]
    span = max(acked.values(), default=started) - started
    note = (
        f"{len(sent)} complaints; submitted at {len(sent) / submitted:,.0f}/s, acknowledged "
        f"at {len(acked) / span:,.0f}/s"
        if span > 0
        else f"{len(sent)} complaints"
    )
    if len(latencies) < len(sent):
        note += f"; {len(sent) - len(latencies)} not acknowledged within the deadline"
    return latencies, note


def run(rate: int, seconds: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="klachten-bench-pipeline-") as name:
        tmp = Path(name)
        with EmbeddedNats(tmp / "nats") as server:
            asyncio.run(_provision(server.url))
            names = ("INTAKE", "SMTP", "REPORTING", "MAILSINK", "NOTIFIER", "SLA")
            ports = {p: free_port() for p in names}
            env = {f"KLACHTEN_{p}_PORT": str(v) for p, v in ports.items()}
            env |= {
                "KLACHTEN_NATS_URL": server.url,
                "KLACHTEN_DATA_DIR": name,
                "KLACHTEN_STAFF_TOKEN": TOKEN,
                "KLACHTEN_SMTP_RELAY_PORT": str(ports["MAILSINK"]),
            }
            services = [
                Service("notifier", env, tmp, "--with-mailsink"),
                Service("sla_monitor", env, tmp),
                Service("reporting", env, tmp),
                Service("intake", env, tmp),
            ]
            base = f"http://127.0.0.1:{ports['INTAKE']}"
            try:
                wait_http(f"{base}/health", services[-1].process)
                wait_http(f"http://127.0.0.1:{ports['REPORTING']}/health", services[2].process)
                time.sleep(2)  # the notifier's consumer exists once it pulls
                latencies, note = asyncio.run(measure(server.url, base, rate, seconds))
            finally:
                for service in reversed(services):
                    service.stop()
    return [
        Row("pipeline", f"submit → acknowledged at {rate}/s for {seconds} s", ms(latencies), note),
    ]


async def _provision(url: str) -> None:
    nc = await nats.connect(url)
    await provision(nc)
    await nc.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rate", type=int, default=200)
    p.add_argument("--seconds", type=int, default=20)
    a = p.parse_args()
    for row in run(a.rate, a.seconds):
        console.print(f"{row.what}: {row.ours} ({row.baseline})")


if __name__ == "__main__":
    main()
