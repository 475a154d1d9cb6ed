"""`klachten up` on a shrunken log, the whole stack as a user runs it (issue 19, item 4): a
stack takes complaints and stops; a block file of COMPLAINTS is cut while it is stopped; the
next `klachten up` exits 2 naming the regression and the recovery command; after the backup is
restored and `klachten recover --accept-shrunken-log` it starts, is ready and takes complaints.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx

from shared.eventstore import highwater
from tests.faults.test_fault_shrink import damage
from tests.faults.test_fault_stack import pids, up_once  # noqa: F401 (the fixture)
from tests.support.checkout import REPO_ROOT
from tests.support.faults import KLACHTEN, STAFF, Stack
from tests.support.polling import wait_until_sync

COMPLAINTS = 4


def submit(stack: Stack, n: int) -> int:
    body = {
        "channel": "web",
        "complainant": {"name": "Jan de Vries", "email": f"jan{n}@example.org"},
        "subject": "Geen reactie",
        "description": "Ik wacht al maanden op een antwoord op mijn brief.",
    }
    headers = {**STAFF, "Idempotency-Key": f"shrink-up-{n}"}
    url = stack.url("INTAKE", "/api/complaints")
    return httpx.post(url, json=body, headers=headers, timeout=120).status_code


def test_up_refuses_a_shrunken_log_and_starts_after_restore_and_recover(
    tmp_path: Path,
    pids: set[int],  # noqa: F811
) -> None:
    data = tmp_path / "data"
    stack = Stack(data)
    stack.start()
    assert stack.process is not None
    pids.add(stack.process.pid)
    assert [submit(stack, n) for n in range(COMPLAINTS)] == [201] * COMPLAINTS
    # The services record what they saw (acknowledgements follow the submissions).
    wait_until_sync(lambda: highwater.recorded(data) >= 2 * COMPLAINTS, timeout=120,
                    interval=0.5, message="high-water recorded")  # fmt: skip
    assert stack.stop() == 0, stack.text()[-2000:]
    seen = highwater.recorded(data)

    backup = tmp_path / "backup"
    shutil.copytree(data / "nats", backup)
    what = damage(data / "nats")

    code, said = up_once(Stack(data), pids)
    print(f"\n[shrink-up] {what}, {seen} seen: {said[-400:]}")
    assert code == 2, said
    assert "klachten up refused" in said, said
    assert "lost messages" in said or "shrank" in said, said
    assert "klachten recover --accept-shrunken-log" in said, said

    shutil.rmtree(data / "nats")
    shutil.copytree(backup, data / "nats")
    recovered = subprocess.run(
        [KLACHTEN, "recover", "--accept-shrunken-log"], cwd=REPO_ROOT, env=Stack(data).env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr

    again = Stack(data)
    again.output = tmp_path / "up-again.out"
    again.start()
    assert again.process is not None
    pids.add(again.process.pid)
    ready = httpx.get(again.url("INTAKE", "/health/ready"), timeout=30)
    assert ready.status_code == 200, ready.text
    assert submit(again, COMPLAINTS) == 201
    assert again.stop() == 0, again.text()[-2000:]
