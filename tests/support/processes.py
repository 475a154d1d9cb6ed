"""A service as a process of its own, as tests start it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from klachten.stack import launch
from tests.support.checkout import REPO_ROOT


class ServiceProcess:
    """`python -m services.<module>` with a log file per start (`<name>.<n>.log`); SIGKILL or
    SIGTERM. `env` is laid over this process's environment."""

    def __init__(
        self,
        module: str,
        env: dict[str, str],
        log_dir: Path,
        *args: str,
        name: str = "",
        stop_wait: float = 15,
    ) -> None:
        self.module, self.env, self.log_dir, self.args = module, env, log_dir, args
        self.name, self.stop_wait = name or module, stop_wait
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> ServiceProcess:
        self.starts += 1
        with (self.log_dir / f"{self.name}.{self.starts}.log").open("wb") as log:
            argv = launch.command(f"services.{self.module}", *self.args)
            self.process = launch.spawn(argv, env=self.env, output=log, cwd=REPO_ROOT)
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # SIGKILL: no shutdown, no ack, no flush
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(self.stop_wait)
            except subprocess.TimeoutExpired:
                self.kill()
