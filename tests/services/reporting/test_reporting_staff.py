"""Staff identity in reporting is intake's (shared/runtime/staff.py): a token entry with a
mistyped role is refused when the service starts, naming the role, instead of being dropped
(which left the person without access here while intake refused to start)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.reporting.app import create_app
from services.reporting.settings import ReportingSettings
from tests.support.signin import csrf_of


def test_a_mistyped_role_is_refused_naming_the_role(tmp_path: Path) -> None:
    settings = ReportingSettings(
        data_dir=tmp_path,
        nats_url="nats://127.0.0.1:1",
        reporting_follow=False,
        staff_tokens="rita:reader-token-123456:reader;hank:handler-token-123456:hander",
    )
    with pytest.raises(ValueError, match=r"'hank'.*'hander'"), TestClient(create_app(settings)):
        pass


def test_every_staff_role_may_read_reports(tmp_path: Path) -> None:
    settings = ReportingSettings(
        data_dir=tmp_path,
        nats_url="nats://127.0.0.1:1",
        reporting_follow=False,
        staff_tokens="rita:reader-token-123456:reader;pia:privacy-token-123456:privacy",
    )
    client = TestClient(create_app(settings))  # no lifespan: the tokens come with the app
    for token in ("reader-token-123456", "privacy-token-123456", "nobody-token-1234567"):
        csrf = csrf_of(client.get("/dashboard").text)  # the sign-in form's CSRF field
        form = {"token": token, "csrf_token": csrf}
        answer = client.post("/login", data=form, follow_redirects=False)
        assert answer.status_code == (401 if token.startswith("nobody") else 303), token
