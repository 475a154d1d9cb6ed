"""Settings of the reporting service (env overrides, see shared/config/settings.py).

KLACHTEN_REPORTING_HOST   127.0.0.1
KLACHTEN_REPORTING_PORT   8081
KLACHTEN_REPORTING_DB     SQLite path (default $KLACHTEN_DATA_DIR/reporting.sqlite3)
                          or a postgresql://user:pw@host:port/db?schema=reporting URL
KLACHTEN_STAFF_TOKEN      one bearer token with every staff role
KLACHTEN_STAFF_TOKENS     more tokens: ``name:token:role+role;…`` (roles as in intake)
KLACHTEN_REPORTING_FOLLOW true: run the live projection inside the HTTP process
KLACHTEN_REPORTING_ORIGIN (none)  origin browsers reach the workspace at behind a proxy (CSRF)
KLACHTEN_SESSION_IDLE_MINUTES 30  a workspace session ends after this long without a request
KLACHTEN_SESSION_HOURS    10      and at the latest this long after signing in
KLACHTEN_SIGNIN_ATTEMPTS  5       failed sign-ins per client per window (then 429)
KLACHTEN_SIGNIN_WINDOW    900     seconds; all clients together: 20 times as many
KLACHTEN_OIDC_ISSUER      (none)  OpenID provider: set it (and the client) to sign in with it
KLACHTEN_OIDC_CLIENT_ID   (none)  this workspace's client at the provider
KLACHTEN_OIDC_CLIENT_SECRET (none)
KLACHTEN_OIDC_AUDIENCE    (none)  the audience of access tokens for intake (as intake's)
KLACHTEN_OIDC_SCOPES      openid profile  asked for at sign-in (add what gives intake's audience)
KLACHTEN_OIDC_NAME_CLAIM  preferred_username  the staff id (actors say staff:<it>)
KLACHTEN_OIDC_ROLES_CLAIM klachten_roles  the roles (a list, or a space-separated string)
KLACHTEN_WORKSPACE_BULK_LIMIT     100  complaints in one bulk action (workspace_bulk.py)
KLACHTEN_WORKSPACE_DEADLINE_DAYS  5    a notice when a deadline is this many days away or less
KLACHTEN_REPORTING_SNAPSHOTS_KEPT 10   as-of snapshots kept whole (newest); older: 1 a week; 0: all
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from services.reporting.snapshots import KEPT
from shared.config.settings import HOST, Settings


@dataclass(frozen=True)
class ReportingSettings(Settings):
    nats_user: ClassVar[str] = "reporting"

    reporting_host: str = HOST
    reporting_db: str = ""
    staff_token: str = ""
    staff_tokens: str = ""
    reporting_follow: bool = True
    reporting_origin: str = ""
    session_idle_minutes: float = 30.0
    session_hours: float = 10.0
    signin_attempts: int = 5
    signin_window: int = 900
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_audience: str = ""
    oidc_scopes: str = "openid profile"
    oidc_name_claim: str = "preferred_username"
    oidc_roles_claim: str = "klachten_roles"
    workspace_bulk_limit: int = 100
    workspace_deadline_days: int = 5
    reporting_snapshots_kept: int = KEPT  # as-of snapshots kept whole (snapshots.prune)

    @property
    def db(self) -> str:
        """The view's store: an explicit setting, else SQLite in the data directory."""
        if self.reporting_db:
            return self.reporting_db
        return str((self.data_dir / "reporting.sqlite3").resolve())

    @property
    def backend(self) -> str:
        return "postgres" if self.db.startswith(("postgres://", "postgresql://")) else "sqlite"
