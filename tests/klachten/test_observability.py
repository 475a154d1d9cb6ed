"""Health endpoints, metrics, structured logs without secrets, and the generated
configuration reference in docs/operations.md (traces: tests/shared/test_tracing.py)."""

from __future__ import annotations

import io
import json
import logging
import os
from pathlib import Path
from uuid import uuid4

import httpx

from klachten.commands import schema
from services.notifier.app import create_app as notifier_app
from services.notifier.settings import NotifierSettings
from shared.runtime import observability as obs

OPERATIONS = Path(__file__).parents[2] / "docs" / "operations.md"
BEGIN, END = "<!-- settings:begin -->\n", "<!-- settings:end -->"


def test_the_configuration_reference_is_current() -> None:
    text = OPERATIONS.read_text()
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    current = head + BEGIN + schema.settings_reference_markdown() + END + tail
    if os.environ.get("KLACHTEN_UPDATE_DOCS"):
        OPERATIONS.write_text(current)
        return
    assert text == current, "docs/operations.md is stale: KLACHTEN_UPDATE_DOCS=1 pytest this"


def test_every_setting_is_in_the_reference() -> None:
    reference = schema.settings_reference_markdown()
    for name in ("KLACHTEN_NOTIFIER_PORT", "KLACHTEN_SLA_PORT", "KLACHTEN_REPORTING_HOST"):
        assert f"`{name}`" in reference
    assert "`8082`" in reference and "`8083`" in reference


def _logged(formatter_json: bool, message: str, *args: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(obs.ContextFormatter(json_lines=formatter_json))
    handler.addFilter(obs.MaskSecrets())
    logger = logging.getLogger(f"test.{uuid4().hex}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.warning(message, *args)
    return stream.getvalue()


def test_logs_mask_passwords_in_urls() -> None:
    line = _logged(False, "connecting to %s", "nats://intake:s3cret-pw@127.0.0.1:4222")
    assert "s3cret-pw" not in line and "nats://intake:***@127.0.0.1:4222" in line
    assert "s3cret-pw" not in _logged(True, "postgresql://k:s3cret-pw@db/k failed")


def test_logs_carry_complaint_and_correlation_id() -> None:
    cid = str(uuid4())
    with obs.bound(cid):
        text = _logged(False, "letter sent")
        record = json.loads(_logged(True, "letter sent"))
    assert f"complaint_id={cid}" in text and f"correlation_id={cid}" in text
    assert record["complaint_id"] == record["correlation_id"] == cid
    assert "complaint_id" not in _logged(False, "outside")


def test_the_complaint_of_a_subject() -> None:
    cid = str(uuid4())
    assert obs.complaint_of(f"complaints.{cid}.3.escalated") == cid
    assert obs.complaint_of(f"timers.fired.{cid}.check") == cid
    assert obs.complaint_of("tracking.reporting") is None


def test_domain_metrics_are_exported() -> None:
    obs.COMPLAINTS_RECEIVED.labels("web").inc()
    obs.projection_gauges()[1].set(3)
    assert obs.subject_pattern(f"complaints.{uuid4()}.12.closed") == "complaints.*.*.closed"
    body, content_type = obs.metrics_body()
    text = body.decode()
    assert content_type.startswith("text/plain")
    for name in (
        'klachten_complaints_received_total{channel="web"}',
        "klachten_letters_sent_total",
        "klachten_escalations_total",
        "klachten_projection_lag_events",
    ):
        assert name in text or name.split("{")[0] in text


async def test_notifier_serves_health_and_metrics_without_a_broker() -> None:
    app = notifier_app(NotifierSettings(nats_url="nats://127.0.0.1:1"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://notifier") as client:
        assert (await client.get("/health/live")).json() == {"status": "ok"}
        ready = await client.get("/health/ready")
        assert ready.status_code == 503 and ready.json()["nats"] is False
        metrics = await client.get("/metrics")
        assert metrics.status_code == 200 and "klachten_letters_sent_total" in metrics.text
