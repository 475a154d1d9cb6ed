"""What passed between us and the complainant, for their status page (issue 25): the letters
we sent and the handler's questions still waiting for an answer, read from recorded facts."""

from __future__ import annotations

from typing import Any

from shared.config.policy import policy_in_force
from shared.contract import events as ev


def _on(moment: Any) -> Any:
    return policy_in_force()[1].local_date(moment)


def _text(f: ev.Event) -> str | None:
    return getattr(getattr(f, "personal", None), "text", None)


def letters_sent(facts: list[ev.Event]) -> list[dict[str, Any]]:
    """The letters to the complainant (or their representative), oldest first, as recorded.
    The log keeps each letter's hash, not its text (the text holds personal data that erasure
    must reach): the page names the kind, the day, the subject line and e-mail or post."""
    out = []
    for f in facts:
        letter = getattr(f, "letter", None)
        if not isinstance(letter, ev.LetterRecord) or letter.kind.startswith("conduct_subject"):
            continue  # letters to the person complained about are not the complainant's
        out.append(
            {
                "kind": letter.kind,
                "on": _on(letter.sent_at),
                "subject": letter.subject,
                "delivery": letter.delivery,
            }
        )
    return out


def open_questions(facts: list[ev.Event]) -> list[dict[str, Any]]:
    """The handler's questions not yet answered, oldest first, with their text (sealed: none
    once erased, and then none is shown)."""
    answered = {f.question_event_id for f in facts if isinstance(f, ev.QuestionAnswered)}
    return [
        {"id": str(f.event_id), "on": _on(f.occurred_at), "text": _text(f)}
        for f in facts
        if isinstance(f, ev.QuestionAsked) and f.event_id not in answered and _text(f)
    ]
