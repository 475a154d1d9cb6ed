"""Settings and the one policy loader every process uses and reloads alike."""

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
"""The repository's `config/` folder: policy, legal calendar, nats-server and permission files."""
