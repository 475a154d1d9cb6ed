"""Tamper evidence: walk the log and check every complaint's hash chain and the sequence.

Each event's headers carry ``Klachten-Prev-Hash`` and ``Klachten-Hash``
(shared/eventstore/layout.py). An edit of a stored event changes its hash; a removed, inserted
or reordered event breaks the next event's link; a removed message also leaves a gap in the stream
sequence. `check` reports the first place where any of that happens (complaint, version, stream
sequence)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.layout import HASH_HEADER, PREV_HASH_HEADER, TOPIC_HEADER, chain_hash
from shared.eventstore.link import JetStreamLink, RawMsg
from shared.integrity import authorship, redecide
from shared.integrity.signing import Keyring

PAGE = 1000
NOT_AN_EVENT_SUBJECT = "has a subject that is not complaints.<id>.<version>.<type>"


@dataclass(frozen=True)
class Break:
    seq: int
    complaint_id: str
    version: int | None
    problem: str

    def __str__(self) -> str:
        where = f"complaint {self.complaint_id} version {self.version}" if self.complaint_id else ""
        if not self.seq:  # not a place in the log (a checkpoint that cannot be used)
            return self.problem
        return f"stream sequence {self.seq}: {where} {self.problem}".replace("  ", " ")


@dataclass
class Verdict:
    messages: int = 0
    events: int = 0
    complaints: int = 0
    last_seq: int = 0
    breaks: list[Break] = field(default_factory=list)
    heads: dict[str, str] = field(default_factory=dict)  # complaint id -> hash of its last event

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first_break(self) -> Break | None:
        return self.breaks[0] if self.breaks else None


@dataclass(frozen=True)
class LinkCheck:
    """One event's place in its chain, for the audit trail."""

    seq: int
    version: int
    hash: str
    ok: bool
    problem: str | None


def check_event(msg: RawMsg, prev_hash: str, prev_version: int | None) -> LinkCheck:
    parsed = subjects.parse_event_subject(msg.subject)
    version = 0 if parsed is None else parsed.version
    stated_prev = msg.headers.get(PREV_HASH_HEADER)
    stated = msg.headers.get(HASH_HEADER)
    topic = msg.headers.get(TOPIC_HEADER, "")
    problem = None
    if parsed is None:
        problem = NOT_AN_EVENT_SUBJECT
    elif stated is None or stated_prev is None:
        problem = "has no hash chain headers"
    elif chain_hash(stated_prev, msg.subject, topic, msg.data) != stated:
        problem = "content does not match its hash (the event was altered)"
    elif stated_prev != prev_hash:
        problem = "does not link to the previous event (an event was removed, inserted or moved)"
    elif prev_version is not None and version != prev_version + 1:
        problem = f"follows version {prev_version} (a version is missing)"
    return LinkCheck(msg.seq, version, stated or "", problem is None, problem)


class ChainChecker:
    """Feeds on every message of the stream in order; keeps only one head per complaint."""

    def __init__(self, first_seq: int = 1, keyring: Keyring | None = None) -> None:
        self.keyring = (
            keyring  # with one, each event's writer is checked (shared/integrity/authorship.py)
        )
        self.verdict = Verdict()
        self._versions: dict[str, int] = {}
        self._expected_seq = first_seq
        self._replay = (
            redecide.Replay()
        )  # would the rules have allowed it? (shared/integrity/redecide.py)

    def feed(self, msg: RawMsg) -> None:
        v = self.verdict
        v.messages += 1
        if msg.seq != self._expected_seq:
            missing = f"messages {self._expected_seq}..{msg.seq - 1} are missing"
            v.breaks.append(Break(self._expected_seq, "", None, missing))
        self._expected_seq = msg.seq + 1
        v.last_seq = msg.seq
        if not msg.subject.startswith("complaints."):
            return
        parsed = subjects.parse_event_subject(msg.subject)
        if parsed is None:  # no chain to place it in
            v.breaks.append(Break(msg.seq, "", None, f"{NOT_AN_EVENT_SUBJECT} ({msg.subject})"))
            return
        cid = parsed.complaint_id
        link = check_event(msg, v.heads.get(cid, ""), self._versions.get(cid))
        v.events += 1
        if not link.ok:
            v.breaks.append(Break(msg.seq, cid, link.version, link.problem or ""))
        for problem in authorship.event_problems(msg, self.keyring):
            v.breaks.append(Break(msg.seq, cid, link.version, problem))
        refused = self._redecide(msg)
        if refused:
            v.breaks.append(Break(msg.seq, cid, link.version, f"the rules refuse it: {refused}"))
        v.heads[cid] = link.hash
        self._versions[cid] = link.version
        v.complaints = len(v.heads)

    def _redecide(self, msg: RawMsg) -> str | None:
        try:
            fact = ev.decode(msg.data)
        except Exception:
            return None  # an unreadable body is reported as such (shared/integrity/authorship.py)
        return self._replay.feed(fact)


def check(messages: Iterable[RawMsg], first_seq: int = 1) -> Verdict:
    """Check chains and sequence contiguity over every message of the stream, in order."""
    checker = ChainChecker(first_seq)
    for msg in messages:
        checker.feed(msg)
    return checker.verdict


async def read_all(
    link: JetStreamLink, stream: str = subjects.COMPLAINTS_STREAM, start: int = 1
) -> AsyncIterator[RawMsg]:
    """Every message of the stream from `start`, in sequence order (batch direct get)."""
    seq = start
    while True:
        page = await link.direct_batch(stream, {"seq": seq, "next_by_subj": ">", "batch": PAGE})
        for msg in page:
            yield msg
        if len(page) < PAGE:
            return
        seq = page[-1].seq + 1


async def stream_bounds(link: JetStreamLink, stream: str) -> tuple[int, int]:
    info = await link.api(f"STREAM.INFO.{stream}")
    state = info["state"]
    return int(state["first_seq"]), int(state["last_seq"])


async def verify(
    link: JetStreamLink, stream: str = subjects.COMPLAINTS_STREAM, keyring: Keyring | None = None
) -> Verdict:
    first, last = await stream_bounds(link, stream)
    checker = ChainChecker(first, keyring)
    async for msg in read_all(link, stream, first):
        checker.feed(msg)
    verdict = checker.verdict
    if last and verdict.last_seq < last:
        verdict.breaks.append(
            Break(verdict.last_seq + 1, "", None, f"messages up to {last} could not be read")
        )
    return verdict


# Signed checkpoints and what they prove: shared/integrity/checkpoints.py and anchoring.py.
