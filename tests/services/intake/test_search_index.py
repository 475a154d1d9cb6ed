"""The search index alone (services/intake/search.py) on a real SQLite file: what it finds, what
it refuses to read as query syntax, and that an erased complainant's name and address are gone
from the file's bytes (its journal included), not only from the answers."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

from services.intake.search import SearchIndex, match_expression
from shared.contract import events as ev

NAME, EMAIL = "Zwaantje Quirijnsen", "zwaantje.q@voorbeeld.nl"


def submitted(number: int, name: str, email: str, **personal: str) -> ev.Submitted:
    moment = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    return ev.Submitted(
        event_id=uuid4(),
        complaint_id=UUID(int=number),
        version=1,
        occurred_at=moment,
        actor="staff:anna",
        reference=f"KL-2026-{number:06d}",
        channel="phone",
        language="nl",
        received_at=moment,
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name=name, email=email),
            subject=personal.get("subject", "Factuur te hoog"),
            description=personal.get("description", "De tweede aanmaning klopt niet. " * 40),
            representative=(
                ev.Representative(name=personal["representative"], relation="dochter")
                if "representative" in personal
                else None
            ),
        ),
    )


def _index(tmp_path: Path, *facts: ev.Submitted) -> SearchIndex:
    index = SearchIndex(tmp_path / "intake" / "search.sqlite3")
    with index.transaction() as db:
        for fact in facts:
            SearchIndex.add(db, fact)
    return index


def _crowd() -> list[ev.Submitted]:
    return [submitted(n, f"Persoon{n} de Boer", f"p{n}@voorbeeld.nl") for n in range(1, 400)]


def _bytes_on_disk(path: Path) -> bytes:
    return b"".join(
        Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-journal", "-wal")
        if Path(f"{path}{suffix}").exists()
    )


def test_it_finds_by_name_email_subject_description_representative_and_reference(
    tmp_path: Path,
) -> None:
    index = _index(
        tmp_path,
        *_crowd(),
        submitted(500, NAME, EMAIL, subject="Parkeervergunning", representative="Müller"),
    )
    target = str(UUID(int=500))
    for query in ("quirijnsen", "Zwaan", "zwaantje.q@voorbeeld.nl", "parkeerverg", "muller",
                  "KL-2026-000500", "zwaantje quir"):  # fmt: skip
        assert [f["complaint_id"] for f in index.search(query, 10)] == [target], query
    assert len(index.search("de boer", 1000)) == 399
    assert index.search("aanmaning", 5) and len(index.search("aanmaning", 5)) == 5


def test_what_is_typed_never_reaches_fts5_as_syntax(tmp_path: Path) -> None:
    index = _index(tmp_path, *_crowd())
    for typed in ('"', "NEAR(", "a OR b", "name:x", "*", "-", "^p1", "p1 AND", "{name}:p"):
        index.search(typed, 10)  # no sqlite3.OperationalError
    assert match_expression("  ") is None
    assert match_expression('p1" OR "x') == '"p1"* "OR"* "x"*'  # OR is a word here


def test_the_file_is_the_owners_alone(tmp_path: Path) -> None:
    index = _index(tmp_path, submitted(1, NAME, EMAIL))
    assert stat.S_IMODE(os.stat(index.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(index.path.parent).st_mode) == 0o700


def test_after_erasure_neither_the_answers_nor_the_bytes_hold_the_name(tmp_path: Path) -> None:
    target = submitted(900, NAME, EMAIL)
    crowd = _crowd()
    index = _index(tmp_path, *crowd[:150], target, *crowd[150:])
    words = [
        w.encode() for w in ("Zwaantje", "zwaantje", "Quirijnsen", "quirijnsen", "voorbeeld.nl")
    ]
    assert any(w in _bytes_on_disk(index.path) for w in words[:4])
    with index.transaction() as db:
        SearchIndex.erase(db, str(target.complaint_id))
        SearchIndex.forget_deleted(db)
    assert index.search("quirijnsen", 10) == []
    on_disk = _bytes_on_disk(index.path)
    assert not [w for w in words[:4] if w in on_disk]
    assert b"zwaantje.q" not in on_disk
    assert len(index.search("de boer", 1000)) == 399  # the others are still found
    # a replay of the log does not bring it back: the tombstone holds
    with index.transaction() as db:
        assert SearchIndex.add(db, target) is False
    assert index.search("quirijnsen", 10) == []


def test_a_fact_whose_key_was_destroyed_is_never_indexed(tmp_path: Path) -> None:
    import msgspec

    erased = msgspec.structs.replace(submitted(7, NAME, EMAIL), personal=None, erased=True)
    index = _index(tmp_path, erased)
    assert index.size() == 0
