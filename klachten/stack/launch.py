"""The one way a klachten process is started: `python -m <module>` with this interpreter, its
environment laid over ours, its output (stdout and stderr) to one file.

The supervisor of `klachten up`, the tests' process helpers and the benchmarks all start a
service with `spawn(command(name), …)`, so a service runs the same way everywhere; inside,
each `services/<name>/__main__.py` builds its object graph with the service's `bootstrap`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from klachten.stack.ownership import die_with_parent


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
