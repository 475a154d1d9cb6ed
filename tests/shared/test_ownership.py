"""One owner per store: the folder lock, and nats-server keeping it for as long as it runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from klachten.stack.natsserver import EmbeddedNats, NatsServerError
from klachten.stack.ownership import FolderInUse, FolderLock, running
from tests.support.checkout import REPO_ROOT
from tests.support.polling import wait_until_sync


def test_a_second_holder_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    first = FolderLock(tmp_path / "x.lock", "klachten up").acquire()

    with pytest.raises(FolderInUse) as refused:
        FolderLock(tmp_path / "x.lock", "klachten up").acquire()

    assert refused.value.pid == os.getpid()
    assert f"klachten up (pid {os.getpid()})" in str(refused.value)
    first.release()
    FolderLock(tmp_path / "x.lock", "klachten up").acquire().release()  # free again


def test_a_second_server_on_one_store_is_refused(nats_server: EmbeddedNats) -> None:
    with pytest.raises(NatsServerError, match=f"in use by nats-server pid {nats_server.pid}"):
        EmbeddedNats(nats_server.data_dir).start(timeout=10)
    assert nats_server.running


def test_the_server_keeps_the_store_locked_after_its_starter_died(tmp_path: Path) -> None:
    """A starter SIGKILLed without die_with_parent leaves its server running: that server
    still holds the lock, so nobody opens the store a second time."""
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER, str(tmp_path / "nats")],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
    )
    assert starter.stdout is not None
    server_pid = int(starter.stdout.readline())
    starter.kill()
    starter.wait()
    try:
        with pytest.raises(NatsServerError, match=f"nats-server pid {server_pid}"):
            EmbeddedNats(tmp_path / "nats").start(timeout=10)
    finally:
        os.kill(server_pid, signal.SIGKILL)
    wait_until_sync(lambda: not running(server_pid), timeout=30, message="server gone")
    EmbeddedNats(tmp_path / "nats").start(timeout=30).stop()  # the lock died with it


STARTER = """
import sys, time
from klachten.stack.natsserver import EmbeddedNats
server = EmbeddedNats(sys.argv[1]).start(timeout=30)
print(server.pid, flush=True)
time.sleep(600)
"""
