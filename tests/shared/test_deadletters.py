"""The dead-letter headers are one contract for every consumer (analysts filter on them)."""

from __future__ import annotations

from shared.contract import deadletters


def test_headers_name_reason_consumer_stream_and_sequence() -> None:
    h = deadletters.headers(
        "notifier", "COMPLAINTS", 42, "boom", subject="complaints.x.1.submitted", deliveries=3
    )
    assert h == {
        "Klachten-Reason": "boom",
        "Klachten-Consumer": "notifier",
        "Klachten-Stream": "COMPLAINTS",
        "Klachten-Stream-Seq": "42",
        "Klachten-Subject": "complaints.x.1.submitted",
        "Klachten-Deliveries": "3",
        "Nats-Msg-Id": "notifier:COMPLAINTS:42",
    }


def test_a_reason_stays_on_one_line_and_within_bounds() -> None:
    h = deadletters.headers("reporting", "COMPLAINTS", 7, "line one\r\nline two" + "x" * 2000)
    assert h["Klachten-Reason"].startswith("line one  line two")
    assert "\n" not in h["Klachten-Reason"] and "\r" not in h["Klachten-Reason"]
    assert len(h["Klachten-Reason"]) == deadletters.MAX_REASON
    # A projection has no deliveries and may not know the subject: left out, not faked.
    assert "Klachten-Deliveries" not in h and "Klachten-Subject" not in h
