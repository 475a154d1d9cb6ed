"""Who may do what on NATS: one user per service, each with an allow-list of subjects.

The spec below is the source of ``config/nats-permissions.conf`` (rendered by
klachten/stack/permissions.py; a test fails when the file is stale). Passwords are not in that
file: each is a variable, ``$KLACHTEN_NATS_PASSWORD_<USER>``, that the server reads from its
environment. The embedded
stack generates them on first start into ``$KLACHTEN_DATA_DIR/credentials/nats.json`` (0600, in
a 0700 folder); services get ``nats://<user>:<password>@host:port`` as ``KLACHTEN_NATS_URL``.

What is not allowed is denied: no service user can create, update, purge or delete a stream or
delete a message of COMPLAINTS; only ``admin`` manages streams, buckets and backups.
Key store (docs/security.md): intake may only create entries, notifier only read them, the
privacy principal alone destroys them; sla_monitor and reporting get no key access at all.
Each user receives replies only under its own inbox prefix (`inbox_prefix`).
(About 400 lines: the spec is one table of every principal, read whole by the tests that prove
each allow and deny; the rendering lives in klachten/stack/permissions.py.)
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from shared.contract import subjects

CREDENTIALS_FILE = Path("credentials") / "nats.json"
ADMIN = "admin"
API = "$JS.API"
IDEMPOTENCY_BUCKET = "INTAKE_IDEMPOTENCY"  # services/intake/application.py
REFERENCES_BUCKET = "INTAKE_REFERENCES"
RATE_BUCKET = "INTAKE_RATE"  # services/intake/limits.py: rate limits shared by intake processes
KEYS_BUCKET = "KLACHTEN_KEYS"  # shared/privacy/keystore.py (not imported: it imports settings)
OUTBOX_BUCKET = "NOTIFIER_OUTBOX"  # services/notifier/outbox.py: letters about to go, or gone
# The workspace (services/reporting/workspace_presence.py, workspace_notifications.py): who has
# a case open (short-lived heartbeats) and up to when each staff member has seen their notices.
PRESENCE_BUCKET = "WORKSPACE_PRESENCE"
SEEN_BUCKET = "WORKSPACE_SEEN"
C, T, D = subjects.COMPLAINTS_STREAM, subjects.TIMERS_STREAM, subjects.DEADLETTER_STREAM
ALL_STREAMS = (C, T, D, subjects.COUNTERS_STREAM, "CHECKPOINTS")


@dataclass(frozen=True)
class Permissions:
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    deny_publish: tuple[str, ...] = ()


def appends(*event_types: str) -> tuple[str, ...]:
    return tuple(subjects.events_of_type(t) for t in event_types)


def reads(*streams: str) -> tuple[str, ...]:
    """Stream info and direct gets (by sequence, last-by-subject, batches)."""
    out: tuple[str, ...] = ()
    for s in streams:
        out += (f"{API}.STREAM.INFO.{s}", f"{API}.DIRECT.GET.{s}", f"{API}.DIRECT.GET.{s}.>")
        out += (f"{API}.STREAM.MSG.GET.{s}",)
    return out


def consumer(stream: str, durable: str) -> tuple[str, ...]:
    """Create (or re-declare) its own durable, read its info, pull and acknowledge."""
    return (
        f"{API}.CONSUMER.CREATE.{stream}.{durable}",
        f"{API}.CONSUMER.CREATE.{stream}.{durable}.>",
        f"{API}.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
        f"{API}.CONSUMER.INFO.{stream}.{durable}",
        f"{API}.CONSUMER.MSG.NEXT.{stream}.{durable}",
        f"$JS.ACK.{stream}.{durable}.>",
    )


def key_value(bucket: str, *, write: bool) -> tuple[str, ...]:
    return reads(f"KV_{bucket}") + ((f"$KV.{bucket}.>",) if write else ())


# Reporting's long reads of the log (services/reporting/log_consumer.py): ephemeral ordered pull
# consumers under these names only. A create names the consumer it defines in its subject, so
# no other consumer can be redefined or pulled from; the server-named form
# (``CONSUMER.CREATE.<stream>``) is not granted: it redefines any consumer named in its body, a
# service's durable too (measured on nats-server 2.15).
LOG_READERS = tuple(f"reporting_read_{n}" for n in range(8))


def log_readers(stream: str) -> tuple[str, ...]:
    """Create a reader under one of `LOG_READERS` and pull from it; nothing else (no ack: the
    readers acknowledge nothing; no delete: they go when idle)."""
    return tuple(
        s
        for name in LOG_READERS
        for s in (
            f"{API}.CONSUMER.CREATE.{stream}.{name}",
            f"{API}.CONSUMER.MSG.NEXT.{stream}.{name}",
        )
    )


def may_read_by_consumer(user: str | None) -> bool:
    """Whether `user` may make a log reader: reporting, admin, or a server without users."""
    if user is None or user not in SPEC:
        return user is None
    spec = SPEC[user]
    return spec is None or f"{API}.CONSUMER.MSG.NEXT.{C}.{LOG_READERS[0]}" in spec.publish


# Replies come to the user's own inbox prefix only (`inbox_prefix`, added by `subscribe_of`):
# no service can read another's replies (key material, attachment bytes).
BASE_SUBSCRIBE: tuple[str, ...] = ()
# The projection (and any eventsourcing subscription) is woken by core messages on the log.
LOG_WAKE = (subjects.COMPLAINTS_ALL,)

INTAKE_EVENTS = (
    "submitted",
    "responded",
    "extended",
    "closed",
    "paused",
    "resumed",
    "reaction_received",
    "reaction_handled",
    "reopened",
    "escalated",  # on request of the complainant or staff
    "status_link_requested",  # the status lookup: a fresh link to the address on file
    # The procedure steps staff take (issue 16, shared/rules/steps.py).
    "assigned",
    "conduct_subject_recorded",
    "conduct_subject_reacted",
    "hearing_invited",
    "hearing_held",
    "hearing_waived",
    "resolved_informally",
    "declined",
    # The advisory committee (Awb 9.1.3) and the Wkkgz route (issue 16 items 6 and 7).
    "referred_to_committee",
    "committee_hearing_held",
    "committee_advised",
    "mediation_recorded",
    "measures_promised",
    # Learning from complaints (issue 18): classification, root causes, remedies.
    "classified",
    "root_causes_recorded",
    "remedies_recorded",
    "satisfaction_recorded",  # the survey after closure (issue 18 item 4)
    # A handler's question and the complainant's answer on the status page (issue 25).
    "question_asked",
    "question_answered",
    "note_added",  # an internal note on the case page (issue 17)
    # Corrections (issue 17): category and priority, a duplicate, a follow-up's answer.
    "recategorised",
    "linked_as_duplicate",
    "follow_up_answered",
    # The improvement actions register (issue 18 item 3, shared/rules/improvements.py).
    "improvement_opened",
    "improvement_updated",
    "improvement_linked",
    "improvement_unlinked",
)

SPEC: dict[str, Permissions | None] = {
    ADMIN: None,  # everything: provisioning, backups, audit checkpoints, repairs
    "intake": Permissions(
        publish=appends(*INTAKE_EVENTS)
        + reads(C, subjects.COUNTERS_STREAM)
        + ("counters.references.*",)
        + key_value(IDEMPOTENCY_BUCKET, write=True)
        + key_value(REFERENCES_BUCKET, write=True)
        + key_value(RATE_BUCKET, write=True)
        # Creates a complainant's key before the append; the bucket is write-once per entry
        # (shared/privacy/keystore.py), so create is all it can do: no overwrite, delete or purge.
        + reads(f"KV_{KEYS_BUCKET}")
        + tuple(
            f"$KV.{KEYS_BUCKET}.{entry}.*"
            for entry in ("key", "subject", "complaint", "lookup", "pseudonym")
        )
        + reads(f"OBJ_{subjects.ATTACHMENTS_BUCKET}")
        + (f"$O.{subjects.ATTACHMENTS_BUCKET}.>",)
        # Asks the notifier for the letter an answer would send (services/notifier/preview.py).
        + (subjects.LETTER_PREVIEW_SUBJECT,),
        subscribe=BASE_SUBSCRIBE + LOG_WAKE,
    ),
    "notifier": Permissions(
        publish=appends("acknowledged", "letter_sent")
        + reads(C, D)
        + consumer(C, "notifier")
        + key_value(KEYS_BUCKET, write=False)
        + key_value(OUTBOX_BUCKET, write=True)
        + (subjects.deadletter_subject("notifier"),)
        # The letter previewed goes back to intake's inbox, and only there.
        + ("_INBOX_intake.>",),
        subscribe=BASE_SUBSCRIBE
        + LOG_WAKE
        + (f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{C}.notifier",)
        + (subjects.LETTER_PREVIEW_SUBJECT,),
    ),
    "sla_monitor": Permissions(
        publish=appends("escalated", "measure_overdue")  # a deadline missed; a due date passed
        + reads(C, T, D)
        + consumer(C, "sla_monitor")
        + consumer(T, "sla_timers")
        + ("timers.schedule.>",)
        # Cancelling a timer purges its schedule subject in TIMERS (its own working stream,
        # not the log of record).
        + (f"{API}.STREAM.PURGE.{T}",)
        + (subjects.deadletter_subject("sla_monitor"), subjects.deadletter_subject("sla_timers")),
        subscribe=BASE_SUBSCRIBE
        + LOG_WAKE
        + (
            f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{C}.sla_monitor",
            f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{T}.sla_timers",
        ),
    ),
    "reporting": Permissions(
        publish=(
            *reads(*ALL_STREAMS),
            *log_readers(C),
            subjects.deadletter_subject("reporting"),
            *key_value(PRESENCE_BUCKET, write=True),
            *key_value(SEEN_BUCKET, write=True),
        ),
        subscribe=BASE_SUBSCRIBE + LOG_WAKE,
    ),
    "privacy": Permissions(
        publish=appends("erased")
        + reads(C)
        + key_value(KEYS_BUCKET, write=True)
        # Secure erase of a key: its message is deleted (overwritten) in the key store only.
        + (f"{API}.STREAM.MSG.DELETE.KV_{KEYS_BUCKET}",)
        + reads(f"OBJ_{subjects.ATTACHMENTS_BUCKET}")
        + (f"$O.{subjects.ATTACHMENTS_BUCKET}.>",)
        + (f"{API}.STREAM.PURGE.OBJ_{subjects.ATTACHMENTS_BUCKET}",),
        subscribe=BASE_SUBSCRIBE + LOG_WAKE,
    ),
    # klachten/stack/checkpointer.py: reads the log, appends signed checkpoints; its key is not in
    # the data folder and no other principal may write checkpoints.
    "checkpointer": Permissions(
        publish=(*reads(C, subjects.CHECKPOINTS_STREAM), subjects.CHECKPOINTS_SUBJECT),
        subscribe=BASE_SUBSCRIBE,
    ),
}


# shared/runtime/consumer.py's (not imported: the runtime imports the eventstore, which imports
# settings, which imports this module).
MAX_DELIVERIES_ADVISORY_OF = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.{consumer}"


def service_durables(stream: str) -> tuple[str, ...]:
    """The consumers the services pull from `stream`: every `consumer()` in the spec, and
    reporting's log readers (so no analyst or webhook may take one of their names)."""
    marker = f"{API}.CONSUMER.MSG.NEXT.{stream}."
    found = (s for spec in SPEC.values() if spec for s in spec.publish if s.startswith(marker))
    return tuple(n for n in (s.removeprefix(marker) for s in found) if n != "*")


