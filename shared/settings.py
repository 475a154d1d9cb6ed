"""Settings shared by every klachten process: localhost defaults, overridden by environment.

Each field `foo_bar` is read from `KLACHTEN_FOO_BAR`. Services subclass `Settings` with
their own fields (with defaults) and get the same `from_env()`.

    KLACHTEN_DATA_DIR            ./data     streams, SQLite, credentials, mail
    KLACHTEN_NATS_URL            nats://127.0.0.1:<KLACHTEN_NATS_PORT>
    KLACHTEN_NATS_PORT           4222       client port of the embedded nats-server
    KLACHTEN_NATS_MONITOR_PORT   8222       its monitoring (HTTP) port
    KLACHTEN_INTAKE_PORT         8080
    KLACHTEN_REPORTING_PORT      8081
    KLACHTEN_SMTP_PORT           2525       inbound SMTP of intake
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

ENV_PREFIX = "KLACHTEN_"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./data")
    nats_url: str = f"nats://{HOST}:4222"
    nats_port: int = 4222
    nats_monitor_port: int = 8222
    intake_port: int = 8080
    reporting_port: int = 8081
    smtp_port: int = 2525
    nats_cluster_port: int = 6222

    @property
    def nats_servers(self) -> list[str]:
        """`KLACHTEN_NATS_URL` may list several servers, comma-separated (a cluster's seeds)."""
        return nats_servers(self.nats_url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        env = os.environ if env is None else env
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = env.get(env_name(field.name))
            if raw is not None:
                values[field.name] = _parse(raw, hints[field.name], env_name(field.name))
        if env_name("nats_url") not in env and "nats_port" in values:
            values["nats_url"] = f"nats://{HOST}:{values['nats_port']}"
        return cls(**values)


def nats_servers(url: str) -> list[str]:
    return [u.strip() for u in url.split(",") if u.strip()]


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def _parse(raw: str, kind: Any, name: str) -> Any:
    try:
        if kind is bool:
            return _parse_bool(raw)
        if kind in (int, float, Path, str):
            return kind(raw)
    except ValueError as error:
        raise ValueError(f"{name}={raw!r}: {error}") from None
    raise TypeError(f"{name}: no parser for {kind!r}; override from_env")


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected true/false")
