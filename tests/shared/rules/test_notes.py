"""Internal notes (issue 17, shared/rules/notesteps.py): given a complaint, when a staff member
writes a note, then note_added with the text (sealed by the store), who and when, and nothing
else changes; it may follow a closure; refused empty or after erasure, in words (nl/en); a
replay re-decides it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.contract import events as ev
from shared.integrity.redecide import Replay
from shared.rules import refusals
from shared.rules.complaint import Cause, Complaint, IllegalTransition, InvalidCommand
from tests.support.domain import NOW, submitted

LATER = NOW + timedelta(hours=3)
ANNA = Cause("staff:anna")


def test_a_note_is_a_fact_with_its_author_and_nothing_else_changes() -> None:
    c = submitted()
    before = (c.status, c.level, c.is_open)
    c.add_note(text="  Teruggebeld; komt vrijdag langs. ", now=LATER, cause=ANNA)
    note = c.facts[-1]
    assert isinstance(note, ev.NoteAdded)
    assert note.personal == ev.TextPersonal(text="Teruggebeld; komt vrijdag langs.")
    assert (note.actor, note.occurred_at, note.version) == ("staff:anna", LATER, 2)
    assert (c.status, c.level, c.is_open) == before


def test_a_note_may_follow_the_closure_and_a_replay_re_decides_it() -> None:
    c = submitted()
    c.close(outcome="withdrawn", now=NOW, cause=ANNA)
    c.add_note(text="Klager belde nog na.", now=LATER, cause=ANNA)
    replay = Replay()
    assert [replay.feed(f) for f in c.facts] == [None] * len(c.facts)


def test_an_empty_note_and_a_note_after_erasure_are_refused_in_words() -> None:
    c = submitted()
    with pytest.raises(InvalidCommand) as empty:
        c.add_note(text="   ", now=NOW, cause=ANNA)
    assert empty.value.words("nl") == "De notitie is leeg."  # no rule of law: a plain error
    assert empty.value.words("en") == "the note is empty"
    c.erased = True
    with pytest.raises(IllegalTransition) as erased:
        c.add_note(text="Nog iets.", now=NOW, cause=ANNA)
    assert erased.value.refusal is not None
    assert "AVG art. 17" in refusals.words(erased.value.refusal, "nl")


def test_the_aggregate_knows_the_contract() -> None:
    assert Complaint.NoteAdded.contract is ev.NoteAdded
