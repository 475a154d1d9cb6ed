"""Paper letters without a server: the PDF (read back with poppler's pdftotext, as a person
would read the page), the post room (once per letter, the first posted mark counts) and the
`klachten post-room` command."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from klachten.cli import app as cli
from services.notifier.letter_context import address_lines
from services.notifier.letter_kinds import LetterKind
from services.notifier.letters import render
from services.notifier.postal import PostalLetter, Sender, address_block, render_pdf
from services.notifier.postroom import PostEntry, PostRoom, UnknownLetter
from tests.services.notifier.test_letters import context_for

ADDRESS = "Dorpsstraat 1\n1234 AB  Ons Dorp"
NAME = "Łukasz Žižek-de Vries"
SENDER = Sender("Gemeente Voorbeeld", ["Postbus 12", "1000 AA Amsterdam"], "https://voorbeeld.nl")
DATED = date(2026, 12, 8)
WORDS = {
    "nl": ["Datum", "Ons kenmerk", "dinsdag 8 december 2026", "maandag 28 december 2026",
           "maandag 18 januari 2027", "Met deze brief bevestigen", "Pagina 1 van",
           "Schrijf ons dan op het adres bovenaan deze brief"],
    "en": ["Date", "Our reference", "Tuesday 8 December 2026", "Monday 28 December 2026",
           "Monday 18 January 2027", "This letter confirms", "Page 1 of",
           "Please write to us at the address at the top of this letter"],
}  # fmt: skip


def pdftotext(
    pdf: bytes, tmp_path: Path, *, crop: tuple[float, float, float, float] | None = None
) -> str:
    """The text of the PDF; `crop` (x, y, w, h in mm) reads only that part of page 1."""
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is missing: bin/setup --test"
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-layout", "-enc", "UTF-8"]
    if crop is not None:
        x, y, w, h = (round(v / 25.4 * 72) for v in crop)  # mm → points at 72 dpi
        args += ["-f", "1", "-l", "1", "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h)]
    done = subprocess.run([*args, str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode()


def postal_letter(language: str = "nl") -> PostalLetter:
    ctx = context_for(
        LetterKind.ACKNOWLEDGEMENT, language, complainant_email="", complainant_address=ADDRESS,
        complainant_name=NAME,
    )  # fmt: skip
    rendered = render(LetterKind.ACKNOWLEDGEMENT, ctx, letter_key="1")
    return PostalLetter(rendered, NAME, address_lines(ADDRESS), DATED)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_pdf_shows_the_address_in_the_window_and_the_letter_in_its_language(
    language: str, tmp_path: Path
) -> None:
    letter = postal_letter(language)
    assert letter.rendered.delivery == "post"
    assert letter.rendered.recipient == f"{NAME}, Dorpsstraat 1, 1234 AB Ons Dorp"
    printed = render_pdf(letter, SENDER)
    assert printed.pdf.startswith(b"%PDF-") and printed.pages >= 1
    # The window of a window envelope (DIN 5008 form B: 20 mm from the left, 45 mm from the
    # top, 85 x 45 mm) shows the return address and the recipient, and nothing else.
    window = pdftotext(printed.pdf, tmp_path, crop=(20, 45, 85, 45)).split("\n")
    lines = [line.strip() for line in window if line.strip()]
    assert lines == [
        "Gemeente Voorbeeld · Postbus 12 · 1000 AA Amsterdam", NAME, "Dorpsstraat 1",
        "1234 AB Ons Dorp",
    ]  # fmt: skip
    text = " ".join(pdftotext(printed.pdf, tmp_path).split())
    for said in ["Gemeente Voorbeeld", "KL-2026-000123", *WORDS[language]]:
        assert said in text, said
    other = "en" if language == "nl" else "nl"
    assert WORDS[other][1] not in text and "e-mail" not in text


def test_the_same_letter_prints_the_same_bytes() -> None:
    first, again = render_pdf(postal_letter(), SENDER), render_pdf(postal_letter(), SENDER)
    assert first.pdf == again.pdf and first.sha256 == hashlib.sha256(first.pdf).hexdigest()
    later = render_pdf(
        PostalLetter(**{**postal_letter().__dict__, "dated": date(2026, 12, 9)}), SENDER
    )
    assert later.sha256 != first.sha256


def test_an_address_longer_than_the_window_is_kept_on_its_last_line() -> None:
    block = address_block("A", ["1", "2", "3", "4", "5", "6"])
    assert block == ["A", "1", "2", "3", "4", "5, 6"]
    assert address_lines("Dorpsstraat 1, 1234 AB Ons Dorp") == ["Dorpsstraat 1", "1234 AB Ons Dorp"]


def entry_of(pdf: bytes, reference: str = "KL-2026-000123", minute: int = 0) -> PostEntry:
    return PostEntry(
        document_sha256=hashlib.sha256(pdf).hexdigest(), message_id=f"<m{minute}@x>",
        complaint_id="c", reference=reference, kind="acknowledgement", language="nl",
        recipient=f"{NAME}, Dorpsstraat 1", pages=1,
        queued_at=datetime(2026, 12, 8, 9, minute, tzinfo=UTC),
    )  # fmt: skip


def test_the_post_room_keeps_a_letter_once_and_the_first_posted_mark(tmp_path: Path) -> None:
    room = PostRoom(tmp_path / "post-room")
    pdf = render_pdf(postal_letter(), SENDER).pdf
    assert room.put(pdf, entry_of(pdf)) is True
    assert room.put(pdf, entry_of(pdf)) is False  # redelivered: nothing new
    with pytest.raises(ValueError):
        room.put(pdf + b"x", entry_of(pdf))
    [waiting] = room.waiting()
    assert room.find(waiting.document_sha256[:8]) == waiting == room.find("KL-2026-000123")
    mark, new = room.mark_posted(waiting, datetime(2026, 12, 9, tzinfo=UTC), "piet")
    again, second = room.mark_posted(waiting, datetime(2026, 12, 10, tzinfo=UTC), "kees")
    assert (new, second, again) == (True, False, mark)
    assert room.waiting() == [] and room.entries() == [waiting]
    with pytest.raises(UnknownLetter):
        room.find("KL-2026-000123")  # posted: the reference names no waiting letter
    assert [line.action for line in room.journal()] == ["queued", "posted"]
    files = sorted(p.name for p in room.folder.iterdir())
    assert files == sorted(
        [f"{waiting.document_sha256}{end}" for end in (".pdf", ".json", ".posted.json")]
        + ["journal.jsonl"]
    )
    # Erasure takes the letter and its address; the journal and the mark keep no personal data.
    assert room.erase("other", datetime(2026, 12, 11, tzinfo=UTC), "privacy") == 0
    assert room.erase("c", datetime(2026, 12, 11, tzinfo=UTC), "staff:privacy") == 1
    assert room.entries() == [] and not room.pdf_path(waiting).exists()
    assert [line.action for line in room.journal()] == ["queued", "posted", "erased"]
    assert NAME not in (room.folder / "journal.jsonl").read_text()


def test_klachten_post_room_lists_prints_and_marks_posted(tmp_path: Path) -> None:
    room = PostRoom(tmp_path / "post-room")
    for minute, language in enumerate(("nl", "en")):
        pdf = render_pdf(postal_letter(language), SENDER).pdf
        room.put(pdf, entry_of(pdf, f"KL-2026-00000{minute}", minute))
    folder = ["--folder", str(room.folder)]
    runner = CliRunner()
    listed = runner.invoke(cli, ["post-room", "list", *folder])
    assert listed.exit_code == 0, listed.output
    assert "KL-2026-000000" in listed.output and "2 letter(s) waiting" in listed.output
    out = tmp_path / "print.pdf"
    shown = runner.invoke(
        cli, ["post-room", "show", "KL-2026-000001", "-o", str(out), "--by", "piet", *folder]
    )
    assert shown.exit_code == 0, shown.output
    assert out.read_bytes() == room.pdf_path(room.find("KL-2026-000001")).read_bytes()
    posted = runner.invoke(cli, ["post-room", "posted", "KL-2026-000000", "--by", "piet", *folder])
    assert posted.exit_code == 0 and "posted" in posted.output, posted.output
    again = runner.invoke(
        cli, ["post-room", "posted", room.entries()[0].document_sha256[:10], *folder]
    )
    assert "already posted" in again.output
    listed = runner.invoke(cli, ["post-room", "list", *folder])
    assert "1 letter(s) waiting" in listed.output and "KL-2026-000000" not in listed.output
    unknown = runner.invoke(cli, ["post-room", "posted", "KL-2026-999999", *folder])
    assert unknown.exit_code == 2 and "no letter matches" in unknown.output
    actions = [(line.action, line.reference, line.by) for line in room.journal()]
    assert actions == [
        ("queued", "KL-2026-000000", "notifier"), ("queued", "KL-2026-000001", "notifier"),
        ("printed", "KL-2026-000001", "piet"), ("posted", "KL-2026-000000", "piet"),
    ]  # fmt: skip
