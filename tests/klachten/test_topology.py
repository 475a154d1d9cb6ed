"""The stack's topology comes from the settings objects (the KLACHTEN_* variables are read
there only) and hands each service its settings through its environment."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from klachten.stack import topology as topology_module
from klachten.stack.cluster import ClusterNats, nats_nodes
from klachten.stack.probes import free_port_unless_taken
from klachten.stack.topology import Topology, service_processes
from shared.config.settings import Settings


def _topology(tmp_path: Path, env: dict[str, str]) -> Topology:
    return Topology.from_settings(tmp_path, ["nats://127.0.0.1:4999"], "t", 1, env=env)


def _env_of(topology: Topology, name: str) -> dict[str, str]:
    process = next(s.process for s in service_processes(topology) if s.process.name == name)
    return process.env or {}


def test_ports_come_from_the_settings_and_reach_each_service(tmp_path: Path) -> None:
    env = {
        "KLACHTEN_INTAKE_PORT": "18080",
        "KLACHTEN_SMTP_PORT": "12525",
        "KLACHTEN_REPORTING_PORT": "18081",
        "KLACHTEN_NOTIFIER_PORT": "18082",
        "KLACHTEN_SLA_PORT": "18083",
        "KLACHTEN_MAILSINK_PORT": "11025",
        "KLACHTEN_TRACES_DIR": str(tmp_path / "spans"),
    }
    topology = _topology(tmp_path, env)
    assert (topology.intake_port, topology.smtp_port, topology.reporting_port) == (
        18080,
        12525,
        18081,
    )
    assert (topology.notifier_port, topology.sla_port) == (18082, 18083)
    assert topology.traces_dir == tmp_path / "spans" and topology.maildir == tmp_path / "mail"
    assert _env_of(topology, "intake")["KLACHTEN_INTAKE_PORT"] == "18080"
    assert _env_of(topology, "intake")["KLACHTEN_SMTP_PORT"] == "12525"
    assert _env_of(topology, "sla_monitor")["KLACHTEN_SLA_PORT"] == "18083"
    notifier = _env_of(topology, "notifier")
    # No relay configured: letters go to the stack's own mail sink, wherever it listens.
    assert notifier["KLACHTEN_SMTP_RELAY_PORT"] == "11025"
    assert notifier["KLACHTEN_STATUS_URL_TEMPLATE"].startswith("http://127.0.0.1:18080/status/")


def test_a_configured_relay_and_status_link_are_kept(tmp_path: Path) -> None:
    env = {
        "KLACHTEN_SMTP_RELAY_PORT": "2587",
        "KLACHTEN_STATUS_URL_TEMPLATE": "https://example.nl/{complaint_id}/{token}",
    }
    notifier = _env_of(_topology(tmp_path, env), "notifier")
    assert notifier["KLACHTEN_SMTP_RELAY_PORT"] == "2587"
    assert notifier["KLACHTEN_STATUS_URL_TEMPLATE"] == "https://example.nl/{complaint_id}/{token}"


def test_a_health_port_in_use_moves_to_a_free_one_unless_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert free_port_unless_taken(port, "KLACHTEN_NOTIFIER_PORT") != port
        # As if `port` were the default: it moves; chosen on purpose, it stays (the start then
        # fails loudly instead of moving).
        monkeypatch.setattr(topology_module, "free_port_unless_taken", lambda p, _: p + 1)
        monkeypatch.setattr(topology_module, "_given", lambda s, name: name != "notifier_port")
        assert _topology(tmp_path, {"KLACHTEN_NOTIFIER_PORT": str(port)}).notifier_port == port + 1
        monkeypatch.undo()
        assert _topology(tmp_path, {"KLACHTEN_NOTIFIER_PORT": str(port)}).notifier_port == port


def test_cluster_nodes_take_their_ports_from_the_settings(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "KLACHTEN_NATS_PORT": "14222",
            "KLACHTEN_NATS_MONITOR_PORT": "18222",
            "KLACHTEN_NATS_CLUSTER_PORT": "16222",
        }
    )
    nodes = nats_nodes(settings, tmp_path, True, {})
    assert all(isinstance(node, ClusterNats) for node in nodes)
    assert [
        (n.port, n.monitor_port, n.cluster_port) for n in nodes if isinstance(n, ClusterNats)
    ] == [(14222 + i, 18222 + i, 16222 + i) for i in range(3)]
