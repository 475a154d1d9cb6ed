"""The fold never drops an event silently: an event it cannot place in its complaint's history
(an orphan, a second submission, a version that does not move on) becomes a dead letter, like an
undecodable one, in memory and in a view alike, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from eventsourcing.persistence import Tracking

from services.reporting import fold
from services.reporting.complaints_log import SOURCE_NAME
from services.reporting.fold import Undecodable
from services.reporting.view_backends import open_view
from shared.contract import events as ev
from tests.support.reporting_history import letter

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def submitted(cid: UUID, ref: str = "K-1") -> ev.Submitted:
    return ev.Submitted(
        event_id=uuid4(),
        complaint_id=cid,
        version=1,
        occurred_at=T0,
        actor="web",
        reference=ref,
        channel="web",
        language="nl",
        received_at=T0,
    )


def acknowledged(cid: UUID, version: int = 2) -> ev.Acknowledged:
    at = T0 + timedelta(days=1)
    return ev.Acknowledged(
        event_id=uuid4(),
        complaint_id=cid,
        version=version,
        occurred_at=at,
        actor="notifier",
        letter=letter("acknowledgement", at),
        respond_by=T0 + timedelta(days=14),
        statutory_by=T0 + timedelta(weeks=6),
    )


def responded(cid: UUID, version: int) -> ev.Responded:
    return ev.Responded(
        event_id=uuid4(),
        complaint_id=cid,
        version=version,
        occurred_at=T0 + timedelta(days=2),
        actor="staff:anna",
        resolution="unfounded",
    )


def test_an_orphan_is_a_dead_letter_and_the_fold_goes_on() -> None:
    known, orphan = uuid4(), uuid4()
    model = fold.ReadModel()
    assert fold.apply(model, 1, submitted(known)) is None
    dead = fold.apply(model, 2, responded(orphan, 2))
    assert dead == Undecodable(
        2, str(orphan), 2, "no submitted event for this complaint before version 2"
    )
    assert fold.apply(model, 3, acknowledged(known)) is None

    tables = fold.tables_of(model)
    assert [r["complaint_id"] for r in tables[fold.COMPLAINTS]] == [str(known)]
    assert tables[fold.COMPLAINTS][0]["status"] == "acknowledged"
    assert tables[fold.DEAD_LETTERS] == [
        {"seq": 2, "complaint_id": str(orphan), "version": 2, "reason": dead.reason}
    ]
    assert model.position == 3


def test_a_second_submission_and_a_stale_version_are_dead_letters() -> None:
    cid = uuid4()
    model = fold.replay([(1, submitted(cid)), (2, acknowledged(cid))])
    before = dict(model.complaints[str(cid)])
    again = fold.apply(model, 3, submitted(cid, ref="K-forged"))
    stale = fold.apply(model, 4, responded(cid, 2))
    assert again is not None and "second submitted event" in again.reason
    assert stale is not None
    assert stale.reason == "version 2 does not follow version 2 (stream sequence 2)"
    assert model.complaints[str(cid)] == before  # neither touched the complaint
    assert [r["seq"] for r in fold.tables_of(model)[fold.DEAD_LETTERS]] == [3, 4]


def test_a_redelivered_orphan_changes_nothing() -> None:
    orphan = responded(uuid4(), 2)
    model = fold.ReadModel()
    assert fold.apply(model, 5, orphan) is not None
    snapshot = fold.tables_of(model)
    assert fold.apply(model, 5, orphan) is None
    assert fold.tables_of(model) == snapshot


def test_a_view_records_and_hands_on_an_orphan_once_and_equals_the_replay(
    tmp_path: Path,
) -> None:
    known, orphan = uuid4(), uuid4()
    items: list[tuple[int, ev.Event | Undecodable]] = [
        (1, submitted(known)),
        (2, responded(orphan, 2)),
        (3, acknowledged(known)),
    ]
    live = open_view(str(tmp_path / "live.sqlite3"))
    sent: list[Undecodable] = []
    for seq, fact in items:  # the live projection: one event per transaction
        live.apply_batch([(seq, fact)], Tracking(SOURCE_NAME, seq), sent.append)
    assert [(d.seq, d.complaint_id) for d in sent] == [(2, str(orphan))]

    # Redelivery: nothing changes and nothing is handed on again.
    position, tables = live.snapshot()
    assert live.apply_batch(items[1:2], Tracking(SOURCE_NAME, 2), sent.append) == []
    assert live.snapshot() == (position, tables) and len(sent) == 1

    # A rebuild (one batch, no sink) and an in-memory replay come out the same.
    rebuilt = open_view(str(tmp_path / "rebuilt.sqlite3"))
    assert rebuilt.apply_batch(items, Tracking(SOURCE_NAME, 3)) == sent
    assert rebuilt.snapshot() == (position, tables)
    assert fold.tables_of(fold.replay(items)) == tables
    assert [r["seq"] for r in tables[fold.DEAD_LETTERS]] == [2]


def test_an_event_filed_under_another_complaint_is_a_dead_letter_not_folded() -> None:
    """The subject (and topic) say which event a message is; a body that disagrees is never
    folded into the complaint its body names."""
    from eventsourcing.persistence import Notification
    from eventsourcing.utils import get_topic

    from services.reporting.complaints_log import ComplaintsLog
    from shared.rules.complaint import Complaint

    mapper = ComplaintsLog(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
    victim, other = uuid4(), uuid4()
    topic = get_topic(Complaint.Submitted)

    def stored(originator: UUID, version: int, fact: ev.Event) -> Notification:
        return Notification(
            id=7, originator_id=originator, originator_version=version, topic=topic,
            state=ev.encode(fact),
        )  # fmt: skip

    honest = mapper.to_domain_event(stored(other, 1, submitted(other)))
    assert honest.fact.complaint_id == other
    for wrong in (stored(victim, 1, submitted(other)), stored(other, 2, submitted(other))):
        dead = mapper.to_domain_event(wrong)
        assert isinstance(dead, Undecodable) and "stored as" in dead.reason, dead
    misnamed = Notification(
        id=8, originator_id=other, originator_version=2,
        topic=get_topic(Complaint.Responded), state=ev.encode(acknowledged(other)),
    )  # fmt: skip
    assert "Acknowledged" in mapper.to_domain_event(misnamed).reason
