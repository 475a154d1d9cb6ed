"""Why a write to the log failed, said once for every channel (HTTP, form, SMTP).

`classify(error, store_problem, violation)` is pure: the error (and its causes), what the
nats-server's monitoring says about its store, and a permissions violation the connection
reported a moment ago (nats-py reports those out of band: the request itself only times out).
The answer picks the HTTP status, the words people read (Dutch and English) and the SMTP reply:

- ``permission``: our configuration is wrong (a NATS permission) → 500, honest words, an
  ERROR log naming the permission; SMTP 451 so the sender retries once it is fixed.
- ``invalid``: the server refused the request as malformed or too large → 500 / SMTP 554.
- ``storage_full``: the store is full → 503 "storage is full" / SMTP 452 4.3.1.
- ``log_shrunk``: the log of record is shorter than it was (shared/eventstore/highwater.py) → 503,
words
  that say an operator must restore it and nothing is accepted meanwhile / SMTP 451 4.3.0.
- ``unavailable``: unreachable, timed out → 503 "unavailable" / SMTP 451 4.3.0.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

Kind = Literal["permission", "invalid", "storage_full", "log_shrunk", "unavailable"]
Lang = Literal["nl", "en"]

INSUFFICIENT_RESOURCES = 10023  # JetStream: the store limit (max_file_store) is reached
STORAGE_WORDS = ("insufficient resources", "no space left on device", "resource limits exceeded")
PERMISSION_WORDS = ("permissions violation", "permission violation")
# Transient trouble by class name, so this module imports no client library.
UNAVAILABLE_TYPES = (
    "Unavailable", "OperationalError", "TimeoutError", "ConnectionError", "NoServersError",
    "NoRespondersError", "ConnectionClosedError", "StaleConnectionError",
    "OutboundBufferLimitError", "ServiceUnavailableError", "FlushTimeoutError",
    "ConnectionReconnectingError", "NoStreamResponseError", "ConnectionDrainingError",
    "DrainTimeoutError",
)  # fmt: skip
INVALID_TYPES = ("MaxPayloadError", "BadRequestError", "BadSubjectError")


class StorageFull(Exception):
    """Refused before trying: the store is known to be full (fail fast, not after timeouts)."""


class LogShrunk(StorageFull):
    """Refused before trying: the log lost events; nothing is appended until it is restored."""


STATUS: dict[Kind, int] = {
    "permission": 500,
    "invalid": 500,
    "storage_full": 503,
    "log_shrunk": 503,
    "unavailable": 503,
}
CODE: dict[Kind, str] = {
    "permission": "configuration",
    "invalid": "rejected",
    "storage_full": "storage_full",
    "log_shrunk": "log_shrunk",
    "unavailable": "unavailable",
}
SMTP: dict[Kind, str] = {
    "permission": "451 4.3.5 a configuration error on our side kept us from recording your "
    "message; we have been alerted, please try again later",
    "invalid": "554 5.3.4 our complaint log refused this message; please send it in parts or "
    "by another channel",
    "storage_full": "452 4.3.1 the storage of the complaint log is full; please try again later",
    "log_shrunk": "451 4.3.0 the complaint log is shorter than it was and must be restored by "
    "an operator; nothing is accepted meanwhile, please try again later",
    "unavailable": "451 4.3.0 the complaint log is unavailable; please try again later",
}
TEXTS: dict[Kind, dict[Lang, str]] = {
    "permission": {
        "nl": "Door een configuratiefout bij ons konden wij uw verzoek niet opslaan. Wij zijn "
        "gewaarschuwd; probeer het later opnieuw.",
        "en": "A configuration error on our side kept us from saving your request. We have "
        "been alerted; please try again later.",
    },
    "invalid": {
        "nl": "Het klachtenregister weigerde dit verzoek. Dat is een fout aan onze kant; wij "
        "zijn gewaarschuwd. Neem telefonisch contact op als het opnieuw gebeurt.",
        "en": "The complaint log refused this request. That is an error on our side; we have "
        "been alerted. Please phone us if it happens again.",
    },
    "storage_full": {
        "nl": "De opslag van het klachtenregister is vol, daarom konden wij uw verzoek nu niet "
        "opslaan. Wij zijn gewaarschuwd; probeer het later opnieuw.",
        "en": "The storage of the complaint log is full, so we could not save your request "
        "now. We have been alerted; please try again later.",
    },
    "log_shrunk": {
        "nl": "Het klachtenregister is korter dan het was: er ontbreken gegevens. Een beheerder "
        "moet het herstellen; tot dan nemen wij niets aan. Wij zijn gewaarschuwd; probeer het "
        "later opnieuw.",
        "en": "The complaint log is shorter than it was: records are missing. An operator must "
        "restore it; until then we accept nothing. We have been alerted; please try again later.",
    },
    "unavailable": {
        "nl": "Het klachtenregister is tijdelijk niet bereikbaar. Probeer het over een paar "
        "minuten opnieuw.",
        "en": "The complaint log is temporarily unavailable. Please try again in a few minutes.",
    },
}


def classify(
    error: BaseException, store_problem: str | None = None, violation: str | None = None
) -> Kind | None:
    """The kind of a failed write, or None when it is none of these (a defect: let it raise)."""
    chain = list(_causes(error))
    texts = " ".join(str(e).lower() for e in chain)
    if any(w in texts for w in PERMISSION_WORDS):
        return "permission"
    if any(isinstance(e, LogShrunk) for e in chain):
        return "log_shrunk"
    codes = {getattr(e, "err_code", None) for e in chain}
    full = any(isinstance(e, StorageFull) for e in chain)
    if full or INSUFFICIENT_RESOURCES in codes or any(w in texts for w in STORAGE_WORDS):
        return "storage_full"
    names = {type(e).__name__ for e in chain}
    if names & set(INVALID_TYPES) or "(code 400," in texts:
        return "invalid"
    if not names & set(UNAVAILABLE_TYPES) and not isinstance(error, OSError):
        return None
    if violation and not store_problem:
        return "permission"  # the request timed out because the server dropped it
    if store_problem and is_storage_problem(store_problem):
        return "storage_full"
    return "unavailable"


def is_storage_problem(text: str) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in STORAGE_WORDS) or "write error" in lowered


def message(kind: Kind, lang: Lang = "nl") -> str:
    return TEXTS[kind][lang if lang in ("nl", "en") else "nl"]


def http_body(kind: Kind, lang: Lang = "nl") -> dict[str, str]:
    return {"error": CODE[kind], "message": message(kind, lang)}


def retry_after(kind: Kind) -> dict[str, str]:
    """Storage needs an operator: ask clients to wait longer than for a hiccup."""
    wait = "60" if kind in ("storage_full", "log_shrunk") else "5"
    return {"Retry-After": wait} if STATUS[kind] == 503 else {}


def smtp_reply(kind: Kind | None) -> str:
    return SMTP[kind or "unavailable"]


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
