"""The list pages (issue 23): `limit` rows in complaint id order and a `Link: <…>; rel="next"`
while more follow, now and as of a moment alike; the pages together are the whole list; a bad
limit is a 422 naming it. On test_reporting_api's history and real nats-server."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.services.reporting.test_reporting_api import AUTH, client, history  # noqa: F401


def _all_pages(http: TestClient, url: str) -> tuple[list[dict], int]:
    rows: list[dict] = []
    pages = 0
    while url:
        r = http.get(url, headers=AUTH)
        assert r.status_code == 200, r.text
        rows += r.json()
        pages += 1
        link = re.fullmatch(r'<([^>]+)>; rel="next"', r.headers.get("link", ""))
        url = link.group(1) if link else ""
    return rows, pages


def test_pages_of_two_are_the_whole_list(client: TestClient) -> None:  # noqa: F811
    whole = client.get("/api/complaints", headers=AUTH)
    assert "link" not in whole.headers  # 4 complaints: one default page
    rows, pages = _all_pages(client, "/api/complaints?limit=2")
    assert (rows, pages) == (whole.json(), 2)
    assert [r["complaint_id"] for r in rows] == sorted(r["complaint_id"] for r in rows)
    past = "as_of=2026-01-15T00:00:00Z"
    rows, pages = _all_pages(client, f"/api/complaints?{past}&limit=1")
    assert rows == client.get(f"/api/complaints?{past}", headers=AUTH).json()
    assert rows and pages == len(rows)  # one per page, the last without a link
    filtered, _ = _all_pages(client, "/api/complaints?channel=web&limit=1")
    assert filtered == [r for r in whole.json() if r["channel"] == "web"]


def test_a_bad_limit_is_named(client: TestClient) -> None:  # noqa: F811
    for bad in ("0", "1001", "x", "-1"):
        r = client.get(f"/api/complaints?limit={bad}", headers=AUTH)
        assert r.status_code == 422
        assert r.json()[0]["field"] == "limit"
