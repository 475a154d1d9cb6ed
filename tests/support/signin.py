"""Helpers for tests that sign in to reporting's pages: the CSRF field of a page, and signing in
with the token form over plain HTTP (where httpx keeps no ``Secure`` cookie, so the session's
cookie is sent by hand)."""

from __future__ import annotations

import re

import httpx

from services.reporting.sessions import COOKIE


def csrf_of(page: str) -> str:
    """The value of the page's first ``csrf_token`` field."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def session_cookie(base: str, token: str) -> dict[str, str]:
    """Signs in at reporting `base` with the API token form; the Cookie header of the session."""
    with httpx.Client(base_url=base, timeout=20) as http:
        form = {
            "token": token,
            "next": "/workspace",
            "csrf_token": csrf_of(http.get("/workspace").text),
        }
        answer = http.post("/login", data=form)
        assert answer.status_code == 303, answer.text
        value = answer.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    return {"Cookie": f"{COOKIE}={value}"}
