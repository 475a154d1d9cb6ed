"""`python -m klachten.stack.checkpointer`: anchor the log by default, as its own process and
NATS user.

Every KLACHTEN_CHECKPOINT_INTERVAL seconds (60) with new messages, once at start and once when
told to stop, it signs the head of COMPLAINTS with the signer's key (shared/integrity/keyring.py,
kept outside the data folder), publishes the checkpoint to CHECKPOINTS and appends it to the witness
file (KLACHTEN_WITNESS_FILE, default <signer folder>/witness.jsonl) that the auditor collects.

It refuses, loudly and every round, to sign when the checkpoint chain in the stream no longer
holds what the witness holds (the stream was cut, restarted or replaced), when the last
checkpoint was signed by a key the keyring does not know, or when the log no longer extends the
last checkpoint (rewritten or truncated). A missing signing key stops it (exit 2).
`klachten up` runs it; its status for readiness is <data dir>/run/checkpointer.json.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from shared.config.settings import Settings
from shared.eventstore.link import COMMAND_CONNECT, JetStreamLink
from shared.integrity import checkpoints as cps
from shared.integrity import keyring
from shared.integrity.anchoring import append_witness, read_trusted
from shared.integrity.audit import read_all, stream_bounds

log = logging.getLogger("klachten.checkpointer")
EXIT_NO_KEY = 2


class ChainBroken(Exception):
    """The checkpoint chain is not what was signed before: an alarm, never signed over."""


@dataclass(frozen=True)
class CheckpointerSettings(Settings):
    nats_user = "checkpointer"

    signer_dir: str = ""  # default: shared.integrity.keyring.signer_dir(data_dir)
    witness_file: str = ""  # default: <signer dir>/witness.jsonl
    checkpoint_interval: float = 60.0

    @property
    def signer(self) -> Path:
        return keyring.signer_dir(self.data_dir, settings=self)

    @property
    def witness(self) -> Path:
        return Path(self.witness_file) if self.witness_file else self.signer / "witness.jsonl"


def status_path(data_dir: Path) -> Path:
    return data_dir / "run" / "checkpointer.json"


def ran_once(data_dir: Path, pid: int | None) -> bool:
    """Readiness for `klachten up`: this process finished its first round (alarms are logged)."""
    try:
        return json.loads(status_path(data_dir).read_text()).get("pid") == pid
    except (OSError, ValueError):
        return False


def preflight(data_dir: Path) -> Path:
    """Before `klachten up` starts anything: the signer's key is there (made on the very first
    start), else KeyringError; returns the signer folder."""
    settings = CheckpointerSettings.from_env(credentials=False)
    folder = keyring.signer_dir(data_dir, settings=settings)
    keyring.signing_key(folder, since=datetime.now(UTC).isoformat())
    return folder


def sign_now(
    link: JetStreamLink, signer: Path, witness: Path, now: datetime, *, force: bool = False
) -> cps.Checkpoint | None:
    """Sign the log's head if it has news; None when the last checkpoint already covers it."""
    key = keyring.signing_key(signer, since=now.isoformat())
    keys = keyring.load(signer / keyring.KEYRING)
    witnessed = read_trusted(witness) if witness.exists() else []

    async def run() -> cps.Checkpoint | None:
        existing = await cps.read_checkpoints(link)
        previous = cps.decode(existing[-1].data) if existing else None
        check_chain(previous, witnessed, keys)
        first, last = await stream_bounds(link, "COMPLAINTS")
        if previous is not None and previous.seq >= last:
            return None
        messages = [m async for m in read_all(link, "COMPLAINTS", first)]
        cp, checker = cps.make_checkpoint(messages, first, previous, key, now)
        if not checker.verdict.ok and not force:
            raise ChainBroken(
                f"not signing a log that does not verify: {checker.verdict.first_break}"
            )
        await cps.publish(link, cp)
        append_witness(witness, cp)
        return cp

    return link.run(run(), timeout=600)


def check_chain(
    previous: cps.Checkpoint | None, witnessed: list[cps.Checkpoint], keys: keyring.Keyring
) -> None:
    """The stream's last checkpoint must be ours and at least as far as the witness's last."""
    if previous is not None and not cps.signature_ok(previous, keys):
        raise ChainBroken(
            f"the last checkpoint in CHECKPOINTS (number {previous.number}) is signed by key "
            f"{previous.key_id}, which the signer's keyring does not hold, or is altered"
        )
    if not witnessed:
        return
    last = witnessed[-1]
    if previous is None or previous.number < last.number:
        have = f"number {previous.number}" if previous else "none"
        raise ChainBroken(
            f"the witness holds checkpoint number {last.number} but CHECKPOINTS ends at {have}: "
            "the checkpoint stream was cut or replaced"
        )
    if previous.number == last.number and previous.digest() != last.digest():
        raise ChainBroken(
            f"checkpoint number {last.number} in CHECKPOINTS differs from the witness's "
            f"(root {previous.heads_root} against {last.heads_root})"
        )


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = CheckpointerSettings.from_env()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    link = JetStreamLink(settings.nats_url, name="klachten-checkpointer", **COMMAND_CONNECT)
    try:
        while True:
            if not round_(link, settings):
                return EXIT_NO_KEY
            if stop.wait(settings.checkpoint_interval) or stop.is_set():
                round_(link, settings)  # the last one, at shutdown
                return 0
    finally:
        link.close()


def round_(link: JetStreamLink, settings: CheckpointerSettings) -> bool:
    """One round; False when the key is missing (the process must stop, loudly)."""
    problem = None
    try:
        cp = sign_now(link, settings.signer, settings.witness, datetime.now(UTC))
        if cp is not None:
            log.info("checkpoint %d at sequence %d, key %s", cp.number, cp.seq, cp.key_id)
    except keyring.KeyringError as error:
        log.critical("%s", error)
        _status(settings.data_dir, str(error))
        return False
    except (ChainBroken, cps.NotExtending) as error:
        problem = str(error)
        log.error("ALARM, not signing: %s", problem)
    except Exception as error:  # NATS away for a moment: the next round tries again
        problem = f"{type(error).__name__}: {error}"
        log.warning("no checkpoint this round: %s", problem)
    _status(settings.data_dir, problem)
    return True


def _status(data_dir: Path, problem: str | None) -> None:
    path = status_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    body = {"at": datetime.now(UTC).isoformat(), "problem": problem, "pid": os.getpid()}
    tmp.write_text(json.dumps(body))
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
