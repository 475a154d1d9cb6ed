"""Pure rules behind the pages: the page's language, the documents a form carries, and the
characters a text may hold (or loses, when it came from someone's mail program)."""

from __future__ import annotations

import pytest

from services.intake import characters, formstate
from shared.contract import events as ev

SECRET = b"s" * 32
LETTER = ev.AttachmentRef(
    object_name="sha256/" + "a" * 64,
    filename="brief.pdf",
    content_type="application/pdf",
    size=25,
    sha256="a" * 64,
)


@pytest.mark.parametrize(
    ("chosen", "cookie", "accept", "expected"),
    [
        (None, None, "en-US,en;q=0.9", "en"),
        (None, None, "nl-BE,nl;q=0.9,en;q=0.5", "nl"),
        (None, None, "de-DE", "nl"),
        (None, "nl", "en", "nl"),
        ("en", "nl", "nl", "en"),
        ("fr", None, "en", "en"),
    ],
)
def test_a_chosen_language_beats_the_browser(
    chosen: str | None, cookie: str | None, accept: str, expected: str
) -> None:
    assert formstate.page_language(chosen, cookie, accept) == expected


def test_documents_travel_signed_and_only_signed() -> None:
    sealed = formstate.seal_documents(SECRET, [LETTER])
    assert formstate.open_documents(SECRET, sealed) == [LETTER]
    assert formstate.open_documents(b"t" * 32, sealed) == []
    payload, _, mac = sealed.partition(".")
    assert formstate.open_documents(SECRET, payload[:-2] + "AA." + mac) == []
    assert formstate.open_documents(SECRET, "") == []
    assert formstate.seal_documents(SECRET, []) == ""


@pytest.mark.parametrize(
    ("text", "multiline", "key"),
    [
        ("Jan de Vries", False, None),
        ("Ĳsbrand Öztürk-Nguyễn 😀", False, None),
        ("שרה\u200f כהן", False, None),  # a right-to-left mark reorders nothing
        ("Jan\nde Vries", False, "line_break"),
        ("Jan\u2028", False, "line_break"),
        ("regel 1\nregel 2\tmet tab", True, None),
        ("regel\x0c", True, "control_char"),
        ("Jan\x00", True, "control_char"),
        ("Jan\x9b", False, "control_char"),
        ("Jan\u202d", True, "bidi_char"),
        ("Jan\u2067", False, "bidi_char"),
        ("Jan\u200c", False, "invisible_char"),
        ("Jan\ufeff", True, "invisible_char"),
    ],
)
def test_unsafe_characters_by_kind(text: str, multiline: bool, key: str | None) -> None:
    assert characters.unsafe_characters(text, multiline=multiline) == key


def test_a_mailed_display_name_is_cleaned_into_one_safe_line() -> None:
    cleaned = characters.clean_single_line(" Jan\r\n de\x00Vries\u202e \u200bKL-2026-000001\t")
    assert cleaned == "Jan de Vries KL-2026-000001"
    assert characters.unsafe_characters(cleaned) is None
    assert characters.clean_single_line("\u2066\u2069") == ""
