"""`klachten projections` (rebuild, compare, history) and `klachten export`: reporting's read
models. The commands live beside the read models they work on (services/reporting/cli.py); this
module mounts them."""

from __future__ import annotations

from services.reporting.cli import (
    app,
    audit_history_command,
    export_command,
    yearly_report_command,
)

__all__ = ["app", "audit_history_command", "export_command", "yearly_report_command"]
