"""Every stream and subject name of klachten, and the one place that reads a subject back.
No subject strings and no ``subject.split(".")`` anywhere else.

Event subjects are ``complaints.<complaint_id>.<version>.<event_type>`` so analysts can
filter by type (``complaints.*.*.escalated``) or by complaint (``complaints.<id>.>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

COMPLAINTS_STREAM = "COMPLAINTS"
TIMERS_STREAM = "TIMERS"
DEADLETTER_STREAM = "DEADLETTER"
COUNTERS_STREAM = "COUNTERS"
CHECKPOINTS_STREAM = "CHECKPOINTS"

COMPLAINTS_ALL = "complaints.>"
# Tracking records of process applications (eventsourcing) live in the same stream as the
# events so events and tracking are committed in one atomic batch.
TRACKING_ALL = "tracking.>"
TIMERS_ALL = "timers.>"
DEADLETTER_ALL = "deadletter.>"
COUNTERS_ALL = "counters.>"
CHECKPOINTS_ALL = "checkpoints.>"
CHECKPOINTS_SUBJECT = "checkpoints.complaints"

ATTACHMENTS_BUCKET = "ATTACHMENTS"
# Core NATS request/reply, no stream: intake asks the notifier to render the letter an answer
# not yet given would send (services/notifier/preview.py); nothing is stored or sent.
LETTER_PREVIEW_SUBJECT = "letters.preview"


def event_subject(complaint_id: UUID | str, version: int, event_type: str) -> str:
    return f"complaints.{complaint_id}.{version}.{event_type}"


def complaint_filter(complaint_id: UUID | str) -> str:
    return f"complaints.{complaint_id}.>"


def events_of_type(event_type: str) -> str:
    return f"complaints.*.*.{event_type}"


def tracking_subject(application_name: str) -> str:
    """The last message on this subject is the application's highest processed notification."""
    return f"tracking.{application_name}"


def timer_schedule_subject(complaint_id: UUID | str, clock: str) -> str:
    """The schedule subject of one clock of one complaint; re-publishing replaces it."""
    return f"timers.schedule.{complaint_id}.{clock}"


def timer_fired_subject(complaint_id: UUID | str, clock: str) -> str:
    return f"timers.fired.{complaint_id}.{clock}"


TIMERS_FIRED_ALL = "timers.fired.>"


def deadletter_subject(consumer: str) -> str:
    return f"deadletter.{consumer}"


def reference_counter_subject(year: int) -> str:
    """Atomic counter of complaint references of one year (never reused, no gaps by races)."""
    return f"counters.references.{year}"


# --- reading subjects back ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventSubject:
    """``<prefix>.<complaint_id>.<version>.<event_type>`` in its parts. The id is the token as
    stored (a canonical UUID for every event klachten writes; a message that lies may differ)."""

    complaint_id: str
    version: int
    event_type: str
    prefix: str = "complaints"

    @property
    def complaint_uuid(self) -> UUID | None:
        return _uuid(self.complaint_id)

    def __str__(self) -> str:
        return f"{self.prefix}.{self.complaint_id}.{self.version}.{self.event_type}"


@dataclass(frozen=True, slots=True)
class TimerSubject:
    """``timers.<kind>.<complaint_id>.<clock>``; kind is ``schedule`` or ``fired``."""

    kind: str
    complaint_id: UUID
    clock: str


def parse_event_subject(subject: str, prefix: str = "complaints") -> EventSubject | None:
    """The parts of an event subject (``prefix`` is ``snapshots`` for snapshots); None for any
    other shape: not four tokens, another prefix, or a version not written as we write it."""
    parts = subject.split(".")
    if len(parts) != 4 or parts[0] != prefix:
        return None
    _, complaint_id, version, event_type = parts
    if not (version.isascii() and version.isdigit()) or str(int(version)) != version:
        return None
    return EventSubject(complaint_id, int(version), event_type, prefix)


def claimed_complaint(subject: str) -> str:
    """The token after ``complaints.`` whatever the rest looks like: the complaint a malformed
    event subject claims to be about ("" for none)."""
    prefix, _, rest = subject.partition(".")
    return rest.partition(".")[0] if prefix == "complaints" else ""


def claimed_type(subject: str) -> str:
    """The last token: an event subject's event type, and what a malformed one claims."""
    return subject.rpartition(".")[2]


def parse_timer_subject(subject: str) -> TimerSubject | None:
    """The parts of a timer's schedule or fired subject; None for any other shape."""
    parts = subject.split(".")
    if len(parts) != 4 or parts[0] != "timers" or parts[1] not in ("schedule", "fired"):
        return None
    complaint_id = _uuid(parts[2])
    return None if complaint_id is None else TimerSubject(parts[1], complaint_id, parts[3])


def complaint_of(subject: str) -> UUID | None:
    """The complaint an event or timer subject is about; None for every other subject."""
    event = parse_event_subject(subject)
    if event is not None:
        return event.complaint_uuid
    timer = parse_timer_subject(subject)
    return None if timer is None else timer.complaint_id


def subject_pattern(subject: str) -> str:
    """The subject with ids and numbers as ``*`` (``complaints.*.*.submitted``): a label of
    bounded cardinality for metrics."""
    return ".".join("*" if _uuid(p) or p.isdigit() else p for p in subject.split("."))


def _uuid(token: str) -> UUID | None:
    try:
        return UUID(token)
    except ValueError:
        return None