def own_consumers(stream: str) -> tuple[str, ...]:
    """Create named consumers on `stream` (durable or ephemeral), read, pull and acknowledge.

    Not the server-named ephemeral API (``CONSUMER.CREATE.<stream>``): a name in its body
    redefines any consumer, a service's durable too (measured on nats-server 2.15)."""
    return (
        f"{API}.CONSUMER.CREATE.{stream}.*",
        f"{API}.CONSUMER.CREATE.{stream}.*.>",
        f"{API}.CONSUMER.DURABLE.CREATE.{stream}.*",
        f"{API}.CONSUMER.INFO.{stream}.*",
        f"{API}.CONSUMER.MSG.NEXT.{stream}.*",
        f"$JS.ACK.{stream}.*.>",
    )


def not_theirs(stream: str, durables: tuple[str, ...]) -> tuple[str, ...]:
    """No way to create, redefine, pull from or acknowledge for a service's durable."""
    return tuple(s for d in durables for s in consumer(stream, d))


# Analysts (docs/analysts.md) read the log, where personal data stays sealed (no key store),
# and make their own consumers. NATS permissions have no partial-token wildcards, so `analyst_`
# is the documented prefix while every service's durable is denied by name.
SPEC["analyst"] = Permissions(
    publish=reads(C) + own_consumers(C) + (f"{API}.STREAM.NAMES",),
    subscribe=BASE_SUBSCRIBE,
    deny_publish=not_theirs(C, service_durables(C)),
)

