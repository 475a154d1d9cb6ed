"""Benchmark: the pipeline submit → acknowledged at a steady rate, the shipped stack beside the
minimal same-I/O pipeline (bench/baseline.py), in the same run.

    .venv/bin/python -m bench.pipeline [--rate 50] [--seconds 20]

klachten: `klachten up` as shipped (NATS users and passwords, `sync_interval: always`, span
files, signed appends, checkpointer), on free ports in a temporary data folder. Baseline: its own
embedded nats-server (same configuration file, no users) and four processes doing the same I/O.
Complaints are POSTed at a steady rate to one, then to the other; the figure is the time from
sending the POST to the `acknowledged` event in the log (a core NATS subscription sees each
stored message), and the CPU seconds (user + system, /proc/<pid>/stat) each process used per
complaint, counted until every process is quiet again (reporting and sla_monitor finish later).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote
from uuid import uuid4

import httpx
import nats
from rich.console import Console

from bench import baseline
from bench.common import REPO_ROOT, Row, Service, children, cpu_seconds, free_port, ms, wait_http
from klachten.stack.natsserver import EmbeddedNats

console = Console()
TOKEN = "bench-token-0123456789abcdef"
# klachten's process beside the baseline's process that does its I/O
PAIRS = {
    "intake": "web",
    "notifier": "letters",
    "sla_monitor": "timers",
    "reporting": "readmodel",
    "nats-server": "nats-server",
    "checkpointer": "",
    "klachten up": "",
}


def body(n: int) -> dict[str, object]:
    return {
        "channel": "api",
        "complainant": {"name": "Anna Kowalska", "email": f"anna{n}@example.org"},
        "subject": "Nobody answers the phone",
        "description": "Five calls, no answer.",
    }


async def measure(
    nats_url: str, base: str, acks: str, rate: int, seconds: int
) -> tuple[list[float], str]:
    nc = await nats.connect(nats_url)
    acked: dict[str, float] = {}
    position = acks.split(".").index("*")

    async def on_ack(msg: nats.aio.msg.Msg) -> None:
        acked.setdefault(msg.subject.split(".")[position], time.perf_counter())

    await nc.subscribe(acks, cb=on_ack)
    sent: dict[str, float] = {}
    refused: list[int] = []
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:

            async def post(n: int) -> None:
                began = time.perf_counter()
                r = await client.post(
                    "/api/complaints", json=body(n), headers={"Idempotency-Key": str(uuid4())}
                )
                if r.status_code in (429, 503):  # shed (Retry-After): counted, not an error
                    refused.append(r.status_code)
                    return
                r.raise_for_status()
                sent[r.json()["complaint_id"]] = began

            tasks, started = [], time.perf_counter()
            for n in range(rate * seconds):
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
                tasks.append(asyncio.create_task(post(n)))
            await asyncio.gather(*tasks)
            submitted = time.perf_counter() - started
        deadline = time.monotonic() + max(120, rate * seconds / 10)
        while not set(sent) <= set(acked) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    finally:
        await nc.close()
    latencies = [acked[c] - t for c, t in sent.items() if c in acked]
    span = max(acked.values(), default=started) - started
    note = f"submitted at {len(sent) / submitted:,.0f}/s"
    if span > 0:
        note += f", acknowledged at {len(acked) / span:,.0f}/s"
    if len(latencies) < len(sent):
        note += f"; {len(sent) - len(latencies)} not acknowledged within the deadline"
    if refused:
        note += f"; {len(refused)} of {len(sent) + len(refused)} refused (503/429, Retry-After)"
    return latencies, note


def cpu_of(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


def until_quiet(pids: dict[str, int], timeout: float = 180) -> dict[str, float]:
    """CPU seconds per process once the processes together use under 5 % of a core."""
    deadline, last = time.monotonic() + timeout, cpu_of(pids)
    while time.monotonic() < deadline:
        time.sleep(1.0)  # a bench, not a test: sample the CPU clock once a second
        now = cpu_of(pids)
        if sum(now.values()) - sum(last.values()) < 0.05:
            return now
        last = now
    return last


def run_one(
    pids: dict[str, int], nats_url: str, base: str, acks: str, rate: int, seconds: int
) -> tuple[list[float], str, dict[str, float]]:
    before = until_quiet(pids)
    latencies, note = asyncio.run(measure(nats_url, base, acks, rate, seconds))
    after = until_quiet(pids)
    count = max(1, rate * seconds)
    return latencies, note, {n: (after[n] - before[n]) / count for n in pids}


@contextmanager
def klachten_up(tmp: Path) -> Iterator[tuple[dict[str, int], str, str]]:
    """`klachten up` in `tmp`: its processes by name, the admin's NATS URL, intake's URL."""
    names = ("NATS", "NATS_MONITOR", "INTAKE", "SMTP", "REPORTING", "MAILSINK", "NOTIFIER", "SLA")
    ports = {p: free_port() for p in names}
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLACHTEN_")}
    env |= {f"KLACHTEN_{p}_PORT": str(v) for p, v in ports.items()}
    env |= {"KLACHTEN_DATA_DIR": str(tmp / "data"), "KLACHTEN_STAFF_TOKEN": TOKEN}
    env |= {"KLACHTEN_SIGNER_DIR": str(tmp / "signer"), "COLUMNS": "200"}
    out = tmp / "up.out"
    with out.open("wb") as sink:
        up = subprocess.Popen(
            [str(Path(sys.executable).parent / "klachten"), "up"],
            cwd=REPO_ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        while "Ctrl-C stops" not in out.read_text(errors="replace"):
            if up.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"klachten up did not start:\n{out.read_text()[-3000:]}")
            time.sleep(0.2)
        pids = {"klachten up": up.pid}
        for pid, command in children(up.pid).items():
            name = command.split("-m ", 1)[1].split()[0] if "-m " in command else command
            name = "nats-server" if "nats-server" in command else name.split(".")[-1]
            pids[name.replace("__main__", "")] = pid
        users = json.loads((tmp / "data" / "credentials" / "nats.json").read_text())
        admin = users.get("users", users)["admin"]
        nats_url = f"nats://admin:{quote(admin, safe='')}@127.0.0.1:{ports['NATS']}"
        yield pids, nats_url, f"http://127.0.0.1:{ports['INTAKE']}"
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(90)
        except subprocess.TimeoutExpired:
            up.kill()
            up.wait()


@contextmanager
def minimal(tmp: Path) -> Iterator[tuple[dict[str, int], str, str]]:
    """The baseline pipeline in `tmp`: its processes by role, its NATS URL, its web URL."""
    with EmbeddedNats(tmp / "nats") as server:
        asyncio.run(baseline.create_stream(server.url))
        port = free_port()
        env = {
            "BASE_NATS_URL": server.url,
            "BASE_PORT": str(port),
            "BASE_SMTP_PORT": str(free_port()),
            "BASE_DIR": str(tmp),
        }
        roles = ("letters", "timers", "readmodel", "web")
        processes = [Service(r, env, tmp, r, module="bench.baseline") for r in roles]
        try:
            wait_http(f"http://127.0.0.1:{port}/health", processes[-1].process)
            pids = {s.name: s.process.pid for s in processes}
            assert server.pid is not None
            yield {**pids, "nats-server": server.pid}, server.url, f"http://127.0.0.1:{port}"
        finally:
            for process in processes:
                process.stop()


def run(rate: int, seconds: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="klachten-bench-pipeline-") as name:
        tmp = Path(name)
        (tmp / "up").mkdir()
        (tmp / "base").mkdir()
        with klachten_up(tmp / "up") as ours, minimal(tmp / "base") as theirs:
            lat, note, cpu = run_one(*ours, "complaints.*.*.acknowledged", rate, seconds)
            base_lat, base_note, base_cpu = run_one(
                *theirs, "base.ev.*.acknowledged", rate, seconds
            )
            logs = {p.name: p.stat().st_size for p in (tmp / "up" / "data" / "logs").glob("*")}
    what = f"{rate}/s for {seconds} s"
    rows = [
        Row(
            "pipeline",
            f"submit → acknowledged, {what}",
            f"{ms(lat)}; {note}",
            f"{ms(base_lat)}; {base_note}",
        ),
    ]
    for process, role in PAIRS.items():
        theirs_ms = f"{base_cpu[role] * 1000:.1f} ms ({role})" if role else "none"
        ratio = f" (×{cpu[process] / base_cpu[role]:.1f})" if role and base_cpu[role] else ""
        rows.append(
            Row(
                "pipeline",
                f"CPU per complaint, {process}, {what}",
                f"{cpu.get(process, 0) * 1000:.1f} ms{ratio}",
                theirs_ms,
            )
        )
    total, base_total = sum(cpu.values()), sum(base_cpu.values())
    rows.append(
        Row(
            "pipeline",
            f"CPU per complaint, all processes, {what}",
            f"{total * 1000:.1f} ms (×{total / base_total:.2f})",
            f"{base_total * 1000:.1f} ms",
        )
    )
    per = sum(logs.values()) / max(1, rate * seconds) / 1024
    rows.append(Row("pipeline", "service logs written per complaint", f"{per:.1f} KiB", ""))
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rate", type=int, default=50)
    p.add_argument("--seconds", type=int, default=20)
    a = p.parse_args()
    for row in run(a.rate, a.seconds):
        console.print(f"{row.what}: {row.ours} | baseline: {row.baseline}")


if __name__ == "__main__":
    main()
