"""The whole stack as a user runs it (`klachten up`, the README's command): a complaint by web
and one by e-mail travel to acknowledgement letters, a staff response and closure, and the
dashboard's figures; after a stop (SIGINT) and a new start everything is still there.
"""

from __future__ import annotations

import os
import re
import signal
import smtplib
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from klachten.commands.trace import read_spans
from services.notifier.mailsink import StoredMail, read_maildir
from tests.support.intake import HEARING_WAIVED
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port

KLACHTEN = str(Path(sys.executable).parent / "klachten")
PORTS = ("NATS", "NATS_MONITOR", "INTAKE", "SMTP", "REPORTING", "MAILSINK")


class Stack:
    """One `klachten up` process on free ports, output captured to a file."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.ports = {name: free_port() for name in PORTS}
        self.env = {k: v for k, v in os.environ.items() if k != "KLACHTEN_STAFF_TOKEN"}
        self.env |= {f"KLACHTEN_{name}_PORT": str(port) for name, port in self.ports.items()}
        self.env |= {"KLACHTEN_DATA_DIR": str(data_dir), "COLUMNS": "200"}
        self.env.pop("KLACHTEN_NATS_URL", None)
        self.runs = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def output(self) -> Path:
        return self.data_dir.parent / f"up-{self.runs}.out"

    def start(self) -> float:
        """Start `klachten up`; return the seconds until its summary says all is healthy."""
        self.runs += 1
        begun = time.monotonic()
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(
                [KLACHTEN, "up"], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        wait_until_sync(self._up, timeout=90, interval=0.1, message="klachten is up")
        return time.monotonic() - begun

    def _up(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"klachten up exited early:\n{self.text()}")
        return "Start-up" in self.text() and "Ctrl-C stops" in self.text()

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(60)

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    def pids(self) -> dict[str, int]:
        return {m[0]: int(m[1]) for m in re.findall(r"(\S+) pid (\d+) RSS", self.text())}


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path / "data")
    yield running
    if running.process is not None and running.process.poll() is None:
        running.stop()


def _token(stack: Stack) -> str:
    path = stack.data_dir / "credentials" / "staff-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    return path.read_text().strip()


def _letters(stack: Stack, kind: str) -> list[StoredMail]:
    return [m for m in read_maildir(stack.data_dir / "mail") if m.letter_kind == kind]


def _summary(stack: Stack, staff: dict[str, str]) -> Any:
    response = httpx.get(stack.url("REPORTING", "/api/reports/summary"), headers=staff)
    response.raise_for_status()
    return response.json()


def _report_figures(label: str, seconds: float, stack: Stack) -> None:
    print(f"\n[{label}] start-up (Popen → summary printed): {seconds:.2f} s")
    for line in stack.text().splitlines():
        if "RSS" in line or "Start-up" in line:
            print("   ", line.strip(" │"))


def _submit_by_email(stack: Stack, sender: str) -> None:
    message = EmailMessage()
    message["From"] = f"Emily Carter <{sender}>"
    message["To"] = "klachten@klachten.local"
    message["Subject"] = "Bin not emptied for three weeks"
    message["Message-ID"] = f"<journey-{sender}>"
    message.set_content("Our bin in Lime Street has not been emptied for three weeks.")
    with smtplib.SMTP("127.0.0.1", stack.ports["SMTP"], timeout=15) as smtp:
        smtp.send_message(message)


def _check_the_complaints_trace(stack: Stack, complaint_id: str) -> None:
    """One trace across the four processes, each span under the one that caused it."""
    spans = read_spans(stack.data_dir / "traces", complaint_id)
    by = {(s["resource"]["attributes"]["service.name"][9:], s["name"]): s for s in spans}
    span_id = {key: span["context"]["span_id"] for key, span in by.items()}
    parent = {key: span["parent_id"] for key, span in by.items()}
    assert span_id["intake", "submit"] == f"0x{UUID(complaint_id).int & (2**64 - 1):016x}"
    assert parent["intake", "submit"] is None  # the root: the complaint itself
    assert parent["intake", "publish submitted"] == span_id["intake", "submit"]
    assert parent["notifier", "process submitted"] == span_id["intake", "publish submitted"]
    assert parent["notifier", "publish acknowledged"] == span_id["notifier", "process submitted"]
    ack = span_id["notifier", "publish acknowledged"]
    assert parent["sla_monitor", "process acknowledged"] == ack
    assert parent["intake", "publish responded"] == span_id["intake", "submit"]
    assert parent["reporting", "project submitted"] == span_id["intake", "publish submitted"]
    assert {service for service, _ in by} == {"intake", "notifier", "sla_monitor", "reporting"}
    shown = subprocess.run(
        [KLACHTEN, "trace", complaint_id], env=stack.env, capture_output=True, text=True
    )
    assert shown.returncode == 0 and f"({len(spans)} spans)" in shown.stdout, shown.stderr
    print(f"\n[trace] {complaint_id}\n{shown.stdout}")


@pytest.mark.timeout(240)
def test_journey_through_the_running_stack_survives_a_restart(stack: Stack) -> None:
    _report_figures("first start", stack.start(), stack)
    token = _token(stack)
    staff = {"Authorization": f"Bearer {token}"}
    assert token not in stack.text()

    web = httpx.post(
        stack.url("INTAKE", "/api/complaints"),
        json={
            "channel": "web",
            "complainant": {"name": "Jan de Vries", "email": "jan@example.nl", "language": "nl"},
            "subject": "Parkeervergunning niet ontvangen",
            "description": "Zes weken geleden betaald, nog steeds geen vergunning.",
        },
    )
    assert web.status_code == 201, web.text
    web_id = web.json()["complaint_id"]
    _submit_by_email(stack, "emily@example.org")

    acks = wait_until_sync(
        lambda: (found := _letters(stack, "acknowledgement")) and len(found) == 2 and found,
        timeout=60,
        message="two acknowledgement letters in the Maildir",
    )
    assert {to for m in acks for to in m.to} == {"jan@example.nl", "emily@example.org"}
    assert web_id in {m.complaint_id for m in acks}

    complaint = stack.url("INTAKE", f"/api/complaints/{web_id}")
    waived = httpx.post(f"{complaint}/hearing/waiver", json=HEARING_WAIVED, headers=staff)
    assert waived.status_code == 201, waived.text  # Awb 9:10: heard, or waived, before answering
    response = httpx.post(
        f"{complaint}/responses",
        json={"text": "Uw vergunning is verstuurd.", "resolution": "well_founded"},
        headers=staff,
    )
    assert response.status_code == 201, response.text
    closure = httpx.post(f"{complaint}/closure", json={"outcome": "resolved"}, headers=staff)
    assert closure.status_code == 201, closure.text

    def figures() -> Any:
        summary = _summary(stack, staff)
        return summary["complaints"] == 2 and summary["by_status"].get("closed") == 1 and summary

    before = wait_until_sync(figures, timeout=30, message="dashboard figures")
    history = httpx.get(stack.url("REPORTING", f"/api/complaints/{web_id}/history"), headers=staff)
    assert history.status_code == 200, history.text
    wait_until_sync(lambda: _letters(stack, "closure"), timeout=30, message="closure letter")

    assert stack.stop() == 0, stack.text()
    assert "klachten stopped cleanly" in stack.text()
    _check_the_complaints_trace(stack, web_id)

    _report_figures("restart", stack.start(), stack)
    assert "COMPLAINTS (" in stack.text() and "COMPLAINTS (created)" not in stack.text()
    assert "(new)" not in stack.text()  # the staff token is kept, not regenerated
    after = wait_until_sync(lambda: _summary(stack, staff), timeout=30, message="summary")
    for key in ("complaints", "by_status", "escalations", "inflow"):
        assert after[key] == before[key], key
    state = httpx.get(complaint, headers=staff).json()
    assert state["status"] == "closed"
    by_reference = subprocess.run(
        [KLACHTEN, "trace", web.json()["reference"].lower()],
        env=stack.env,
        capture_output=True,
        text=True,
    )
    assert by_reference.returncode == 0, by_reference.stderr
    assert f"trace {UUID(web_id).int:032x}" in by_reference.stdout
    unknown = subprocess.run(
        [KLACHTEN, "trace", "KL-1999-999999"], env=stack.env, capture_output=True, text=True
    )
    assert unknown.returncode == 2 and "no complaint has reference" in unknown.stderr
    assert len(_letters(stack, "acknowledgement")) == 2  # nothing sent twice

    # A crashed service is restarted, and the restart is logged.
    os.kill(stack.pids()["intake"], signal.SIGKILL)
    wait_until_sync(lambda: "intake restarted" in stack.text(), timeout=30, message="restart")
    health = lambda: httpx.get(stack.url("INTAKE", "/health")).json()["status"] == "ok"  # noqa: E731
    wait_until_sync(health, timeout=30, message="intake healthy again")
    assert "exited unexpectedly" in (stack.data_dir / "logs" / "klachten-up.log").read_text()
    assert stack.stop() == 0, stack.text()
    for log in (stack.data_dir / "logs").glob("*.log"):
        assert token not in log.read_text(errors="replace"), log.name
