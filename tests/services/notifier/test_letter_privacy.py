"""Every letter, in Dutch and English, links the privacy statement that intake serves (issue 25)."""

from __future__ import annotations

import pytest
from test_letters import context_for

from services.notifier.letters import LetterKind, render

PRIVACY = "http://127.0.0.1:8080/privacy?lang="


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("kind", list(LetterKind))
def test_every_letter_links_the_privacy_statement(kind: LetterKind, language: str) -> None:
    letter = render(kind, context_for(kind, language), letter_key="1")
    words = "privacyverklaring" if language == "nl" else "privacy statement"
    assert f"{words}: {PRIVACY}{language}" in letter.text
    assert f'<a href="{PRIVACY}{language}">{words}</a>' in letter.html
