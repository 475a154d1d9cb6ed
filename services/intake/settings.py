"""Settings of the intake service (env ``KLACHTEN_<FIELD>``), on top of the shared ones.

KLACHTEN_INTAKE_HOST              127.0.0.1
KLACHTEN_INTAKE_PORT              8080      HTTP (web form, complaint API, staff API)
KLACHTEN_SMTP_HOST                127.0.0.1
KLACHTEN_SMTP_PORT                2525      inbound SMTP
KLACHTEN_STAFF_TOKEN              one bearer token with every staff role
KLACHTEN_STAFF_TOKENS             more tokens: ``name:token:role+role;name2:token2:role``
KLACHTEN_INTAKE_MAX_BODY_BYTES    65536     larger HTTP bodies get 413
KLACHTEN_INTAKE_RATE_LIMIT        30        public requests per client per window
KLACHTEN_INTAKE_RATE_WINDOW       60        seconds (at most a day); shared by every intake process
KLACHTEN_INTAKE_LETTERS_PER_ADDRESS 5       public submissions per recipient address per day
KLACHTEN_TRUSTED_PROXIES          (none)    proxies (IPs, CIDRs) whose X-Forwarded-For counts
KLACHTEN_SMTP_TLS_CERT            (none)    PEM certificate (chain): inbound SMTP offers STARTTLS
KLACHTEN_SMTP_TLS_KEY             (none)    its PEM private key
KLACHTEN_MAIL_MAX_BYTES           26214400  larger messages get SMTP 552
KLACHTEN_ATTACHMENT_MAX_BYTES     10485760  per attachment
KLACHTEN_ATTACHMENT_TYPES         allowed content types, comma separated
KLACHTEN_MAIL_DOMAIN              klachten.local  (the Message-IDs of our letters end in it)
KLACHTEN_REPLY_MAILBOX            klachten  local part of the per-complaint reply address
KLACHTEN_TRUSTED_AUTHSERV_IDS     (none)    comma list: MTAs whose Authentication-Results count
KLACHTEN_INTAKE_STARTUP_TIMEOUT   60        s to keep retrying NATS at start-up (a cluster forming)
KLACHTEN_ORGANISATION_NAME        Klachtenservice  named in the privacy statement (as in letters)
KLACHTEN_RETENTION                default=2y  as `klachten privacy retention` applies it
KLACHTEN_PRIVACY_CONTACT          privacy@<KLACHTEN_MAIL_DOMAIN>  where to ask for access, erasure
KLACHTEN_OIDC_ISSUER              (none)    OpenID provider whose access tokens the staff API takes
KLACHTEN_OIDC_AUDIENCE            (none)    their audience (intake's; needed with the issuer)
KLACHTEN_OIDC_NAME_CLAIM          preferred_username  the staff id (actors say staff:<it>)
KLACHTEN_OIDC_ROLES_CLAIM         klachten_roles  the roles (a list or a space-separated string)
KLACHTEN_SEARCH_INDEX             <data>/intake/search.sqlite3  staff search index (0600); off: none
KLACHTEN_SEARCH_POLL              5         s between catch-ups when no log message woke it
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shared.config.settings import HOST, Settings
from shared.privacy.shredding import RetentionPolicy

DEFAULT_ATTACHMENT_TYPES = ",".join(
    (
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/gif",
        "text/plain",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
    )
)


@dataclass(frozen=True)
class IntakeSettings(Settings):
    nats_user: ClassVar[str] = "intake"

    intake_host: str = HOST
    smtp_host: str = HOST
    staff_token: str = ""
    staff_tokens: str = ""
    intake_max_body_bytes: int = 64 * 1024
    intake_rate_limit: int = 30
    intake_rate_window: float = 60.0
    # Acknowledgements to one address not verified by us (the public form is not a relay).
    intake_letters_per_address: int = 5
    # Reverse proxies whose X-Forwarded-For is believed; anyone else's is ignored.
    trusted_proxies: str = ""
    smtp_tls_cert: str = ""
    smtp_tls_key: str = ""
    # Days a status link stays valid after it was issued (shared/privacy/statuslink.py).
    status_link_days: int = 90
    mail_max_bytes: int = 25 * 1024 * 1024
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachment_types: str = DEFAULT_ATTACHMENT_TYPES
    mail_domain: str = "klachten.local"
    reply_mailbox: str = "klachten"
    # authserv-ids (RFC 8601) of our own MTAs: their DMARC pass verifies a reply's sender
    trusted_authserv_ids: str = ""
    intake_startup_timeout: float = 60.0
    # the privacy statement (/privacy): the same settings as the letters and the retention CLI
    organisation_name: str = "Klachtenservice"
    retention: str = "default=2y"
    privacy_contact: str = ""
    # staff signed in with OpenID Connect (shared/runtime/oidc.py, docs/security.md)
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_name_claim: str = "preferred_username"
    oidc_roles_claim: str = "klachten_roles"
    # the staff search index (services/intake/search.py): personal data, inside intake only
    search_index: str = ""
    search_poll: float = 5.0

    def __post_init__(self) -> None:
        RetentionPolicy.parse(self.retention)  # a wrong setting stops the start, with its words

    @property
    def privacy_address(self) -> str:
        return self.privacy_contact or f"privacy@{self.mail_domain}"

    @property
    def allowed_attachment_types(self) -> frozenset[str]:
        return _items(self.attachment_types)

    @property
    def trusted_authservs(self) -> frozenset[str]:
        return _items(self.trusted_authserv_ids)

    @property
    def proxies(self) -> list[str]:
        """The trusted proxies, as uvicorn's ``forwarded_allow_ips`` takes them."""
        return sorted(_items(self.trusted_proxies))


def _items(comma_list: str) -> frozenset[str]:
    return frozenset(t.strip().lower() for t in comma_list.split(",") if t.strip())