# The webhooks service (docs/webhooks.md): one durable per subscription, named
# ``webhooks_<subscription>`` from its configuration, so by a wildcard with every service's
# durable denied by name; it posts events out and appends nothing. It reads keys (never writes)
# for the subscriptions an admin allowed personal data: the only path where it shows them.
SPEC["webhooks"] = Permissions(
    publish=reads(C, D)
    + own_consumers(C)
    + key_value(KEYS_BUCKET, write=False)
    + (subjects.deadletter_subject("*"),),
    subscribe=(*BASE_SUBSCRIBE, MAX_DELIVERIES_ADVISORY_OF.format(stream=C, consumer="*")),
    deny_publish=not_theirs(C, service_durables(C))
    + tuple(subjects.deadletter_subject(d) for d in service_durables(C) + service_durables(T))
    + (subjects.deadletter_subject("reporting"),),
)
USERS = tuple(SPEC)

# Defence in depth: even a future mistake in an allow-list cannot reach these.
DENY_PUBLISH = (
    f"{API}.STREAM.CREATE.>",
    f"{API}.STREAM.UPDATE.>",
    f"{API}.STREAM.DELETE.>",
    f"{API}.STREAM.PURGE.{C}",
    f"{API}.STREAM.MSG.DELETE.{C}",
    f"{API}.STREAM.RESTORE.>",
    f"{API}.CONSUMER.DELETE.>",
)


