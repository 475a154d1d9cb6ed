"""Checkpoints against the log: the stream's own chain, checkpoints an auditor kept, coverage.

Pure: every function takes copies (messages, checkpoints, the keyring, now) and returns what it
found. Rules (docs/verification.md, "Verifying"):
- a checkpoint whose signature fails is reported and then ignored: none of its fields is used;
- the checkpoint chain runs 1, 2, 3… without a gap, each naming the previous one's digest; a new
  start (number 1 again) or a gap is an alarm;
- a trusted checkpoint (from the witness file or kept by the auditor) must be extended by today's
  log: the chain heads at its sequence give its root; the stream must hold that same checkpoint;
  a different root at the same sequence is an equivocation, reported with both roots;
- events after the last valid checkpoint are a warning while younger than the bound, else a
  failure; a log with events and no checkpoint at all is never silently OK.
The witness file is JSON Lines, one checkpoint (with its events) per line, append-only.
(About 310 lines: the verification rules of docs/verification.md in one place, in its order.)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from shared.contract import subjects
from shared.eventstore.link import JetStreamLink, RawMsg
from shared.integrity import checkpoints as cps
from shared.integrity.audit import Break, ChainChecker, Verdict, read_all, stream_bounds
from shared.integrity.keyring import Keyring
from shared.integrity.signing import Keyring as WritersKeyring

DEFAULT_BOUND = timedelta(minutes=10)  # the checkpointer signs every minute with new events


@dataclass
class LogReport:
    """Chains plus checkpoints: every problem, warnings, and the first point of divergence."""

    verdict: Verdict
    checkpoints: int = 0
    checkpoints_ok: int = 0
    trusted: int = 0
    trusted_ok: int = 0
    covered_to: int = 0
    problems: list[Break] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict.ok and not self.problems

    @property
    def first_divergence(self) -> Break | None:
        found = self.verdict.breaks + self.problems
        in_log = [b for b in found if b.seq]  # seq 0: a checkpoint, not a place in the log
        return min(in_log or found, key=lambda b: b.seq) if found else None


def check_log(
    messages: Iterable[RawMsg],
    first_seq: int,
    last_seq: int,
    checkpoint_msgs: Sequence[RawMsg],
    keys: Keyring,
    *,
    trusted: Sequence[cps.Checkpoint] = (),
    now: datetime | None = None,
    bound: timedelta = DEFAULT_BOUND,
    writers: WritersKeyring | None = None,
) -> LogReport:
    """`keys`: the checkpoint signer's keyring; `writers`: the writers' (integrity/signing.py)."""
    walk = cps.Walk(ChainChecker(first_seq, writers))
    times: dict[int, datetime] = {}
    for msg in messages:
        walk.feed(msg)
        times[msg.seq] = msg.timestamp
    verdict = walk.checker.verdict
    if last_seq and verdict.last_seq < last_seq:
        verdict.breaks.append(
            Break(verdict.last_seq + 1, "", None, f"messages up to {last_seq} could not be read")
        )
    report = LogReport(verdict, checkpoints=len(checkpoint_msgs), trusted=len(trusted))
    chain = _stream_chain(checkpoint_msgs, keys, walk, report)
    _trusted(trusted, keys, walk, chain, report)
    if now is not None:
        _coverage(report, times, now, bound)
    return report


def _stream_chain(
    msgs: Sequence[RawMsg], keys: Keyring, walk: cps.Walk, report: LogReport
) -> dict[int, cps.Checkpoint]:
    """The valid checkpoints of the stream by number; problems into `report`."""
    valid: dict[int, cps.Checkpoint] = {}
    previous: cps.Checkpoint | None = None
    previous_bad = False
    expected_msg = 1  # CHECKPOINTS is never purged: its first message is 1
    for msg in msgs:
        where = f"CHECKPOINTS message {msg.seq}"
        if msg.seq != expected_msg:
            missing = f"CHECKPOINTS messages {expected_msg}..{msg.seq - 1} are missing"
            report.problems.append(Break(0, "", None, missing))
        expected_msg = msg.seq + 1
        cp = _decoded(msg.data)
        if cp is None or not cps.signature_ok(cp, keys):
            why = "unreadable" if cp is None else _bad_signature(cp, keys)
            report.problems.append(Break(0, "", None, f"{where}: {why}; not used"))
            previous_bad = True
            continue
        problems = _link_problems(cp, previous, previous_bad, where)
        problems += _extends(cp, walk, where, "checkpoint")
        for seq, text in problems:
            report.problems.append(Break(seq, "", None, text))
        if not problems:
            report.checkpoints_ok += 1
            report.covered_to = max(report.covered_to, cp.seq)
        valid[cp.number] = cp
        previous, previous_bad = cp, False
    return valid


def _link_problems(
    cp: cps.Checkpoint, previous: cps.Checkpoint | None, previous_bad: bool, where: str
) -> list[tuple[int, str]]:
    if previous is None and not previous_bad:
        if cp.number != 1 or cp.prev:
            return [(1, f"{where} is number {cp.number}: the checkpoints before it are missing")]
        return []
    if previous is None:
        return []
    if cp.number == 1:
        return [
            (
                previous.seq + 1,
                f"{where}: the checkpoint chain starts again at number 1 after number "
                f"{previous.number} (a restart: the chain was cut or replaced)",
            )
        ]
    if cp.number != previous.number + 1 and not previous_bad:
        return [
            (
                previous.seq + 1,
                f"{where}: checkpoint number {cp.number} follows "
                f"{previous.number} (a gap in the checkpoint chain)",
            )
        ]
    if cp.prev != previous.digest() and not previous_bad:
        return [
            (
                previous.seq + 1,
                f"{where} does not name the previous checkpoint's digest "
                "(a checkpoint was removed, inserted or reordered)",
            )
        ]
    return []


def _trusted(
    trusted: Sequence[cps.Checkpoint],
    keys: Keyring,
    walk: cps.Walk,
    chain: dict[int, cps.Checkpoint],
    report: LogReport,
) -> None:
    for n, cp in enumerate(trusted, start=1):
        where = f"trusted checkpoint {n}"
        if not cps.signature_ok(cp, keys):
            report.problems.append(Break(0, "", None, f"{where}: {_bad_signature(cp, keys)}"))
            continue
        where = f"trusted checkpoint number {cp.number} (sequence {cp.seq})"
        problems = _extends(cp, walk, where, "trusted checkpoint")
        mine = chain.get(cp.number)
        if mine is None:
            problems.append(
                (
                    0,
                    f"{where} is not in CHECKPOINTS (the checkpoint stream "
                    "was restarted, cut or replaced)",
                )
            )
        elif mine.seq == cp.seq and mine.heads_root != cp.heads_root:
            problems.append(
                (
                    cp.seq,
                    f"equivocation at sequence {cp.seq}: the trusted "
                    f"checkpoint signed root {cp.heads_root}, CHECKPOINTS holds root "
                    f"{mine.heads_root}",
                )
            )
        elif mine.digest() != cp.digest():
            problems.append(
                (
                    0,
                    f"{where}: CHECKPOINTS holds another checkpoint number "
                    f"{cp.number} (sequence {mine.seq}, root {mine.heads_root})",
                )
            )
        for seq, text in problems:
            report.problems.append(Break(seq, "", None, text))
        report.trusted_ok += not problems


def _extends(cp: cps.Checkpoint, walk: cps.Walk, where: str, what: str) -> list[tuple[int, str]]:
    """Does the log still hold what `cp` signed? If not, name the first event that differs."""
    last = walk.checker.verdict.last_seq
    if cp.seq > last:
        return [
            (
                last + 1,
                f"{where} covers up to sequence {cp.seq} but the log ends at {last} "
                "(messages were removed at the end)",
            )
        ]
    root = cps.merkle_root(walk.heads_at(cp.seq))
    if root == cp.heads_root:
        return []
    if cp.events_ok():
        mine = {seq: (cid, version, head) for seq, cid, version, head in walk.since(0)}
        for seq, cid, version, head in cp.events or []:
            found = mine.get(seq)
            if found is None:
                return [(seq, f"{where}: complaint {cid} version {version} is missing")]
            if found != (cid, version, head):
                return [
                    (
                        seq,
                        f"{where}: complaint {cid} version {version} differs from the "
                        f"signed hash (rewritten); the {what} signed {head}",
                    )
                ]
    return [
        (
            cp.seq,
            f"{where}: the chain heads at sequence {cp.seq} give root {root}, the "
            f"{what} signed {cp.heads_root} (a change at or before sequence {cp.seq})",
        )
    ]


def _coverage(report: LogReport, times: dict[int, datetime], now: datetime, bound: timedelta):
    uncovered = sorted(s for s in times if s > report.covered_to)
    if not uncovered:
        return
    age = now - times[uncovered[0]]
    text = (
        f"{len(uncovered)} messages (sequences {uncovered[0]}..{uncovered[-1]}) are covered by "
        f"no valid checkpoint; the oldest was written {_minutes(age)} ago"
    )
    if age > bound:
        allowed = f"more than the allowed {_minutes(bound)}: is the checkpointer running?"
        report.problems.append(Break(uncovered[0], "", None, f"{text}, {allowed}"))
    else:
        report.warnings.append(text)


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:.1f} min"


def _decoded(data: bytes) -> cps.Checkpoint | None:
    try:
        return cps.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _bad_signature(cp: cps.Checkpoint, keys: Keyring) -> str:
    if keys.public(cp.key_id) is None:
        return f"signed by key {cp.key_id!r}, which is not in the keyring"
    return f"signature invalid for key {cp.key_id} (altered)"


# --- the witness file ----------------------------------------------------------------------------


def append_witness(path: Path, cp: cps.Checkpoint) -> None:
    """One line per checkpoint, appended and flushed to disk before the checkpoint counts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, msgspec.json.encode(cp) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)


def read_trusted(path: Path) -> list[cps.Checkpoint]:
    """Checkpoints from a witness file (JSON Lines) or one checkpoint kept as a JSON file."""
    out = []
    text = path.read_text(encoding="utf-8")
    lines = [text] if text.lstrip().startswith("{\n") else text.splitlines()
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append(cps.decode(line.encode()))
        except (msgspec.DecodeError, msgspec.ValidationError) as e:
            raise ValueError(f"{path}, line {n}: not a checkpoint ({e})") from None
    return out


async def verify_log(link: JetStreamLink, keys: Keyring, **options: Any) -> LogReport:
    """`check_log` over the live streams (options: trusted, now, bound, writers)."""
    first, last = await stream_bounds(link, subjects.COMPLAINTS_STREAM)
    messages = [m async for m in read_all(link, subjects.COMPLAINTS_STREAM, first)]
    checkpoint_msgs = await cps.read_checkpoints(link)
    return check_log(messages, first, last, checkpoint_msgs, keys, **options)
