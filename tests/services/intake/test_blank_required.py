"""A required field sent blank is a 422 with words, never a 500: the fuzzer found
``POST …/hearing/report {"held_at": ""}`` answering 500 (the blank time was dropped as absent,
and the body then failed to convert)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.intake import bodies, domain

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


@pytest.mark.parametrize("blank", ["", "   "])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_blank_required_time_is_refused_in_words(blank: str, lang: str) -> None:
    body, problems = domain.read_staff_action(
        bodies.HearingReportBody,
        {"held_at": blank, "report": "Gesprek gevoerd.", "mode": "phone"},
        lang,
        NOW,
    )
    assert body is None
    fields = {p["field"]: p["message"] for p in problems}
    assert "held_at" in fields
    assert fields["held_at"] == (
        "Dit veld mag niet leeg zijn." if lang == "nl" else "This field must not be empty."
    )
