"""The NATS nodes of one stack: a single embedded server, or (`klachten up --cluster`) three
nodes of a local cluster (config/cluster/nats-node.conf) with R3 streams. Their ports come from
the settings (KLACHTEN_NATS_PORT, KLACHTEN_NATS_MONITOR_PORT, KLACHTEN_NATS_CLUSTER_PORT; node i
adds i to each)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from klachten.stack.natsserver import EmbeddedNats
from shared.config import CONFIG_DIR
from shared.config.settings import Settings

CLUSTER_CONFIG = CONFIG_DIR / "cluster" / "nats-node.conf"
NODES = 3


def nats_nodes(
    settings: Settings, data_dir: Path, cluster: bool, credentials: dict[str, str]
) -> list[EmbeddedNats]:
    """The servers `klachten up` starts (not yet started), each dying with it."""
    if not cluster:
        node = EmbeddedNats(
            data_dir / "nats",
            settings.nats_port,
            settings.nats_monitor_port,
            credentials=credentials,
            die_with_parent=True,
        )
        return [node]
    base = settings.nats_cluster_port
    routes = [f"nats://127.0.0.1:{base + i}" for i in range(NODES)]
    return [
        ClusterNats(
            data_dir / "cluster" / f"nats-{i + 1}",
            server_name=f"nats-{i + 1}",
            cluster_port=base + i,
            routes=routes,
            port=settings.nats_port + i,
            monitor_port=settings.nats_monitor_port + i,
            credentials=credentials,
            die_with_parent=True,
        )
        for i in range(NODES)
    ]


class ClusterNats(EmbeddedNats):
    """One node of a local nats-server cluster (config/cluster/nats-node.conf)."""

    def __init__(
        self,
        data_dir: Path | str,
        *,
        server_name: str,
        cluster_port: int,
        routes: Sequence[str],
        port: int | None = None,
        monitor_port: int | None = None,
        credentials: dict[str, str] | None = None,
        die_with_parent: bool = False,
    ) -> None:
        super().__init__(
            data_dir,
            port,
            monitor_port,
            server_name=server_name,
            config_file=CLUSTER_CONFIG,
            credentials=credentials,
            die_with_parent=die_with_parent,
        )
        self.name = server_name
        self.cluster_port = cluster_port
        self.routes = list(routes)

    def _environment(self) -> dict[str, str]:
        return {
            **super()._environment(),
            "KLACHTEN_NATS_HOST": json.dumps("127.0.0.1"),
            "KLACHTEN_NATS_CLUSTER_PORT": str(self.cluster_port),
            "KLACHTEN_NATS_ROUTES": json.dumps(self.routes),
        }

    def _healthy(self) -> bool:
        # A lone node of a fresh cluster has no JetStream meta leader yet: "listening" is
        # ready enough; stream placement waits for the quorum on its own.
        return True
