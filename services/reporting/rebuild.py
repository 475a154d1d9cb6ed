"""Rebuild: replay the whole log into a fresh store, then compare it with the live store.

The replay reads every message of the stream (not only complaint events) so it can check
that stream sequences are contiguous: a missing message is an unexplained gap and stops the
rebuild loudly (JetStream can silently lose a message from a damaged block). Writes go in
batches, each batch and its tracking position in one transaction, through the same view
class and fold as the live projection. The comparison is made at the live store's position.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from eventsourcing.persistence import Tracking

from services.reporting import log
from services.reporting.complaints_log import SOURCE_NAME
from services.reporting.dump import dump_hash, first_difference
from services.reporting.fold import Undecodable
from services.reporting.view import ReportingView
from shared.contract import subjects
from shared.eventstore.link import JetStreamLink
from shared.integrity.audit import NOT_AN_EVENT_SUBJECT, Break, check_event, stream_bounds

BATCH = 1000
Progress = Callable[[int, int, float], None]  # (sequence reached, last sequence, events/s)


class SequenceGap(RuntimeError):
    """The stream has a hole where a message should be; the replay cannot be trusted."""


@dataclass
class Rebuild:
    first_seq: int = 1
    last_seq: int = 0
    position: int = 0
    messages: int = 0
    events: int = 0
    seconds: float = 0.0
    dead_letters: list[Undecodable] = field(default_factory=list)
    chain_breaks: list[Break] = field(default_factory=list)
    live_position: int | None = None
    live_hash: str | None = None
    rebuilt_hash: str | None = None
    difference: str | None = None

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def equal(self) -> bool | None:
        if self.live_hash is None:
            return None
        return self.live_hash == self.rebuilt_hash


class LinkChecker:
    """What a replay must check to be trusted: the stream's sequences are contiguous and each
    event links to its complaint's previous one (the audit's `check_event`). The audit's other
    checks are not repeated here: the claims (subject, topic and body agree) are the mapper's,
    whose refusal makes a dead letter; who wrote an event and whether the rules allowed it are
    `klachten audit verify`'s (a copy of the complaint per event took two thirds of a rebuild).
    Breaks are worded as the audit's."""

    def __init__(self, first_seq: int) -> None:
        self.expected = first_seq
        self.heads: dict[str, tuple[str, int]] = {}  # complaint id -> (hash, version) of its last

    def feed(self, msg: log.RawMsg, parsed: subjects.EventSubject | None) -> list[Break]:
        """The breaks at `msg` (`parsed`: its subject parsed, None if not an event subject)."""
        out = []
        if msg.seq != self.expected:
            missing = f"messages {self.expected}..{msg.seq - 1} are missing"
            out.append(Break(self.expected, "", None, missing))
        self.expected = msg.seq + 1
        if not msg.subject.startswith("complaints."):
            return out
        if parsed is None:  # no chain to place it in
            return [*out, Break(msg.seq, "", None, f"{NOT_AN_EVENT_SUBJECT} ({msg.subject})")]
        cid = parsed.complaint_id
        head, version = self.heads.get(cid, ("", None))
        link = check_event(msg, head, version)
        if not link.ok:
            out.append(Break(msg.seq, cid, link.version, link.problem or ""))
        self.heads[cid] = (link.hash, link.version)
        return out


class Replayer:
    """Feeds stream messages into a view, checking sequence contiguity on the way."""

    def __init__(self, link: JetStreamLink, view: ReportingView, result: Rebuild) -> None:
        self.link, self.view, self.result = link, view, result
        self.checker = LinkChecker(result.first_seq)
        self.next_seq = result.first_seq

    def run_to(self, stop: int, progress: Progress | None = None) -> None:
        if stop < self.next_seq:
            return
        started = time.perf_counter()
        items: list[log.Item] = []
        for msg in log.messages(self.link, self.next_seq, stop):
            complaint = msg.subject.startswith("complaints.")
            parsed = subjects.parse_event_subject(msg.subject) if complaint else None
            self._check(msg, parsed)
            item = log.parsed_item(msg, parsed) if complaint else None
            if item is not None:
                items.append(item)
            if len(items) >= BATCH:
                self._write(items, msg.seq)
                items = []
                if progress:
                    elapsed = self.result.seconds + time.perf_counter() - started
                    progress(msg.seq, self.result.last_seq, self.result.events / elapsed)
        if self.next_seq <= stop and stop <= self.result.last_seq:
            missing = f"messages {self.next_seq}..{stop} could not be read"
            raise SequenceGap(f"stream sequence {self.next_seq}: {missing}")
        self._write(items, stop)
        self.result.seconds += time.perf_counter() - started
        if progress:
            progress(stop, self.result.last_seq, self.result.rate)

    def _check(self, msg: log.RawMsg, parsed: subjects.EventSubject | None) -> None:
        for b in self.checker.feed(msg, parsed):
            if not b.complaint_id:  # a sequence gap, not a chain problem of one complaint
                raise SequenceGap(str(b))
            self.result.chain_breaks.append(b)
        self.next_seq = msg.seq + 1
        self.result.messages += 1

    def _write(self, items: list[log.Item], position: int) -> None:
        if position <= self.result.position:
            return
        self.result.dead_letters += self.view.apply_batch(items, Tracking(SOURCE_NAME, position))
        self.result.events += len(items)
        self.result.position = position


def rebuild(
    link: JetStreamLink,
    fresh: ReportingView,
    live: ReportingView | None,
    progress: Progress | None = None,
    stop: int | None = None,
) -> Rebuild:
    """Replay into `fresh` (an empty store), compare with `live` at its position, finish."""
    first, last = link.run(stream_bounds(link, log.STREAM))
    result = Rebuild(first_seq=max(first, 1), last_seq=last if stop is None else min(stop, last))
    replayer = Replayer(link, fresh, result)
    if live is not None and live.position() > 0:
        for _ in range(10):  # the live store may move on while we catch up with it
            target = live.position()
            if target > result.last_seq and stop is None:
                result.last_seq = link.run(stream_bounds(link, log.STREAM))[1]
            replayer.run_to(min(target, result.last_seq), progress)
            live_position, live_tables = live.snapshot()
            if live_position <= result.position:
                break
        result.live_position = live_position
        if live_position == result.position:
            _, rebuilt_tables = fresh.snapshot()
            result.live_hash, result.rebuilt_hash = (
                dump_hash(live_tables),
                dump_hash(rebuilt_tables),
            )
            result.difference = first_difference(live_tables, rebuilt_tables)
        else:
            result.difference = f"the live store moved on ({live_position}); compare again"
    replayer.run_to(result.last_seq, progress)
    return result
