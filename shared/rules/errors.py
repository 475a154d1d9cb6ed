"""The domain errors of the complaint commands: one small hierarchy (the edges turn them into
HTTP 409/422 or a dead-letter reason), and `refuse`, which raises a rule's refusal as one."""

from __future__ import annotations

from shared.rules.awb import Refusal
from shared.rules.plainwords import plain_words
from shared.rules.refusals import words


class ComplaintError(Exception):
    """Base of the domain errors; ``code`` is stable for APIs and dead-letter reasons."""

    code = "complaint_error"

    def __init__(self, message: str, refusal: Refusal | None = None) -> None:
        super().__init__(message)
        self.refusal = refusal  # the rule broken, for words in the user's language

    def words(self, lang: str) -> str:
        """What staff read, in their language: the rule's words, else the message's."""
        if self.refusal is not None:
            return words(self.refusal, lang)
        return plain_words(str(self), lang)


class IllegalTransition(ComplaintError):
    """The complaint's state forbids the command (HTTP 409)."""

    code = "illegal_transition"


class InvalidCommand(ComplaintError):
    """The command's own arguments break a rule (HTTP 422)."""

    code = "invalid_command"


class AlreadyDone(ComplaintError):
    """The effect already happened (a redelivery): callers treat this as success."""

    code = "already_done"


def refuse(refusal: Refusal | None) -> None:
    """Raise the refusal: 422 when an argument is at fault, else 409 (the state forbids it)."""
    if refusal is not None:
        kind = InvalidCommand if refusal.field else IllegalTransition
        raise kind(words(refusal, "en"), refusal)
