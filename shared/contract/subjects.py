"""Every stream and subject name of klachten. No subject strings anywhere else.

Event subjects are ``complaints.<complaint_id>.<version>.<event_type>`` so analysts can
filter by type (``complaints.*.*.escalated``) or by complaint (``complaints.<id>.>``).
"""

from __future__ import annotations

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
