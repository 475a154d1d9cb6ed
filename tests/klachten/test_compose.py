"""compose.yaml: valid against the Compose specification, and the topology the issue asks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
CHECK = str(Path(sys.executable).parent / "check-jsonschema")
SERVICES = ("intake", "notifier", "sla_monitor", "reporting", "webhooks")


def _compose() -> dict:
    return YAML(typ="safe").load((ROOT / "compose.yaml").read_text())


def test_compose_file_is_valid_against_the_compose_spec() -> None:
    result = subprocess.run(
        [CHECK, "--builtin-schema", "vendor.compose-spec", str(ROOT / "compose.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_three_routed_nats_nodes_of_the_official_image_with_fsync_always() -> None:
    services = _compose()["services"]
    nodes = [services[f"nats-{i}"] for i in (1, 2, 3)]
    for node in nodes:
        major, minor = map(int, re.match(r"nats:(\d+)\.(\d+)", node["image"]).groups())
        assert (major, minor) >= (2, 12)
        assert "nats-1:6222" in node["environment"]["KLACHTEN_NATS_ROUTES"]
    assert len({n["environment"]["KLACHTEN_NATS_SERVER_NAME"] for n in nodes}) == 3
    config = (ROOT / "config" / "cluster" / "nats-node.conf").read_text()
    assert re.search(r"^\s*sync_interval:\s*always", config, re.M)
    assert "routes: $KLACHTEN_NATS_ROUTES" in config
    assert services["streams"]["command"][-2:] == ["--replicas", "3"]


def test_each_service_runs_twice_from_the_one_image_and_reporting_uses_postgres() -> None:
    services = _compose()["services"]
    images = {services[name]["image"] for name in SERVICES}
    assert images == {"klachten:latest"} and (ROOT / "Dockerfile").is_file()
    for name in SERVICES:
        assert services[name]["deploy"]["replicas"] == 2, name
    assert services["reporting"]["environment"]["KLACHTEN_REPORTING_DB"].startswith("postgresql")
    assert services["postgres"]["image"].startswith("postgres")


def test_every_variable_compose_sets_is_read_by_someone() -> None:
    """No engine runs compose here, so catch what a typo would break: each service's KLACHTEN_*
    variable is a documented setting, and each node sets every variable its config reads."""
    from klachten.commands.schema import settings_reference_markdown

    known = set(re.findall(r"`(KLACHTEN_[A-Z_]+)`", settings_reference_markdown()))
    services = _compose()["services"]
    for name in (*SERVICES, "streams"):
        for variable in services[name].get("environment", {}):
            if variable.startswith("KLACHTEN_"):
                assert variable in known, f"{name}: {variable} is not a setting"
    config = "".join(
        line.split("#")[0] + "\n"
        for path in ("cluster/nats-node.conf", "nats-permissions.conf")
        for line in (ROOT / "config" / path).read_text().splitlines()
    )
    wanted = set(re.findall(r"\$(KLACHTEN_[A-Z_]+)", config))
    for node in ("nats-1", "nats-2", "nats-3"):
        assert wanted <= set(services[node]["environment"]), node


def test_the_image_lets_its_user_write_the_data_folders() -> None:
    """Named volumes take the ownership of the image's folder: /data must be the user's."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"mkdir -p /data/mail[^\n]*&& chown -R klachten[^\n]*/data", dockerfile)
    volumes = _compose()["services"]["mailsink"]["volumes"]
    assert any(v.endswith(":/data/mail") for v in volumes)


def test_every_client_gets_every_seed_and_its_password_apart_from_the_urls() -> None:
    """A client seeded with one node alone (credentials in its URL) could not fail over when
    that node was down: every client lists all three nodes; the password is its own setting."""
    services = _compose()["services"]
    seeds = {f"nats-{i}:4222" for i in (1, 2, 3)}
    for name in (*SERVICES, "streams"):
        env = services[name]["environment"]
        url = env["KLACHTEN_NATS_URL"]
        assert {u.split("//")[-1] for u in url.split(",")} == seeds, name
        assert "@" not in url, f"{name}: credentials in the URL"
        user = "ADMIN" if name == "streams" else name.upper()
        assert env["KLACHTEN_NATS_PASSWORD"] == f"${{KLACHTEN_NATS_PASSWORD_{user}}}", name


def test_every_service_runs_in_compose_with_its_own_command() -> None:
    """A new service (a folder of services/ with a __main__.py) is a compose service too."""
    services = _compose()["services"]
    found = {path.parent.name for path in (ROOT / "services").glob("*/__main__.py")}
    assert found == set(SERVICES)
    for name in SERVICES:
        assert services[name]["command"] == ["python", "-m", f"services.{name}"], name


def test_the_webhooks_service_reads_the_subscriptions_it_is_given() -> None:
    """Its subscriptions file is in a volume it mounts (the checkout's config/), so an operator
    edits ./config/webhooks.toml and restarts; the file there is one the service accepts."""
    from services.webhooks.app import load_subscriptions

    webhooks = _compose()["services"]["webhooks"]
    target = Path(webhooks["environment"]["KLACHTEN_WEBHOOKS_FILE"])
    mounts = dict(reversed(v.split(":")[:2]) for v in webhooks["volumes"])
    [(inside, outside)] = [(Path(i), o) for i, o in mounts.items() if target.is_relative_to(i)]
    on_host = ROOT / outside / target.relative_to(inside)
    assert on_host == ROOT / "config" / "webhooks.toml" and on_host.is_file()
    assert load_subscriptions(on_host, {}) == ()  # the shipped examples are disabled
