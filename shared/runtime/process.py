"""The start of every service process (``python -m services.<name>``), the one way for all four.

`run_process` parses the command line (``--log-level`` and the service's own options), reads
the process's settings from the environment (the settings class is the one reader: nothing
below a service's ``bootstrap`` reads the environment), sets up logs, traces and the policy
file from them, and runs what the service's ``serve(settings, args)`` returns: a coroutine (run
until it ends, on the loop uvicorn picks), an exit code (a start that must not go on), or None
(the service ran itself, e.g. ``uvicorn.run``).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from shared.config.policy import use_policy_file
from shared.config.settings import Settings
from shared.runtime import tracing
from shared.runtime.observability import configure_logging, run_service

S = TypeVar("S", bound=Settings)
Running = Coroutine[Any, Any, object] | int | None


def start(name: str, settings: Settings, log_level: str = "INFO") -> None:
    """What every service does with its settings before it builds its object graph."""
    os.umask(0o077)  # its logs, traces, read models and letters: for its own user only
    configure_logging(log_level, settings.log_format)
    tracing.configure(name, settings.traces_dir, otlp_endpoint=settings.otlp_endpoint)
    use_policy_file(settings.policy_path)  # the policy in force: every reader, every reload


def run_process(
    name: str,
    settings_cls: type[S],
    serve: Callable[[S, argparse.Namespace], Running],
    argv: Sequence[str] | None = None,
    *,
    options: Callable[[argparse.ArgumentParser], None] | None = None,
) -> int:
    """Start service `name` (its settings class, its `serve`) and return its exit code."""
    parser = argparse.ArgumentParser(prog=f"python -m services.{name}")
    parser.add_argument("--log-level", default="INFO")
    if options is not None:
        options(parser)
    args = parser.parse_args(argv)
    settings = settings_cls.from_env()
    start(name, settings, args.log_level)
    running = serve(settings, args)
    if isinstance(running, int):
        return running
    if running is not None:
        run_service(running)
    return 0
