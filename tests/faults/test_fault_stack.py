"""One stack per data folder (issue 24, items 1 and 7), with `klachten up` as a real process:
its children die with it, a hung child is found as an orphan by the next start, a second
stack on the same folder is refused, and shutdown is bounded by one deadline and honest.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from klachten.stack.ownership import running
from tests.support.checkout import REPO_ROOT
from tests.support.faults import KLACHTEN, Stack, child_commands
from tests.support.polling import wait_until_sync

STOP_TIMEOUT = 4  # seconds; the default is 15


@pytest.fixture
def pids() -> Iterator[set[int]]:
    """Pids to SIGKILL after the test whatever happened (a SIGSTOPped one needs it)."""
    found: set[int] = set()
    yield found
    for pid in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start(data_dir: Path, pids: set[int], **env: str) -> Stack:
    stack = Stack(data_dir, KLACHTEN_STOP_TIMEOUT=str(STOP_TIMEOUT), **env)
    stack.start()
    assert stack.process is not None
    pids.add(stack.process.pid)
    pids.update(child_commands(stack.process.pid))
    return stack


def up_once(stack: Stack, pids: set[int]) -> tuple[int, str]:
    """`klachten up` with `stack`'s environment, expected to refuse at once: its exit code
    and output (children of one that did not refuse are cleaned up by `pids`)."""
    process = subprocess.Popen(
        [KLACHTEN, "up"], cwd=REPO_ROOT, env=stack.env, stdout=subprocess.PIPE, text=True
    )
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        pids.update(child_commands(process.pid))
        process.kill()
        output, _ = process.communicate()
    return process.returncode, " ".join(output.split())


def test_a_sigkilled_up_takes_its_children_along_and_names_a_hung_one(
    tmp_path: Path, pids: set[int]
) -> None:
    stack = start(tmp_path / "data", pids)
    assert stack.process is not None
    children = child_commands(stack.process.pid)
    assert any("nats-server" in cmd for cmd in children.values()), children
    hung = stack.children()["notifier"]
    os.kill(hung, signal.SIGSTOP)  # cannot act on its parent's death: it stays, an orphan

    killed_at = time.monotonic()
    stack.process.kill()
    stack.process.wait()
    others = set(children) - {hung}
    wait_until_sync(
        lambda: not any(running(pid) for pid in others), timeout=30, message="children gone"
    )
    print(f"{len(others)} children gone {time.monotonic() - killed_at:.1f} s after SIGKILL")
    assert running(hung)

    code, said = up_once(Stack(tmp_path / "data"), pids)
    assert code == 1 and "klachten up refused" in said, said
    assert f"notifier (pid {hung})" in said and "--stop-orphans" in said, said

    stack.output.rename(tmp_path / "first-up.out")  # the next one writes there too
    second = start(tmp_path / "data", pids, KLACHTEN_STOP_ORPHANS="1")
    assert not running(hung)
    assert f"stopped notifier (pid {hung}) of an earlier klachten up (killed)" in second.text()
    assert second.stop() == 0
    assert "klachten stopped cleanly" in second.text()


def test_a_second_stack_is_refused_and_a_hung_service_costs_one_deadline(
    tmp_path: Path, pids: set[int]
) -> None:
    first = start(tmp_path / "data", pids)
    assert first.process is not None
    before = first.children()

    code, said = up_once(Stack(tmp_path / "data"), pids)  # other ports, the same folder
    assert code == 1 and "klachten up refused" in said, said
    assert f"klachten up (pid {first.process.pid})" in said, said
    assert first.process.poll() is None and first.children() == before
    assert '"status":"ok"' in _get(first.url("INTAKE", "/health/ready")).replace(" ", "")

    hung = ["reporting", "notifier", "sla_monitor"]
    for name in hung:
        os.kill(before[name], signal.SIGSTOP)
    asked = time.monotonic()
    first.process.send_signal(signal.SIGINT)
    first.process.wait(120)
    took = time.monotonic() - asked
    print(f"shutdown with {len(hung)} hung services took {took:.1f} s")

    said = " ".join(first.text().split())
    assert "cleanly" not in said
    assert f"did not stop within {STOP_TIMEOUT} s and had to be killed" in said, said[-2000:]
    for name in hung:
        assert name in said.rsplit("klachten stopped", 1)[1]
    assert "intake" not in said.rsplit("klachten stopped", 1)[1]
    # One deadline for all services (then nats-server's clean stop), not one per service.
    assert STOP_TIMEOUT <= took < 2 * STOP_TIMEOUT + 4, took


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()
