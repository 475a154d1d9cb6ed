"""One classification of a failed write for HTTP, the form and SMTP (shared/runtime/failures.py),
and the pure verdicts of the log watch (shared/runtime/logwatch.py)."""

from __future__ import annotations

import nats.errors
import pytest
from eventsourcing.persistence import OperationalError
from nats.js.errors import ServiceUnavailableError

from shared.eventstore.link import JetStreamError, Unavailable
from shared.runtime import failures, logwatch

FULL = "storage is full or failing, the log cannot be written: write …: no space left on device"


def test_a_permissions_violation_is_a_configuration_error_never_unavailable() -> None:
    error = nats.errors.Error(
        'nats: permissions violation for publish to "$JS.API.STREAM.PURGE.OBJ_ATTACHMENTS"'
    )
    assert failures.classify(error) == "permission"
    # nats-py reports the violation out of band; the request itself only times out
    violation = str(error)
    assert failures.classify(nats.errors.TimeoutError(), None, violation) == "permission"
    assert failures.STATUS["permission"] == 500
    assert failures.smtp_reply("permission").startswith("451 ")


def test_storage_full_from_the_error_or_from_the_server_state() -> None:
    limit = ServiceUnavailableError(code=503, err_code=10023, description="insufficient resources")
    assert failures.classify(limit) == "storage_full"
    wrapped = OperationalError("JetStream did not acknowledge the append")
    wrapped.__cause__ = JetStreamError(503, 10023, "insufficient resources")
    assert failures.classify(wrapped) == "storage_full"
    assert failures.classify(Unavailable("no answer"), FULL) == "storage_full"
    assert failures.classify(failures.StorageFull(FULL)) == "storage_full"
    assert failures.STATUS["storage_full"] == 503
    assert failures.smtp_reply("storage_full").startswith("452 4.3.1 ")


def test_unreachable_and_invalid_and_unknown() -> None:
    assert failures.classify(Unavailable("no answer")) == "unavailable"
    assert failures.classify(nats.errors.NoServersError()) == "unavailable"
    assert failures.classify(nats.errors.MaxPayloadError()) == "invalid"
    assert failures.classify(OperationalError("bad request (code 400, err_code 10052)")) == (
        "invalid"
    )
    assert failures.classify(KeyError("x")) is None
    assert failures.smtp_reply(None).startswith("451 4.3.0 ")


@pytest.mark.parametrize("kind", ["permission", "invalid", "storage_full", "unavailable"])
def test_every_kind_has_dutch_and_english_words_without_codes(kind: failures.Kind) -> None:
    nl, en = failures.message(kind, "nl"), failures.message(kind, "en")
    assert nl != en and "_" not in nl + en
    assert failures.http_body(kind, "en") == {"error": failures.CODE[kind], "message": en}
    if kind == "storage_full":
        assert "opslag" in nl and "vol" in nl and "storage" in en and "full" in en


def test_the_store_verdict_of_the_monitoring() -> None:
    error = "JetStream stream '$G > COMPLAINTS' write error: write …: no space left on device"
    ok_jsz = {"config": {"max_storage": 10 * 2**20}, "storage": 2**20}
    assert logwatch.store_problem(200, {"status": "ok"}, ok_jsz) is None
    found = logwatch.store_problem(503, {"error": error}, ok_jsz)
    assert found and "no space left on device" in found and "storage is full" in found
    # a stream that is catching up is not a store that cannot be written
    assert logwatch.store_problem(503, {"error": "stream not current"}, ok_jsz) is None
    at_limit = {"config": {"max_storage": 10 * 2**20}, "storage": 10 * 2**20 - 100}
    assert "max_file_store" in (logwatch.store_problem(200, {}, at_limit) or "")


def test_restart_only_once_there_is_room_again() -> None:
    error = "write error: no space left on device"
    total = 64 * 2**20
    assert logwatch.restart_reason(error, free=2**20, total=total) is None
    assert logwatch.restart_reason(error, free=40 * 2**20, total=total)
    assert logwatch.restart_reason("stream not current", free=40 * 2**20, total=total) is None


def test_positions_beyond_the_end_and_the_monitor_url() -> None:
    assert logwatch.beyond_end("projection", 10, 10) is None
    text = logwatch.beyond_end("projection", 12, 5) or ""
    assert "12" in text and "last sequence 5" in text and "beyond the end of the log" in text
    assert logwatch.monitor_url("nats://u:p@nats-1:4222", 4222, 8222) == "http://nats-1:8222"
    assert logwatch.monitor_url("nats://127.0.0.1:4224,x", 4222, 8222) == "http://127.0.0.1:8224"
