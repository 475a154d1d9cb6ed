"""compose.yaml: valid against the Compose specification, and the topology the issue asks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
CHECK = str(Path(sys.executable).parent / "check-jsonschema")
SERVICES = ("intake", "notifier", "sla_monitor", "reporting")


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
