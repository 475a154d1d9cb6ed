"""A service process starts one way (shared/runtime/process.py), and what it reads of the
environment it reads through its settings, which hand the values down."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from shared.config import policy
from shared.config.settings import DEFAULT_POLICY_FILE, Settings
from shared.integrity import keyring
from shared.privacy import shredding, statuslink
from shared.runtime import process


@pytest.fixture
def policy_named_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process-wide policy file `start` names, put back after the test."""
    monkeypatch.setattr(policy, "_IN_USE", [])


@pytest.mark.usefixtures("policy_named_at_start")
def test_the_start_hands_the_settings_policy_file_to_every_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = tmp_path / "policy.toml"
    monkeypatch.setenv("KLACHTEN_POLICY_FILE", str(named))
    monkeypatch.setenv("KLACHTEN_LOG_FORMAT", "json")
    logs: list[tuple[str, str]] = []  # the root logger stays as the test run set it
    monkeypatch.setattr(process, "configure_logging", lambda *how: logs.append(how))
    seen: list[Settings] = []

    def serve(settings: Settings, args: argparse.Namespace) -> int:
        seen.append(settings)
        return 3

    assert process.run_process("intake", Settings, serve, ["--log-level", "WARNING"]) == 3
    assert seen[0].policy_path == named
    assert logs == [("WARNING", "json")]
    monkeypatch.delenv("KLACHTEN_POLICY_FILE")  # read once, at the start: not again
    assert policy.policy_file() == named


@pytest.mark.usefixtures("policy_named_at_start")
def test_without_a_start_the_shared_settings_name_the_policy_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KLACHTEN_POLICY_FILE", raising=False)
    assert policy.policy_file() == DEFAULT_POLICY_FILE
    monkeypatch.setenv("KLACHTEN_POLICY_FILE", str(tmp_path / "p.toml"))
    assert policy.policy_file() == tmp_path / "p.toml"


def test_standard_variables_are_settings_too() -> None:
    otlp = Settings.from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert otlp.otlp_endpoint == "http://collector:4318"
    both = Settings.from_env(
        {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://t:4318", "OTEL_EXPORTER_OTLP_ENDPOINT": "x"}
    )
    assert both.otlp_endpoint == "http://t:4318"
    empty = {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://e"}
    assert Settings.from_env(empty).otlp_endpoint == "http://e"  # empty counts as unset
    assert Settings.from_env({"XDG_CONFIG_HOME": "/cfg"}).config_folder == Path("/cfg")


def test_the_signer_folder_follows_the_settings(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = keyring.signer_dir(data, {"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    assert config.parent == tmp_path / "cfg" / "klachten" / "signer"
    chosen = Settings(signer_dir=str(tmp_path / "signer"))
    assert keyring.signer_dir(data, settings=chosen) == tmp_path / "signer"


def test_secrets_come_from_the_settings_else_from_the_data_folder(tmp_path: Path) -> None:
    assert statuslink.link_secret(tmp_path, "configured ") == b"configured"
    made = statuslink.link_secret(tmp_path, "")
    assert made == (tmp_path / statuslink.SECRET_FILE).read_text().strip().encode()
    given = Settings(data_dir=tmp_path, pseudonym_secret="pseudo")
    assert shredding.pseudonym_secret(settings=given) == b"pseudo"
    env = {"KLACHTEN_DATA_DIR": str(tmp_path), "KLACHTEN_PSEUDONYM_SECRET": "from-env"}
    assert shredding.pseudonym_secret(env) == b"from-env"


def test_settings_do_not_show_their_secrets() -> None:
    shown = repr(Settings(status_link_secret="s1", pseudonym_secret="s2", nats_password="s3"))
    assert not {"s1", "s2", "s3"} & set(shown.replace("'", " ").split())
