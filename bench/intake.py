"""Benchmark: complaints submitted over HTTP with a real log, beside raw JetStream publishes.

    .venv/bin/python -m bench.intake [--count 2000] [--concurrency 32] [--rate 200 --seconds 10]
    .venv/bin/python -m bench.intake --io 200     # NATS requests, fsyncs, API errors each

The shipped configuration, as `klachten up` runs it: an embedded nats-server with the
generated users and passwords (`sync_interval: always`), `python -m services.intake` as its own
process connecting as the `intake` user, writing its span file (KLACHTEN_TRACES_DIR) and
signing its appends. Measures POST /api/complaints at saturation and at a steady rate, with the
CPU seconds intake and nats-server used per complaint (/proc/<pid>/stat), and raw nats-py
publishes of the same number of messages to the same stream, as the same user, in the same run.
With ``--io`` it counts what the server sees of each submission instead, and lists what one
more of each kind sends (docs/benchmarks.md).
(Just over 300 lines: the I/O count shares the stack and the posting of the throughput runs.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
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


@contextlib.contextmanager
def stack(extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, EmbeddedNats, int]]:
    """The shipped stack's nats-server and one intake process: (intake's URL, server, pid)."""
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
            **(extra_env or {}),
        }
        log = Path(tempfile.gettempdir()) / "klachten-bench-intake.log"
        console.print(f"intake log: {log}")
        with log.open("wb") as sink:
            proc = launch.spawn(launch.command("intake"), env=env, output=sink)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base, proc)
            yield base, server, proc.pid
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            server.stop()


def run(count: int, concurrency: int, rate: int, seconds: int) -> list[Row]:
    """Saturation and a steady rate through one intake process, then raw publishes."""
    with stack() as (base, server, pid):
        pids = {"intake": pid, "nats-server": server.pid or 0}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        elapsed, sat = asyncio.run(saturation(base, count, concurrency))
        stead = asyncio.run(steady(base, rate, seconds))
        used = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
        raw_cpu = cpu_seconds(pids["nats-server"])
        t_await = asyncio.run(raw(server.url_for("intake"), count, pipelined=False))
        raw_cpu = cpu_seconds(pids["nats-server"]) - raw_cpu
        t_pipe = asyncio.run(raw(server.url_for("intake"), count, pipelined=True))
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


# --- I/O per submission ----------------------------------------------------------------------


def server_counters(monitor: str) -> dict[str, int]:
    """Messages intake's connections sent (each request is one), JetStream API calls and
    errors, as the server counts them."""
    connz = httpx.get(f"{monitor}/connz?auth=true&limit=1024", timeout=5).json()
    sent = sum(
        c.get("in_msgs", 0)
        for c in connz.get("connections", [])
        if c.get("authorized_user") == "intake"
    )
    api = httpx.get(f"{monitor}/jsz", timeout=5).json().get("api", {})
    return {"requests": sent, "api": api.get("total", 0), "errors": api.get("errors", 0)}


@contextlib.contextmanager
def fsyncs(pid: int) -> Iterator[dict[str, int]]:
    """fsync + fdatasync calls of `pid` (all threads) while the block runs (strace -c)."""
    found: dict[str, int] = {}
    if shutil.which("strace") is None:
        yield found
        return
    out = Path(tempfile.mkstemp(prefix="klachten-strace-")[1])
    tracer = subprocess.Popen(
        ["strace", "-f", "-c", "-e", "trace=fsync,fdatasync", "-o", str(out), "-p", str(pid)],
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # attached to every thread
    try:
        yield found
    finally:
        time.sleep(0.5)
        tracer.send_signal(signal.SIGINT)
        tracer.wait(timeout=30)
        for line in out.read_text().splitlines():
            m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$", line)
            if m and m.group(2) != "total":
                found[m.group(2)] = int(m.group(1))
        out.unlink()


def io_body(i: int, returning: bool) -> dict[str, object]:
    data = body(i)
    email = "io-returning@example.nl" if returning else f"io{i}-{uuid4().hex[:8]}@example.nl"
    data["complainant"] = {"name": f"Bench {i}", "email": email}
    return data


async def one_by_one(base: str, count: int, *, staff: bool, returning: bool = False) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"} if staff else {}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        for i in range(count):
            r = await client.post(
                "/api/complaints",
                json=io_body(i, returning),
                headers={"Idempotency-Key": str(uuid4())},
            )
            r.raise_for_status()


def io(count: int) -> list[Row]:
    """Per submission, one at a time: the requests intake sends to NATS, the JetStream API
    calls and errors the server counts, and the server's fsyncs; public and staff alike."""
    rows: list[Row] = []
    limits = {
        "KLACHTEN_INTAKE_RATE_LIMIT": str(count * 10),  # the limiter runs, never refuses
        "KLACHTEN_INTAKE_LETTERS_PER_ADDRESS": str(count * 10),
    }
    kinds = (
        ("public", False, False),
        ("staff", True, False),
        ("staff, returning complainant,", True, True),
    )
    with stack(limits) as (base, server, _):
        asyncio.run(one_by_one(base, 5, staff=False))  # warm: buckets, caches, connections
        for who, staff, returning in kinds:
            before = server_counters(server.monitor_url)
            with fsyncs(server.pid or 0) as synced:
                asyncio.run(one_by_one(base, count, staff=staff, returning=returning))
            after = server_counters(server.monitor_url)
            each = {k: (after[k] - before[k]) / count for k in after}
            syncs = sum(synced.values()) / count if synced else float("nan")
            rows.append(
                Row(
                    "intake",
                    f"I/O per {who} submission ({count}, one at a time)",
                    f"{each['requests']:.1f} NATS requests · {syncs:.1f} fsyncs · "
                    f"{each['api']:.1f} JetStream API calls · {each['errors']:.2f} API errors",
                    "raw publish: 1 request · 1 fsync · 0 errors",
                )
            )
        for who, staff, returning in kinds:  # what one more of each sends, in order
            seen = asyncio.run(sent_by_one(server, base, staff=staff, returning=returning))
            console.print(f"what one more {who} submission sent ({len(seen)}):")
            console.print("".join(f"  {n}. {subject}\n" for n, subject in enumerate(seen, 1)))
    return rows


async def sent_by_one(
    server: EmbeddedNats, base: str, *, staff: bool, returning: bool
) -> list[str]:
    """The subjects intake sends to while one submission is made (names shortened; the search
    index's reads are here too when one falls within it)."""
    nc = await nats.connect(**nats_connect_options(server.url_for(permissions.ADMIN)))
    seen: list[str] = []

    async def note(msg: nats.aio.msg.Msg) -> None:
        if not msg.subject.startswith(("_INBOX", "$JS.EVENT.", "$JS.ACK.")):
            seen.append(re.sub(r"[0-9a-f]{16,}|[0-9a-f-]{36}", "…", msg.subject))

    await nc.subscribe(">", cb=note)
    await nc.flush()
    try:
        await one_by_one(base, 1, staff=staff, returning=returning)
        await asyncio.sleep(0.3)
    finally:
        await nc.close()
    return seen


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--rate", type=int, default=200)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--io", type=int, default=0, help="only the I/O of N submissions")
    a = p.parse_args()
    table = Table(title="intake benchmark (sync_interval: always)")
    for col in ("measure", "intake over HTTP", "raw nats-py publish (baseline)"):
        table.add_column(col)
    rows = io(a.io) if a.io else run(a.count, a.concurrency, a.rate, a.seconds)
    for row in rows:
        table.add_row(row.what, row.ours, row.baseline)
    console.print(table)


if __name__ == "__main__":
    main()
