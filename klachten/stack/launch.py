"""The one way a klachten process is started: `python -m <module>` with this interpreter, its
environment laid over ours, its output (stdout and stderr) to one file.

The supervisor of `klachten up`, the tests' process helpers and the benchmarks all start a
service with `spawn(command(name), …)`, so a service runs the same way everywhere; inside,
each `services/<name>/__main__.py` builds its object graph with the service's `bootstrap`.

Files are private (issue 20): `keep_private` gives `klachten up` (and so every process it
starts: NATS, its block files, the services, their SQLite files, logs, traces, letters) the
umask 077 and its data folder the mode 0700; each service sets the same umask itself when it
is started otherwise (shared/runtime/process.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from klachten.stack.ownership import die_with_parent

PRIVATE_UMASK = 0o077


def keep_private(data_dir: Path) -> None:
    """New files of this process and its children 0600 (folders 0700); the data folder 0700,
    made so, or narrowed when an earlier run left it readable to others."""
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    data_dir.chmod(0o700)


def command(module: str, *args: str) -> list[str]:
    """The command line of a klachten process: a service by name (`intake`, `notifier`,
    `reporting`, `sla_monitor`) or any module by its dotted path."""
    name = module if "." in module else f"services.{module}"
    return [sys.executable, "-m", name, *args]


def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    output: IO[bytes] | int | None = None,
    cwd: Path | str | None = None,
    supervised: bool = False,
) -> subprocess.Popen[bytes]:
    """Start `argv` (usually `command(...)`): `env` over this process's environment, stdout and
    stderr both to `output` (a file, `subprocess.PIPE`/`DEVNULL`, or None: ours), no stdin.

    `supervised`: the child gets its own session (a terminal's Ctrl-C reaches only the
    supervisor, which then stops everything in order) and dies with its starter
    (PR_SET_PDEATHSIG), even a SIGKILLed one."""
    return subprocess.Popen(
        list(argv),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT if output is not None else None,
        start_new_session=supervised,
        preexec_fn=die_with_parent() if supervised else None,
    )
