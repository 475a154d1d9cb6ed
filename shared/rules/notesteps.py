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
from shared.rules.errors import InvalidCommand, refuse

ERASURE_RULE = "AVG art. 17"  # words: shared/rules/notewords.py


def note_refusal(*, erased: bool) -> Refusal | None:
    """Why no note can be added now (the law's reason), or None."""
    if erased:
        return Refusal("note_erased", ERASURE_RULE)
    return None


class NoteSteps:
    """The command of writing an internal note."""

    def add_note(self, *, text: str, now: datetime, cause: Cause) -> None:
        s: Any = self
        refuse(note_refusal(erased=s.erased))
        if not text.strip():  # no rule of law: a plain error (its Dutch in plainwords.py)
            raise InvalidCommand("the note is empty")
        s._trigger(ev.NoteAdded, now, cause, personal=ev.TextPersonal(text=text.strip()))
