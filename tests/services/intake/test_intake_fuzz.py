"""Fuzzing the public endpoints of the running service: whatever arrives, never a 5xx."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import nats
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.streams import provision
from tests.support.intake import complaint_body, intake_settings, start_intake

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    ["channel", "complainant", "subject", "description", "category", "desired_outcome",
     "received_at", "name", "email", "language", "phone", "x"]
)  # fmt: skip


def _mutated(base: dict, changes: dict) -> dict:
    body = json.loads(json.dumps(base))
    for key, value in changes.items():
        target = body["complainant"] if key in ("name", "email", "language", "phone") else body
        if isinstance(target, dict):
            target[key] = value
    return body


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    server = EmbeddedNats(tmp_path_factory.mktemp("fuzz") / "nats").start()
    try:

        async def prepare() -> None:
            nc = await nats.connect(server.url)
            await provision(nc)
            await nc.close()

        asyncio.run(prepare())
        service = start_intake(intake_settings(server))
        try:
            with httpx.Client(base_url=service.url, timeout=20) as http:
                yield http
        finally:
            service.stop()
    finally:
        server.stop()


FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(st.dictionaries(field_names, json_values, max_size=5))
def test_mutated_submissions_never_5xx(client: httpx.Client, changes: dict) -> None:
    response = client.post("/api/complaints", json=_mutated(complaint_body(), changes))
    assert response.status_code in (200, 201, 422), response.text
    if response.status_code == 422:
        assert all({"field", "message"} <= set(e) for e in response.json())


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["application/json", "text/plain", "", "x/y"]))
def test_arbitrary_bytes_never_5xx(client: httpx.Client, content: bytes, media: str) -> None:
    response = client.post("/api/complaints", content=content, headers={"Content-Type": media})
    assert response.status_code < 500, response.text


@FUZZ
@given(st.dictionaries(st.text(max_size=12), json_values, max_size=3), st.text(max_size=20))
def test_status_and_form_never_5xx(client: httpx.Client, body: dict, text: str) -> None:
    assert client.post("/api/status", json=body).status_code < 500
    form = {"lang": text, "name": text, "email": text, "description": text, "idempotency_key": text}
    assert client.post("/", data=form).status_code < 500
    assert client.post("/status", data={"reference": text, "email": text}).status_code < 500
