"""What every benchmark of `python -m bench` shares: the row of the table, percentiles, the
machine description, service processes, and a throw-away PostgreSQL server."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from klachten.stack import launch
from klachten.stack.natsserver import CONFIG_FILE

REPO_ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass(frozen=True)
class Row:
    group: str
    what: str
    ours: str
    baseline: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ms(samples: list[float]) -> str:
    """p50 · p99 in milliseconds (samples in seconds)."""
    if len(samples) < 2:
        return "n/a"
    q = statistics.quantiles(samples, n=100)
    return f"p50 {q[49] * 1000:.1f} ms · p99 {q[98] * 1000:.1f} ms"


def per_second(count: int, seconds: float, unit: str = "/s") -> str:
    return f"{count / seconds:,.0f}{unit}" if seconds > 0 else "n/a"


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return (
        f"{model}, {os.cpu_count()} cores (nproc), {mem_kib / 1024 / 1024:.1f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def fast_sync_config(directory: Path) -> Path:
    """The embedded server's configuration without `sync_interval: always`: only for filling
    a log quickly before measuring reads (reads do not depend on the sync setting)."""
    text = CONFIG_FILE.read_text().replace("sync_interval: always", "")
    path = directory / "nats-fast-fill.conf"
    path.write_text(text)
    return path


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc/<pid>/stat; 0 when gone.
    Stable under noise, unlike wall-clock rates on a shared machine."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> dict[int, str]:
    """Direct children of a process: pid -> command line."""
    found: dict[int, str] = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = (task / "children").read_text().split()
        except OSError:
            continue
        for kid in map(int, kids):
            try:
                found[kid] = Path(f"/proc/{kid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
    return found


class Service:
    """`python -m services.<name>` (or `module`) with an environment, output to a log file."""

    def __init__(
        self, name: str, env: dict[str, str], log_dir: Path, *args: str, module: str = ""
    ) -> None:
        self.name = name
        log = (log_dir / f"{name}.log").open("wb")
        self.process = launch.spawn(
            launch.command(module or name, *args), env=env, output=log, cwd=REPO_ROOT
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


class PostgresUnavailable(Exception):
    """No PostgreSQL 15 server binaries, or root without a user to run them as."""


def _as_user() -> list[str]:
    """initdb refuses to run as root: run the server as `postgres` (or `nobody`) then."""
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "nobody"):
        if (
            shutil.which("runuser")
            and subprocess.run(["id", user], capture_output=True).returncode == 0
        ):
            return ["runuser", "-u", user, "--"]
    raise PostgresUnavailable("running as root without a postgres/nobody user to run PostgreSQL as")


@contextmanager
def throwaway_postgres(port: int, password: str, *, fsync: bool) -> Iterator[str]:
    """A PostgreSQL 15 server (Debian's binaries) in a temporary directory: its URL, then the
    server stopped and the directory gone. Shared by the benchmarks and the tests."""
    if not (PG_BIN / "initdb").exists():
        raise PostgresUnavailable(f"PostgreSQL server binaries not found in {PG_BIN}")
    prefix = _as_user()
    base = Path(tempfile.mkdtemp(prefix="klachten-pg-"))
    base.chmod(0o777)
    (base / "pw").write_text(password)
    (base / "pw").chmod(0o644)
    data = base / "data"
    subprocess.run(
        [
            *prefix,
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--pwfile",
            str(base / "pw"),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1"
    if not fsync:
        options += " -c fsync=off"
    started = subprocess.run(
        [
            *prefix,
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "log"),
            "-w",
            "start",
        ],
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{log}")
    try:
        yield f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def postgres(port: int) -> Iterator[str | None]:
    """A throw-away PostgreSQL 15 (fsync on: a fair comparison), or None when not installed.
    KLACHTEN_BENCH_POSTGRES_URL uses an existing server instead."""
    if url := os.environ.get("KLACHTEN_BENCH_POSTGRES_URL"):
        yield url
        return
    with ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_postgres(port, "bench", fsync=True))
        except PostgresUnavailable:
            url = None
        yield url
