from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.config.settings import Settings


def test_defaults_are_the_embedded_ports() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.data_dir == Path("./data")
    assert settings.nats_url == "nats://127.0.0.1:4222"
    assert (settings.intake_port, settings.reporting_port, settings.smtp_port) == (8080, 8081, 2525)
    assert (settings.nats_port, settings.nats_monitor_port) == (4222, 8222)


def test_environment_overrides_and_the_url_follows_the_port() -> None:
    settings = Settings.from_env({"KLACHTEN_DATA_DIR": "/srv/k", "KLACHTEN_NATS_PORT": "5222"})
    assert settings.data_dir == Path("/srv/k")
    assert settings.nats_url == "nats://127.0.0.1:5222"

    explicit = Settings.from_env({"KLACHTEN_NATS_PORT": "5222", "KLACHTEN_NATS_URL": "nats://n:1"})
    assert explicit.nats_url == "nats://n:1"


def test_subclasses_get_their_fields_from_the_environment() -> None:
    @dataclass(frozen=True)
    class IntakeSettings(Settings):
        max_body_bytes: int = 65536
        trust_proxy: bool = False

    settings = IntakeSettings.from_env(
        {"KLACHTEN_MAX_BODY_BYTES": "1024", "KLACHTEN_TRUST_PROXY": "yes"}
    )
    assert (settings.max_body_bytes, settings.trust_proxy) == (1024, True)


def test_a_bad_value_names_the_variable() -> None:
    with pytest.raises(ValueError, match="KLACHTEN_INTAKE_PORT"):
        Settings.from_env({"KLACHTEN_INTAKE_PORT": "eighty"})
