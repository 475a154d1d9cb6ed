"""Fuzzing over the OpenAPI documents of intake and reporting (schemathesis, both positive and
negative cases) against the services running as processes on a real nats-server: no server
error ever, and every rejection is a 4xx that says why.

The request bodies come from the served documents themselves: intake describes the JSON bodies
it validates by hand (services/intake/openapi.py), so they are fuzzed with valid and invalid
values like every parameter.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis (test extra)")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

from klachten.stack import launch  # noqa: E402
from klachten.stack.natsserver import EmbeddedNats  # noqa: E402
from tests.support.polling import wait_until_sync  # noqa: E402
from tests.support.ports import free_port  # noqa: E402

LARGE = os.environ.get("KLACHTEN_FAULT_SIZE", "").lower() == "large"
CASES = 5000 if LARGE else 1200  # in total over both services and every operation
TOKEN = "fuzz-token"
SKIP = {"/metrics", "/health/live", "/health/ready", "/health", "/logout", "/login"}
# The JSON bodies of the HTTP contract, published in intake's document (services/intake/openapi.py).
JSON_POSTS = (
    "/api/complaints",
    "/api/complaints/{complaint_id}/responses",
    "/api/complaints/{complaint_id}/escalations",
    "/api/complaints/{complaint_id}/extensions",
    "/api/complaints/{complaint_id}/closure",
    "/api/status",
)


@pytest.fixture(scope="module")
def urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    import subprocess
    import sys

    tmp = tmp_path_factory.mktemp("fuzz")
    server = EmbeddedNats(tmp / "nats").start()
    ports = {"intake": free_port(), "reporting": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLACHTEN_")}
    env |= {
        "KLACHTEN_NATS_URL": server.url,
        "KLACHTEN_DATA_DIR": str(tmp),
        "KLACHTEN_STAFF_TOKEN": TOKEN,
        "KLACHTEN_INTAKE_PORT": str(ports["intake"]),
        "KLACHTEN_SMTP_PORT": str(free_port()),
        "KLACHTEN_REPORTING_PORT": str(ports["reporting"]),
        "KLACHTEN_INTAKE_RATE_LIMIT": "1000000",
        "KLACHTEN_INTAKE_LETTERS_PER_ADDRESS": "1000000",
        "KLACHTEN_NOTIFIER_PORT": str(free_port()),
        "KLACHTEN_SLA_PORT": str(free_port()),
    }
    klachten = str(Path(sys.executable).parent / "klachten")
    subprocess.run([klachten, "streams"], env=env, check=True, capture_output=True)
    processes = [
        launch.spawn(launch.command(name), env=env, output=(tmp / f"{name}.log").open("wb"))
        for name in ports
    ]
    found = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        for base in found.values():
            wait_until_sync(lambda b=base: httpx.get(f"{b}/health").status_code == 200, 60)
        yield found
    finally:
        for process in processes:
            process.terminate()
            process.wait(15)
        server.stop()


def explains(response: Any) -> bool:
    """A rejection that says why: a JSON body naming a field or a message, or an HTML page."""
    text = response.text or ""
    return bool(text.strip()) and any(
        w in text.lower() for w in ("message", "field", "detail", "error", "<html")
    )


def fuzz(base: str, document: dict[str, Any], per_operation: int) -> tuple[Counter[str], list[str]]:
    schema = schemathesis.openapi.from_dict(document)
    statuses: Counter[str] = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in SKIP:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(
                max_examples=per_operation,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def run(case: Any) -> None:
                staff = case.operation.path != "/api/complaints" or hash(str(case.body)) % 2
                headers = {"Authorization": f"Bearer {TOKEN}"} if staff else {}
                response = case.call(base_url=base, headers=headers, timeout=30)
                statuses[f"{response.status_code // 100}xx"] += 1
                label = f"{case.method} {case.path} {response.status_code}"
                if response.status_code >= 500:
                    sent = f"{case.path_parameters} {case.query} {case.body!r:.300}"
                    failures.append(f"{label}: {response.text[:200]} ← {sent}")
                elif response.status_code >= 400 and not explains(response):
                    failures.append(f"{label} without a reason: {response.text[:200]!r}")

            try:
                run()
            except Unsatisfiable:  # e.g. no negative case for an operation without input
                continue
    return statuses, failures


def run_fuzz(urls: dict[str, str], name: str, wanted: Any, cases: int) -> None:
    document = httpx.get(f"{urls[name]}/openapi.json").json()
    document["paths"] = {p: ops for p, ops in document["paths"].items() if wanted(p)}
    operations = sum(len(ops) for p, ops in document["paths"].items() if p not in SKIP)
    # Hypothesis stops early where the input space is small (no parameters): ask for more.
    per_operation = max(10, cases // operations + 1)
    statuses, failures = fuzz(urls[name], document, per_operation)
    total = sum(statuses.values())
    print(
        f"\n[fuzz] {name}: {total} cases over {operations} operations {dict(statuses)}; "
        f"{len(failures)} failures {failures[:2]}"
    )
    assert total >= cases // 2
    assert not failures, "\n".join(failures[:10])


def workspace(path: str) -> bool:
    return path.startswith("/workspace")


def seed(urls: dict[str, str], count: int = 5) -> None:
    """A few ordinary complaints, so the read side has something to show."""
    staff = {"Authorization": f"Bearer {TOKEN}"}
    for n in range(count):
        body = {
            "channel": "phone",
            "complainant": {"name": "Jan de Vries", "email": f"jan{n}@example.nl"},
            "subject": "Geen reactie",
            "description": "Ik wacht al maanden.",
        }
        r = httpx.post(f"{urls['intake']}/api/complaints", json=body, headers=staff)
        assert r.status_code == 201, r.text


# Reporting first, on a read model of ordinary complaints (the intake fuzz stores odd ones).
@pytest.mark.timeout(1800 if LARGE else 200)
def test_reporting_no_server_errors_and_every_rejection_explained(urls: dict[str, str]) -> None:
    seed(urls)
    run_fuzz(urls, "reporting", lambda p: not workspace(p), CASES // 3)


@pytest.mark.timeout(1800 if LARGE else 200)
def test_intake_no_server_errors_and_every_rejection_explained(urls: dict[str, str]) -> None:
    run_fuzz(urls, "intake", lambda _: True, CASES * 2 // 3)


@pytest.mark.timeout(200)
def test_reporting_workspace_pages_never_answer_500(urls: dict[str, str]) -> None:
    run_fuzz(urls, "reporting", workspace, 200)


def test_the_intake_document_describes_request_bodies(urls: dict[str, str]) -> None:
    document = httpx.get(f"{urls['intake']}/openapi.json").json()
    posts = {p: document["paths"].get(p, {}).get("post", {}) for p in JSON_POSTS}
    schemas = {
        p: op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        for p, op in posts.items()
    }
    assert [p for p, schema in schemas.items() if not schema] == []
    named = [
        document["components"]["schemas"][s["$ref"].rsplit("/", 1)[-1]] for s in schemas.values()
    ]
    # Each says what must be sent; an escalation from a complainant's message needs no reason,
    # so its requirement is conditional (if reaction_event_id, else reason).
    assert all(s["required"] or s.get("else", {}).get("required") for s in named)


@pytest.mark.timeout(120)
def test_an_ancient_receipt_date_does_not_break_the_dashboard(urls: dict[str, str]) -> None:
    staff = {"Authorization": f"Bearer {TOKEN}"}
    body = {
        "channel": "letter",
        "complainant": {"name": "Jan de Vries", "email": "old@example.nl"},
        "subject": "Oud",
        "description": "Een brief uit het jaar 237.",
        "received_at": "0237-12-23T00:51:59Z",
    }
    r = httpx.post(f"{urls['intake']}/api/complaints", json=body, headers=staff)
    if r.status_code == 422:  # refused with the field and the reason
        assert any(e["field"] == "received_at" for e in r.json())
    if r.status_code == 201:  # accepted: it must not break the read side either
        cid = r.json()["complaint_id"]
        wait_until_sync(
            lambda: (
                httpx.get(f"{urls['reporting']}/api/complaints/{cid}", headers=staff).status_code
                == 200
            ),
            timeout=30,
        )
    dashboard = httpx.get(f"{urls['reporting']}/dashboard", headers=staff)
    assert r.status_code in (201, 422) and dashboard.status_code == 200, dashboard.text[:300]
