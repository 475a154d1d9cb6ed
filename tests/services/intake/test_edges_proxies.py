"""X-Forwarded-For counts only from a configured trusted proxy (issue 20, "Seen failing" 1).

uvicorn's default believed the header from 127.0.0.1: a rotating header passed 35 of 35
status lookups through the per-client limit. Real intake, real sockets, real nats-server.
"""

from __future__ import annotations

import httpx

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake, proxy_options
from tests.support.intake import intake_settings, start_intake

LOOKUP = {"reference": "KL-2026-1", "email": "iemand@example.nl"}


async def _lookups(service: BackgroundIntake, forwarded: list[str]) -> list[int]:
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
        return [
            (
                await client.post("/api/status", json=LOOKUP, headers={"X-Forwarded-For": f})
            ).status_code
            for f in forwarded
        ]


async def test_a_rotating_forwarded_header_from_an_untrusted_peer_is_limited(
    provisioned_nats: EmbeddedNats,
) -> None:
    service = start_intake(intake_settings(provisioned_nats, intake_rate_limit=3))
    try:
        codes = await _lookups(service, [f"203.0.113.{n}" for n in range(6)])
    finally:
        service.stop()
    assert codes == [202, 202, 202, 429, 429, 429]


async def test_from_a_trusted_proxy_the_right_most_untrusted_address_counts(
    provisioned_nats: EmbeddedNats,
) -> None:
    settings = intake_settings(
        provisioned_nats, intake_rate_limit=3, trusted_proxies="10.9.9.9, 127.0.0.1"
    )
    service = start_intake(settings)
    try:
        rotating = await _lookups(service, [f"203.0.113.{n}" for n in range(6)])
        # What the client wrote left of the proxies' entries does not make it someone else.
        one = await _lookups(service, [f"198.51.100.{n}, 192.0.2.7, 10.9.9.9" for n in range(5)])
    finally:
        service.stop()
    assert rotating == [202] * 6  # six clients behind the proxy, one lookup each
    assert one == [202, 202, 202, 429, 429]  # all from 192.0.2.7


def test_uvicorn_believes_no_forwarded_header_without_trusted_proxies() -> None:
    assert proxy_options([]) == {"proxy_headers": False}
    assert proxy_options(["10.0.0.0/8"]) == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["10.0.0.0/8"],
    }


async def test_the_server_is_configured_from_the_setting(provisioned_nats: EmbeddedNats) -> None:
    service = start_intake(intake_settings(provisioned_nats))
    try:
        assert service._server is not None
        assert service._server.http.config.proxy_headers is False
    finally:
        service.stop()
