"""Reading the log itself: point-in-time replays, one complaint's audit trail, raw pages.

Everything here reads the COMPLAINTS stream directly (every subject, in sequence order; long
reads through an ephemeral ordered consumer, short ones by batch direct get) and turns each
complaint message into a fold input with the *same* tolerant mapper the live projection uses,
so a replay and the live view agree on what is undecodable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.persistence import JSONTranscoder

from services.reporting import fold, log_consumer
from services.reporting.complaints_log import TolerantMapper
from services.reporting.fold import ReadModel, Row, Undecodable
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.layout import TOPIC_HEADER, TracedNotification, as_id
from shared.eventstore.link import JetStreamLink, RawMsg, Unavailable
from shared.integrity.audit import PAGE, check_event

STREAM = subjects.COMPLAINTS_STREAM
_mapper = TolerantMapper(transcoder=JSONTranscoder())
Item = tuple[int, ev.Event | Undecodable]


def messages(link: JetStreamLink, start: int = 1, stop: int | None = None) -> Iterator[RawMsg]:
    """Every message of the stream from `start` (up to `stop`), in sequence order. A long read
    takes its pages from an ephemeral ordered consumer (services/reporting/log_consumer.py: a
    fifth of the server's work per message); a short one, or one no consumer name is free
    for, by batch direct gets."""
    if stop is not None and start > stop:
        return
    if (stop is None or stop - start >= PAGE) and log_consumer.may_use(link):
        yield from _consumed(link, start, stop)
    else:
        yield from _direct(link, start, stop)


def _consumed(link: JetStreamLink, start: int, stop: int | None) -> Iterator[RawMsg]:
    """`messages` through an ordered consumer, the next page asked for while the caller folds
    this one. A consumer gone while the caller paused (5 s without a pull) or a message lost
    on the way: a new one from the next sequence (at most 3 times in a row). Where the consumer
    stops short of `stop` (a short page: the end of the log as it then stood, or a page the
    server cut short under load: a 500k-event rebuild once stopped at 128,319 and only its
    contiguity check noticed), direct gets read on from there to their own end, so no reader
    ever ends earlier than one without a consumer."""
    reader = log_consumer.OrderedReader(link, STREAM)
    next_seq, retries = start, 0
    try:
        if not link.run(reader.open(start)):
            yield from _direct(link, start, stop)
            return
        with ThreadPoolExecutor(1, thread_name_prefix="log-page") as ahead:
            coming: Future[list[RawMsg]] | None = ahead.submit(link.run, reader.page(PAGE))
            while coming is not None:
                try:
                    page = coming.result()
                except Unavailable:
                    retries += 1
                    if retries > 3 or not link.run(reader.open(next_seq)):
                        break  # direct gets from next_seq (below)
                    coming = ahead.submit(link.run, reader.page(PAGE))
                    continue
                retries = 0
                more = len(page) == PAGE and (stop is None or page[-1].seq < stop)
                coming = ahead.submit(link.run, reader.page(PAGE)) if more else None
                for msg in page:
                    if stop is not None and msg.seq > stop:
                        return
                    next_seq = msg.seq + 1
                    yield msg
    finally:
        link.run(reader.close())
    if stop is None or next_seq <= stop:
        yield from _direct(link, next_seq, stop)


def _direct(link: JetStreamLink, start: int, stop: int | None) -> Iterator[RawMsg]:
    """`messages` by batch direct gets. The next page is asked for as soon as a page arrives,
    so the server reads it while the caller folds this one (a rebuild waited a sixth of its
    time for pages)."""

    def page_at(seq: int) -> Future[list[RawMsg]]:
        request = {"seq": seq, "next_by_subj": ">", "batch": PAGE}
        return ahead.submit(link.run, link.direct_batch(STREAM, request))

    with ThreadPoolExecutor(1, thread_name_prefix="log-page") as ahead:
        coming = page_at(start)
        while coming is not None:
            page = coming.result()
            more = len(page) == PAGE and (stop is None or page[-1].seq < stop)
            coming = page_at(page[-1].seq + 1) if more else None
            for msg in page:
                if stop is not None and msg.seq > stop:
                    return
                yield msg


def item_of(msg: RawMsg) -> Item | None:
    """The fold input of one message; None for messages that are not complaint events."""
    if not msg.subject.startswith("complaints."):
        return None
    return parsed_item(msg, subjects.parse_event_subject(msg.subject))


def parsed_item(msg: RawMsg, parsed: subjects.EventSubject | None) -> Item | None:
    """`item_of` a complaint message whose subject the caller parsed (a rebuild checks it)."""
    if parsed is None:
        claimed = subjects.claimed_complaint(msg.subject)
        return msg.seq, Undecodable(msg.seq, claimed, 0, "malformed subject")
    notification = TracedNotification(
        id=msg.seq,
        originator_id=as_id(parsed.complaint_id),
        originator_version=parsed.version,
        topic=msg.headers.get(TOPIC_HEADER, ""),
        state=msg.data,
        event_type=parsed.event_type,  # the mapper checks it against topic and body
    )
    event = _mapper.to_domain_event(notification)
    if isinstance(event, Undecodable):
        return msg.seq, event
    fact = getattr(event, "fact", None)
    return (msg.seq, fact) if isinstance(fact, ev.Event) else None


def when(msg: RawMsg, item: Item) -> datetime:
    fact = item[1]
    return fact.occurred_at if isinstance(fact, ev.Event) else msg.timestamp


@dataclass
class PointInTime:
    model: ReadModel
    position: int  # last stream sequence folded in
    moment: datetime | None  # the time answered for (as_of), else the last event's time


def replay_until(
    link: JetStreamLink,
    *,
    seq: int | None = None,
    at: datetime | None = None,
    base: PointInTime | None = None,
    start: int = 0,
    spans: list[tuple[int, int | None]] | None = None,
) -> PointInTime:
    """The read models as of stream sequence `seq` or as of time `at` (events that occurred
    at or before it), by folding the log from the start: correctness first, no shortcuts.
    snapshots.py passes `base`, the models as of stream position `start`, and the `spans` of
    the log still to fold (first, last) after it: the same fold of the rest."""
    model = base.model if base is not None else ReadModel()
    last_time: datetime | None = base.moment if base is not None else None
    later: set[str] = set()  # complaints submitted in the log, but after `at`
    for first, stop in spans or [(start + 1, seq)]:
        for msg in messages(link, first, stop):
            item = item_of(msg)
            if item is None:
                continue
            moment, fact = when(msg, item), item[1]
            if at is not None and moment > at:
                if isinstance(fact, ev.Submitted):
                    later.add(str(fact.complaint_id))
                continue
            if isinstance(fact, ev.Event) and str(fact.complaint_id) in later:
                continue  # stamped before its submission (clock skew): not yet a complaint at `at`
            fold.apply(model, *item)
            last_time = max(last_time, moment) if last_time else moment
    return PointInTime(model, model.position, at or last_time)


def complaint_messages(link: JetStreamLink, complaint_id: str) -> list[RawMsg]:
    filt = subjects.complaint_filter(complaint_id)
    out: list[RawMsg] = []
    seq = 1
    while True:
        page = link.run(
            link.direct_batch(STREAM, {"seq": seq, "next_by_subj": filt, "batch": PAGE})
        )
        out.extend(page)
        if len(page) < PAGE:
            return out
        seq = page[-1].seq + 1


def complaint_as_of(
    link: JetStreamLink, complaint_id: str, *, seq: int | None = None, at: datetime | None = None
) -> Row | None:
    model = ReadModel()
    for msg in complaint_messages(link, complaint_id):
        item = item_of(msg)
        if item is None or (seq is not None and msg.seq > seq):
            continue
        if at is not None and when(msg, item) > at:
            continue
        fold.apply(model, *item)
    return model.complaints.get(complaint_id)


def history(
    link: JetStreamLink, complaint_id: str, say: Callable[[ev.Event], str] | None = None
) -> list[dict[str, Any]]:
    """Every event of one complaint with its place in the log and whether its hash link holds;
    with `say`, also what each event says in words (``what``; services/reporting/event_words)."""
    out: list[dict[str, Any]] = []
    prev_hash, prev_version = "", None
    for msg in sorted(complaint_messages(link, complaint_id), key=lambda m: m.seq):
        link_check = check_event(msg, prev_hash, prev_version)
        item = item_of(msg)
        fact = item[1] if item else None
        entry: dict[str, Any] = {
            "seq": msg.seq,
            "stored_at": fold.ts(msg.timestamp),
            "version": link_check.version,
            "type": subjects.claimed_type(msg.subject),
            "hash": link_check.hash,
            "hash_link_ok": link_check.ok,
            "problem": link_check.problem,
        }
        if isinstance(fact, ev.Event):
            entry.update(
                occurred_at=fold.ts(fact.occurred_at),
                actor=fact.actor,
                event_id=str(fact.event_id),
                type=ev.tag_of(type(fact)),
                causation_id=str(fact.causation_id) if fact.causation_id else None,
                correlation_id=str(fact.correlation_id) if fact.correlation_id else None,
            )
        else:
            entry.update(
                occurred_at=None,
                actor=None,
                event_id=None,
                causation_id=None,
                correlation_id=None,
                problem=entry["problem"] or getattr(fact, "reason", None),
            )
        if say is not None:
            entry["what"] = say(fact) if isinstance(fact, ev.Event) else None
        out.append(entry)
        prev_hash, prev_version = link_check.hash, link_check.version
    return out


def history_as_of(
    events: list[dict[str, Any]], seq: int | None = None, at: datetime | None = None
) -> list[dict[str, Any]]:
    """A `history` as known at stream sequence `seq` or moment `at` (the cut of as_of)."""
    moment = fold.ts(at) or "~"  # "~" sorts after every time
    last = len(events) if seq is None else sum(e["seq"] <= seq for e in events)
    return [e for e in events[:last] if (e.get("occurred_at") or e["stored_at"]) <= moment]


def public_event(fact: ev.Event) -> dict[str, Any]:
    """An event as analysts may see it: the contract JSON without any personal data."""
    import msgspec

    data = msgspec.to_builtins(fact)
    for key in ("personal", "sealed"):
        data.pop(key, None)
    return data


def last_sequence(link: JetStreamLink) -> int:
    info = link.run(link.api(f"STREAM.INFO.{STREAM}"))
    return int(info["state"]["last_seq"])
