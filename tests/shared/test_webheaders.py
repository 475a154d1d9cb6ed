"""Security headers on every page of intake and reporting, and no inline script or style left
for the Content-Security-Policy to refuse (shared/runtime/webheaders.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.intake.app import create_app as intake_app
from services.intake.settings import IntakeSettings
from services.reporting.app import create_app as reporting_app
from services.reporting.settings import ReportingSettings
from shared.runtime.staff import parse_tokens

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "services").glob("*/templates/**/*.html.j2"))
PAGES = [t for t in TEMPLATES if "/notifier/" not in str(t)]  # letters are e-mail, not pages


@pytest.fixture(scope="module")
def intake() -> TestClient:
    return TestClient(intake_app(IntakeSettings(staff_token="t")))  # no lifespan: pages only


@pytest.fixture(scope="module")
def reporting(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    # A data folder of its own: ReportingSettings() reads no environment, so its default
    # ./data was the checkout's, where the sign-in sessions' database then appeared.
    app = reporting_app(ReportingSettings(data_dir=tmp_path_factory.mktemp("reporting")))
    app.state.tokens = parse_tokens("t", "")  # what the lifespan sets; no NATS needed for pages
    return TestClient(app)


def _secure(response: object, *, cached: bool = False) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert (headers.get("cache-control") == "no-store") is not cached


@pytest.mark.parametrize("path", ["/status", "/status?lang=en", "/no-such-page"])
def test_intake_pages_carry_the_security_headers_and_are_never_stored(
    intake: TestClient, path: str
) -> None:
    response = intake.get(path)
    assert response.status_code in (200, 404)
    _secure(response)


def test_reporting_pages_carry_them_too(reporting: TestClient) -> None:
    for path in ("/dashboard", "/workspace", "/dashboard?lang=en"):
        response = reporting.get(path, follow_redirects=False)
        assert response.status_code < 500, path
        _secure(response)


def test_the_pages_assets_are_served_locally_and_may_be_cached(
    intake: TestClient, reporting: TestClient
) -> None:
    for client, path in ((intake, "/static/site.css"), (intake, "/static/site.js")):
        response = client.get(path)
        assert response.status_code == 200 and response.content, path
        _secure(response, cached=True)
    for name in ("login.css", "workspace.css", "dashboard.css"):
        assert reporting.get(f"/static/{name}").status_code == 200, name


def test_no_swagger_ui_from_a_cdn_but_the_openapi_documents_are_there(
    intake: TestClient, reporting: TestClient
) -> None:
    for client in (intake, reporting):
        assert client.get("/api/docs").status_code == 404
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").json()["openapi"].startswith("3.")


@pytest.mark.parametrize("template", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_template_has_inline_script_or_style(template: Path) -> None:
    text = template.read_text("utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "inline <script>"
    assert "<style" not in text and " style=" not in text, "inline style"
    assert not re.search(r"\bon[a-z]+=", text), "inline event handler"
