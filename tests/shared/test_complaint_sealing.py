"""The personal parts of the procedure's events (the person complained about, their reaction,
the hearing's place and report, reasons) are sealed with the complaint's key and erased with it,
like the complainant's own (shared/eventstore/mapper.py seals every ``personal`` member)."""

from __future__ import annotations

import pytest

from shared.contract import events as ev
from shared.eventstore.mapper import seal, unseal
from shared.privacy.keystore import KeyDestroyed
from tests.shared.test_events_contract import META, SAMPLES

PROCEDURE_EVENTS = (
    ev.Assigned,
    ev.ConductSubjectRecorded,
    ev.ConductSubjectReacted,
    ev.HearingInvited,
    ev.HearingHeld,
    ev.HearingWaived,
    ev.ResolvedInformally,
    ev.Declined,
)


class OneKey:
    """The key store's contract for one complaint: a key, until it is destroyed."""

    def __init__(self) -> None:
        self.destroyed = False

    def key_for_complaint(self, complaint_id: str, subject_key: str | None = None) -> str:
        return f"k-{complaint_id}"

    def key(self, key_id: str) -> bytes:
        if self.destroyed:
            raise KeyDestroyed(key_id)
        return bytes(range(32))


@pytest.mark.parametrize(
    "fact",
    [s for s in SAMPLES if isinstance(s, PROCEDURE_EVENTS)],
    ids=lambda s: ev.subject_token(type(s)),
)
def test_sealed_with_the_complaints_key_readable_with_it_and_erased_without(
    fact: ev.Event,
) -> None:
    keys = OneKey()
    personal = fact.personal  # type: ignore[attr-defined]
    assert personal is not None
    stored = seal(fact, keys)  # type: ignore[arg-type]
    assert stored.personal is None and stored.sealed is not None  # type: ignore[attr-defined]
    assert stored.sealed.key_id == f"k-{META['complaint_id']}"
    for text in (b"Bob", b"Verslag", b"Stadhuis", b"klager tevreden", b"2019"):
        if text in ev.encode(fact):
            assert text not in ev.encode(stored)
    assert unseal(stored, keys).personal == personal  # type: ignore[arg-type, attr-defined]
    keys.destroyed = True
    erased = unseal(stored, keys)  # type: ignore[arg-type]
    assert erased.personal is None and erased.erased  # type: ignore[attr-defined]


def test_the_plain_facts_stay_readable_for_the_yearly_figures() -> None:
    recorded = next(s for s in SAMPLES if isinstance(s, ev.ConductSubjectRecorded))
    stored = seal(recorded, OneKey())  # type: ignore[arg-type]
    assert isinstance(stored, ev.ConductSubjectRecorded)
    assert (stored.unit, stored.employee_named) == ("balie", True)
