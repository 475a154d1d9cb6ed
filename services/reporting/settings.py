"""Settings of the reporting service (env overrides, see shared/config/settings.py).

KLACHTEN_REPORTING_HOST   127.0.0.1
KLACHTEN_REPORTING_PORT   8081
KLACHTEN_REPORTING_DB     SQLite path (default $KLACHTEN_DATA_DIR/reporting.sqlite3)
                          or a postgresql://user:pw@host:port/db?schema=reporting URL
KLACHTEN_STAFF_TOKEN      one bearer token with every staff role
KLACHTEN_STAFF_TOKENS     more tokens: ``name:token:role+role;…`` (roles as in intake)
KLACHTEN_REPORTING_FOLLOW true: run the live projection inside the HTTP process
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shared.config.settings import HOST, Settings


@dataclass(frozen=True)
class ReportingSettings(Settings):
    nats_user: ClassVar[str] = "reporting"

    reporting_host: str = HOST
    reporting_db: str = ""
    staff_token: str = ""
    staff_tokens: str = ""
    reporting_follow: bool = True

    @property
    def db(self) -> str:
        """The view's store: an explicit setting, else SQLite in the data directory."""
        if self.reporting_db:
            return self.reporting_db
        return str((self.data_dir / "reporting.sqlite3").resolve())

    @property
    def backend(self) -> str:
        return "postgres" if self.db.startswith(("postgres://", "postgresql://")) else "sqlite"
