"""`klachten sla simulate`: what-if simulation of a deadline policy. The command lives beside
the SLA monitor's rules it replays (services/sla_monitor/cli.py); this module mounts it."""

from __future__ import annotations

from services.sla_monitor.cli import app

__all__ = ["app"]
