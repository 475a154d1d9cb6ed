"""Reminders of passed due dates (issue 16 item 7, issue 18): the read model
``reminders_by_owner``, one row per ``measure_overdue`` the SLA monitor appends, with what it
reminds of (a promised measure or a remedy with a follow-up), its number, the recorded due date
and the owner (a staff id, team or department; none for a measure: then the complaint's
handler). Nothing personal. The workspace's notifications read it (workspace_notifications.py).
"""

from __future__ import annotations

from typing import Any

from shared.contract import events as ev

REMINDERS = "reminders_by_owner"
REMINDER_COLUMNS = ("seq", "complaint_id", "source", "item", "due_by", "owner", "occurred_at")
INDEXED = ("owner", "occurred_at")


def reminder_row(
    seq: int, f: ev.MeasureOverdue, due_by: str | None, occurred_at: str
) -> dict[str, Any]:
    return {
        "seq": seq,
        "complaint_id": str(f.complaint_id),
        "source": f.source,
        "item": f.item,
        "due_by": due_by,
        "owner": f.owner,
        "occurred_at": occurred_at,
    }
