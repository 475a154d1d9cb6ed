"""The metadata every command of the aggregate takes: who asked, and which message caused it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Cause:
    """Who asked, and which message caused it (correlation/causation for the audit trail)."""

    actor: str
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    # A deterministic id (e.g. derived from a breach) lets JetStream's dedupe catch doubles.
    event_id: UUID | None = None
