"""What the webhooks service decides, without I/O: which subscriptions a TOML file describes,
which events a subscription receives, and the exact body an endpoint gets for an event.

A body follows the Standard Webhooks payload shape: ``{"type", "timestamp", "data"}`` where
``data`` is the contract event (shared/contract/events.py). Personal data leaves klachten only
for a subscription that is allowed it: otherwise ``personal``, ``sealed`` and the complainant's
pseudonym (``subject_key``) are left out, so a receiver cannot even collect ciphertexts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import msgspec

from shared.contract import events as ev
from shared.contract import subjects
from shared.runtime.verdicts import Hopeless

EVENT_TYPES = frozenset(ev.subject_token(cls) for cls in ev.EVENT_TYPES)
ALL = "*"
# Fields that are personal data or lead to it: left out unless the subscription allows it.
PERSONAL_FIELDS = ("personal", "sealed", "subject_key")
NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")
DURABLE_PREFIX = "webhooks_"


class SubscriptionError(ValueError):
    """The subscriptions file is unusable: names the subscription and the key."""


@dataclass(frozen=True)
class Subscription:
    """One integrating system: where to post, which event types, with which secret."""

    name: str
    url: str
    events: frozenset[str]
    secret: str = field(repr=False)  # "whsec_<base64>" as Standard Webhooks spells it
    personal_data: bool = False

    @property
    def durable(self) -> str:
        """Its own durable on COMPLAINTS (and so its own dead letters: deadletter.<durable>)."""
        return DURABLE_PREFIX + self.name

    @property
    def filter_subjects(self) -> list[str]:
        if ALL in self.events:
            return [subjects.COMPLAINTS_ALL]
        return [subjects.events_of_type(t) for t in sorted(self.events)]

    def wants(self, event_type: str) -> bool:
        return ALL in self.events or event_type in self.events


def subscriptions(document: dict[str, Any], secret_of: Any) -> tuple[Subscription, ...]:
    """The enabled subscriptions of a parsed webhooks file. `secret_of(reference, name)` turns
    a secret reference (``env:NAME`` or ``file:path``) into the secret; it raises
    SubscriptionError when the secret is not there."""
    unknown = set(document) - {"subscription"}
    if unknown:
        raise SubscriptionError(f"unknown top-level key(s): {', '.join(sorted(unknown))}")
    found: list[Subscription] = []
    for i, entry in enumerate(document.get("subscription", [])):
        where = f"[[subscription]] #{i + 1}"
        if not isinstance(entry, dict):
            raise SubscriptionError(f"{where}: expected a table")
        subscription = _subscription(entry, where, secret_of)
        if subscription is None:
            continue
        if subscription.name in {s.name for s in found}:
            raise SubscriptionError(f"{where}: name {subscription.name!r} is used twice")
        found.append(subscription)
    return tuple(found)


def _subscription(entry: dict[str, Any], where: str, secret_of: Any) -> Subscription | None:
    allowed = {"name", "url", "events", "secret", "personal_data", "enabled"}
    unknown = set(entry) - allowed
    if unknown:
        raise SubscriptionError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
    name = entry.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise SubscriptionError(f"{where}: name: lower-case letters, digits and _, got {name!r}")
    where = f"subscription {name!r}"
    if entry.get("enabled", True) is not True:
        return None
    url = entry.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise SubscriptionError(f"{where}: url: an http(s) URL, got {url!r}")
    events = entry.get("events")
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise SubscriptionError(f'{where}: events: a list of event types or ["*"]')
    wrong = sorted(set(events) - EVENT_TYPES - {ALL})
    if wrong:
        raise SubscriptionError(f"{where}: events: unknown event type(s) {', '.join(wrong)}")
    personal = entry.get("personal_data", False)
    if not isinstance(personal, bool):
        raise SubscriptionError(f"{where}: personal_data: true or false")
    reference = entry.get("secret")
    if not isinstance(reference, str) or not reference.startswith(("env:", "file:")):
        raise SubscriptionError(f"{where}: secret: 'env:NAME' or 'file:path', never the secret")
    secret = secret_of(reference, where)
    return Subscription(name, url, frozenset(events), secret, personal)


# --- one event, one body -------------------------------------------------------------------


def read_event(subject: str, body: bytes) -> ev.Event:
    """The event of a COMPLAINTS message; Hopeless when the body is no contract event or
    disagrees with its subject (a reader refuses a message that is not what it claims)."""
    try:
        event = ev.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise Hopeless(f"not a contract event: {error}") from None
    said = subjects.parse_event_subject(subject)
    actual = (str(event.complaint_id), event.version, ev.subject_token(type(event)))
    if said is None or (said.complaint_id, said.version, said.event_type) != actual:
        raise Hopeless(f"subject {subject} disagrees with its body {actual}")
    return event


def payload(event: ev.Event, *, personal_data: bool) -> bytes:
    """The exact bytes posted (and signed) for `event`. With `personal_data` the event is
    expected opened already (``personal`` set, ``sealed`` cleared by the caller)."""
    data = msgspec.to_builtins(event)
    for name in PERSONAL_FIELDS if not personal_data else ("sealed",):
        data.pop(name, None)
    document = {"type": data["type"], "timestamp": data["occurred_at"], "data": data}
    return msgspec.json.encode(document)


def webhook_id(event: ev.Event) -> str:
    """The idempotency key of a delivery (``webhook-id``): the event id, the same on every
    retry and replay, so a receiver that stores it handles each event once."""
    return str(event.event_id)


def failed(status: int) -> str | None:
    """Why a response means "not delivered" (None: delivered). Standard Webhooks: any 2xx is
    success; everything else is retried with backoff, then dead-lettered."""
    return None if 200 <= status < 300 else f"endpoint answered {status}"
