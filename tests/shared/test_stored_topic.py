"""The topic stored with each event is inside its chain hash and read by auditors: it stays
``shared.complaint:Complaint.<Event>`` wherever the aggregate's module lives in the code."""

from __future__ import annotations

from eventsourcing.utils import resolve_topic

from shared.eventstore.layout import stored_topic
from shared.rules.complaint import Complaint


def test_new_events_are_stored_under_the_topic_old_events_have() -> None:
    assert stored_topic(Complaint.Submitted) == "shared.complaint:Complaint.Submitted"
    assert stored_topic(Complaint.Closed) == "shared.complaint:Complaint.Closed"


def test_the_stored_topic_resolves_to_the_class_in_its_new_place() -> None:
    assert resolve_topic("shared.complaint:Complaint.Responded") is Complaint.Responded
