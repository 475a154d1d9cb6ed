"""Internal notes on a complaint (issue 17): what a staff member writes down for colleagues.

A mixin of the Complaint aggregate (shared/rules/complaint.py), like questionsteps.py. A note
(``note_added``, its text sealed) changes no state and no date: it is a fact for the staff
timeline only, never read by a letter, the status page or a report. It may be written on a
closed complaint too (a call after closure is worth recording), but not after erasure: there
is no key left to seal it with, and a note about an erased complainant is what erasure ends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.contract import events as ev
from shared.rules.awb import Refusal
from shared.rules.cause import Cause
from shared.rules.errors import refuse

ERASURE_RULE = "AVG art. 17"  # words: shared/rules/notewords.py


def note_refusal(*, text: str, erased: bool) -> Refusal | None:
    """Why this note cannot be added now, or None: erasure first, then an empty text."""
    if erased:
        return Refusal("note_erased", ERASURE_RULE)
    if not text.strip():
        return Refusal("note_empty", "", field="text")
    return None


class NoteSteps:
    """The command of writing an internal note."""

    def add_note(self, *, text: str, now: datetime, cause: Cause) -> None:
        s: Any = self
        refuse(note_refusal(text=text, erased=s.erased))
        s._trigger(ev.NoteAdded, now, cause, personal=ev.TextPersonal(text=text.strip()))
