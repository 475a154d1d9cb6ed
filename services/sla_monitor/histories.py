"""The complaint histories the SLA monitor folds, kept between events (issue #23: it read a
complaint's whole history from the log again on every event of it).

A history is kept as the keyless application read it (sla_monitor has no key store: sealed
personal data stays sealed and is never opened; the monitor decides on recorded dates). The
next event of a kept history, as the consumer delivers it (version n+1), is appended as it came,
after the checks the mapper makes on a stored event (the body is the event its subject names,
shared/eventstore/mapper.py `check_claims`); an event the kept history holds already (a
redelivery, or the log was read after it) changes nothing. Anything else reads the log as
before: a complaint not kept, a gap (another instance handled the events between), a body that
does not decode or is not the event its subject names. The history through the delivered event
is all the timer needs: a later event is delivered too and sets the timer again (timers.py
orders writers by version).
At most `size` complaints are kept, the least recently used leave first.
"""

from __future__ import annotations

from collections import OrderedDict
from uuid import UUID

from shared.contract import events as ev
from shared.contract import subjects

SIZE = 2_000  # complaints; a few KB each, keyless


class Histories:
    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._kept: OrderedDict[UUID, list[ev.Event]] = OrderedDict()

    def next(self, subject: str, body: bytes | None) -> list[ev.Event] | None:
        """The kept history with the delivered event appended when it is that history's next
        event (then kept so), else None: read the log."""
        parsed = subjects.parse_event_subject(subject)
        if parsed is None or body is None:
            return None
        try:
            complaint_id = UUID(parsed.complaint_id)
        except ValueError:
            return None
        facts = self._kept.get(complaint_id)
        if facts is None:
            return None
        if parsed.version <= facts[-1].version:
            # Redelivered, or the log was read after it: the kept history holds it already.
            self._kept.move_to_end(complaint_id)
            return facts
        if parsed.version != facts[-1].version + 1:
            return None
        try:
            fact = ev.decode(body)
        except Exception:  # the log read reports what is wrong with it, as the mapper does
            return None
        claims = (fact.complaint_id, fact.version, ev.subject_token(type(fact)))
        if claims != (complaint_id, parsed.version, parsed.event_type):
            return None
        facts = [*facts, fact]
        self.keep(complaint_id, facts)
        return facts

    def keep(self, complaint_id: UUID, facts: list[ev.Event]) -> None:
        """Keep a history read from the log (never one shorter than the one kept)."""
        if not facts:
            return
        kept = self._kept.get(complaint_id)
        if kept is not None and kept[-1].version > facts[-1].version:
            return
        self._kept[complaint_id] = facts
        self._kept.move_to_end(complaint_id)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)