# --- what the server's rules and the clients share ----------------------------------------------


def inbox_prefix(user: str) -> str:
    """The user's own reply subjects (``nats.connect(inbox_prefix=…)``, config/settings.py)."""
    return f"_INBOX_{user}"


def subscribe_of(user: str) -> tuple[str, ...]:
    spec = SPEC[user]
    return () if spec is None else (f"{inbox_prefix(user)}.>", *spec.subscribe)


# --- the client side ---------------------------------------------------------------------------


def credentials_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / CREDENTIALS_FILE


def _stored_credentials(data_dir: Path | str) -> dict[str, str]:
    try:
        found = json.loads(credentials_path(data_dir).read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def load_credentials(data_dir: Path | str) -> dict[str, str] | None:
    found = _stored_credentials(data_dir)
    return found if set(USERS) <= set(found) else None


def ensure_credentials(data_dir: Path | str) -> tuple[dict[str, str], bool]:
    """The stack's NATS passwords, generated on first use; True when made now. A user added
    since (e.g. `analyst`) gets a password, the others keep theirs."""
    existing = _stored_credentials(data_dir)
    if set(USERS) <= set(existing):
        return existing, False
    path = credentials_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    made = {user: existing.get(user) or secrets.token_urlsafe(24) for user in USERS}
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    # O_EXCL with mode 0600: never readable by others, not even for a moment.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(made, out, indent=1)
    os.replace(tmp, path)
    return made, True


def has_credentials(url: str) -> bool:
    return any("@" in (urlsplit(u.strip()).netloc or "") for u in url.split(",") if u.strip())


def with_credentials(url: str, user: str, password: str) -> str:
    """`url` (a comma list too) with user and password in each server's address."""
    auth = f"{quote(user, safe='')}:{quote(password, safe='')}@"
    out = []
    for server in (u.strip() for u in url.split(",") if u.strip()):
        parts = urlsplit(server)
        host = parts.netloc.rsplit("@", 1)[-1]
        out.append(parts._replace(netloc=auth + host).geturl())
    return ",".join(out)


def user_of(url: str) -> str | None:
    netloc = urlsplit(url.split(",")[0].strip()).netloc
    return unquote(netloc.rsplit("@", 1)[0].split(":")[0]) if "@" in netloc else None


_SECRET_IN_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@/\s]*@", re.I)


def mask(text: str) -> str:
    """Any ``scheme://user:password@`` in `text` with the password replaced by ``***``."""
    return _SECRET_IN_URL.sub(r"\g<scheme>\g<user>:***@", text)
