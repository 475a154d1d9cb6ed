"""Credentials reach nats.connect as options (held for every server of a cluster, also those
learnt by gossip), never inside one server's URL; every seed is passed on."""

from __future__ import annotations

from pathlib import Path

from faststream.nats import NatsUserPassword

from services.intake.settings import IntakeSettings
from shared.config import permissions
from shared.config.settings import Settings, nats_connect_options
from shared.eventstore.link import broker_connect

SEEDS = "nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224"


def test_credentials_of_a_seed_become_options_and_leave_every_url() -> None:
    url = permissions.with_credentials(SEEDS, "intake", "p@ss:wörd")
    options = nats_connect_options(url)
    assert options == {
        "servers": SEEDS.split(","),
        "user": "intake",
        "password": "p@ss:wörd",
        "inbox_prefix": "_INBOX_intake",  # replies only to its own inbox
    }


def test_credentials_in_the_first_seed_only_hold_for_all() -> None:
    first, *others = SEEDS.split(",")
    url = ",".join([first.replace("//", "//admin:secret@"), *others])
    assert nats_connect_options(url)["servers"] == SEEDS.split(",")
    assert nats_connect_options(url)["user"] == "admin"


def test_a_plain_url_has_no_credentials_and_a_token_is_a_token() -> None:
    assert nats_connect_options(SEEDS) == {"servers": SEEDS.split(",")}
    assert nats_connect_options("nats://s3cret@h:4222") == {
        "servers": ["nats://h:4222"],
        "token": "s3cret",
    }


def test_the_password_setting_is_for_the_services_own_user(tmp_path: Path) -> None:
    env = {
        "KLACHTEN_NATS_URL": SEEDS,
        "KLACHTEN_NATS_PASSWORD": "from-env",
        "KLACHTEN_DATA_DIR": str(tmp_path),
    }
    intake = IntakeSettings.from_env(env).nats_connect
    assert (intake["user"], intake["password"]) == ("intake", "from-env")
    assert intake["servers"] == SEEDS.split(",")
    assert Settings.from_env(env).nats_connect["user"] == permissions.ADMIN


def test_a_faststream_broker_gets_the_same_servers_and_credentials() -> None:
    options = broker_connect(permissions.with_credentials(SEEDS, "notifier", "pw"))
    assert options["servers"] == SEEDS.split(",")
    security = options["security"]
    assert isinstance(security, NatsUserPassword)
    assert (security.username, security.password) == ("notifier", "pw")
    assert broker_connect(SEEDS) == {"servers": SEEDS.split(",")}
