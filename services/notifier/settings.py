"""Settings of the notifier (env ``KLACHTEN_<FIELD>``), on top of the shared ones.

KLACHTEN_SMTP_RELAY_HOST             127.0.0.1  outgoing relay; default = the embedded mail sink
KLACHTEN_SMTP_RELAY_PORT             1025
KLACHTEN_SMTP_RELAY_TLS              false      implicit TLS (port 465)
KLACHTEN_SMTP_RELAY_STARTTLS         false      true (required) | auto (if offered) | false
KLACHTEN_SMTP_RELAY_USER / _PASSWORD            credentials (none by default)
KLACHTEN_SMTP_RELAY_TIMEOUT          300        s for connect, greeting, each command (RFC 5321)
KLACHTEN_SMTP_RELAY_DATA_TIMEOUT     600        s for the answer to the end of DATA (RFC 5321)
KLACHTEN_SMTP_RELAY_PROBE_INTERVAL   2          s between checks of a relay letters wait for
KLACHTEN_SMTP_RELAY_VALIDATE_CERTS   true
KLACHTEN_MAIL_FROM                   Klachten <klachten@klachten.local>
KLACHTEN_REPLY_MAILBOX               klachten   Reply-To: <mailbox>+<tag>@<KLACHTEN_MAIL_DOMAIN>
KLACHTEN_MAIL_DOMAIN                 klachten.local  (where intake receives replies)
KLACHTEN_PUBLIC_URL                  (empty: from the status URL, else http://127.0.0.1:8080)
KLACHTEN_ATTACHMENT_MAX_BYTES        10485760   the limit the acknowledgement names (as intake's)
KLACHTEN_ORGANISATION_NAME           Klachtenservice
KLACHTEN_ORGANISATION_ADDRESS        the return address on paper letters (lines, or cut at commas)
KLACHTEN_POST_ROOM_DIR               (empty: $KLACHTEN_DATA_DIR/post-room) letters to post
KLACHTEN_OMBUDSMAN_NAME / _URL       de Nationale ombudsman / https://www.nationaleombudsman.nl
KLACHTEN_COMPLAINTS_OFFICER          (empty) the klachtenfunctionaris (Wkkgz): who and how to reach
KLACHTEN_STATUS_URL_TEMPLATE         e.g. https://example.nl/klachten/{reference} (empty: none)
KLACHTEN_MAILSINK_DIR                $KLACHTEN_DATA_DIR/mail  (with --with-mailsink)
KLACHTEN_MAILSINK_PORT               1025
KLACHTEN_NOTIFIER_ACK_WAIT           30         s; heartbeats (every ack_wait/3) keep longer work
KLACHTEN_NOTIFIER_MAX_DELIVER        20
KLACHTEN_NOTIFIER_RETRY_BASE / _CAP  1 / 300    s; retry n waits base·2^(n-1), capped
KLACHTEN_NOTIFIER_WORKERS            8          concurrent pull loops (1 message each)
KLACHTEN_NOTIFIER_HOST / _PORT       127.0.0.1 / 8082  /health/live, /health/ready, /metrics
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from services.notifier.domain import Letterhead
from services.notifier.letter_words import ExternalRoute
from services.notifier.senders import RelaySettings
from shared.config.settings import HOST, Settings
from shared.privacy import statuslink

CONSUMER_NAME = "notifier"


@dataclass(frozen=True)
class NotifierSettings(Settings):
    nats_user: ClassVar[str] = "notifier"

    smtp_relay_host: str = HOST
    smtp_relay_port: int = 1025
    smtp_relay_tls: bool = False
    smtp_relay_starttls: str = "false"
    smtp_relay_user: str = ""
    smtp_relay_password: str = ""
    smtp_relay_timeout: float = 300.0
    smtp_relay_data_timeout: float = 600.0
    smtp_relay_probe_interval: float = 2.0
    smtp_relay_validate_certs: bool = True
    mail_from: str = "Klachten <klachten@klachten.local>"
    reply_mailbox: str = "klachten"
    mail_domain: str = "klachten.local"
    public_url: str = ""
    attachment_max_bytes: int = 10 * 1024 * 1024
    organisation_name: str = "Klachtenservice"
    organisation_address: str = ""
    post_room_dir: str = ""
    ombudsman_name: str = "de Nationale ombudsman"
    ombudsman_url: str = "https://www.nationaleombudsman.nl"
    complaints_officer: str = ""
    status_url_template: str = ""
    mailsink_dir: str = ""
    mailsink_port: int = 1025
    notifier_ack_wait: float = 30.0
    notifier_max_deliver: int = 20
    notifier_retry_base: float = 1.0
    notifier_retry_cap: float = 300.0
    notifier_workers: int = 8
    notifier_fetch_timeout: float = 5.0
    notifier_host: str = HOST
    notifier_port: int = 8082

    @property
    def relay(self) -> RelaySettings:
        starttls = {"true": True, "auto": None}.get(self.smtp_relay_starttls.strip().lower(), False)
        return RelaySettings(
            host=self.smtp_relay_host,
            port=self.smtp_relay_port,
            use_tls=self.smtp_relay_tls,
            start_tls=starttls,
            username=self.smtp_relay_user or None,
            password=self.smtp_relay_password or None,
            timeout=self.smtp_relay_timeout,
            data_timeout=self.smtp_relay_data_timeout,
            validate_certs=self.smtp_relay_validate_certs,
        )

    @property
    def maildir(self) -> Path:
        return Path(self.mailsink_dir) if self.mailsink_dir else self.data_dir / "mail"

    @property
    def post_room(self) -> Path:
        return Path(self.post_room_dir) if self.post_room_dir else self.data_dir / "post-room"

    @property
    def letterhead(self) -> Letterhead:
        route = (
            ExternalRoute(name=self.ombudsman_name, url=self.ombudsman_url)
            if self.ombudsman_name
            else None
        )
        return Letterhead(
            organisation_name=self.organisation_name,
            organisation_address=self.organisation_address,
            route=route,
            status_url_template=self.status_url_template,
            status_link_secret=statuslink.link_secret(self.data_dir),
            public_url=self.public_url or _origin(self.status_url_template),
            reply_mailbox=self.reply_mailbox,
            mail_domain=self.mail_domain,
            attachment_max_mb=max(1, round(self.attachment_max_bytes / 1024 / 1024)),
            complaints_officer=self.complaints_officer,
        )


def _origin(url: str) -> str:
    """Scheme and host of the status URL (intake serves the review page beside it)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "http://127.0.0.1:8080"
