"""Internal notes on a complaint (issue 17): what staff write down for colleagues.

The use case behind ``POST /api/complaints/<id>/notes`` (notesapi.py): one ``note_added``,
its text sealed by the store like all personal text (shared/rules/notesteps.py decides).
Where a note is read: the staff timeline (status.py ``staff_events``, the workspace's case
page). Where it never is: letters (the notifier sends none for it), the complainant's status
page (status.py shows only the steps it names), reports and exports (no text is kept there).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from services.intake import bodies
from services.intake.application import Intake
from shared.rules.complaint import Cause, Complaint


async def add(intake: Intake, cid: UUID, body: bodies.NoteBody, cause: Cause) -> bool:
    """Append the note; True (a note is never "already so": two alike are two notes)."""

    def decide(c: Complaint, now: datetime) -> None:
        c.add_note(text=body.text, now=now, cause=cause)

    return await intake.act(cid, decide)
