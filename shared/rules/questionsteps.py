"""A handler's question to the complainant and the complainant's answer (issue 25).

A mixin of the Complaint aggregate (shared/rules/complaint.py), like learningsteps.py. A
handler asks (``question_asked``, the question sealed); the notifier sends it with the link to
the status page, where the complainant answers (``question_answered``, a reaction verified by
the status link, so the handler sees it among the new messages until handled). Both are
refused once the complaint is closed (nothing is being handled to ask about) and after erasure
(no one can show the answer comes from the complainant, and the question could not be sent).
``question_refusal`` is the rule, pure, so the status page can say why before it tries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from shared.contract import events as ev
from shared.rules.awb import Refusal
from shared.rules.cause import Cause
from shared.rules.errors import AlreadyDone, refuse

ERASURE_RULE = "AVG art. 17"
HANDLING_RULE = "Awb 9:10"  # gathering what is needed to judge the complaint


def question_refusal(*, open_: bool, erased: bool) -> Refusal | None:
    """Why no question can be asked or answered now, or None: erasure first, then closure."""
    if erased:
        return Refusal("question_erased", ERASURE_RULE)
    if not open_:
        return Refusal("question_closed", HANDLING_RULE)
    return None


class QuestionSteps:
    """Commands of asking and answering; ``open_questions``: the asked ones not yet answered
    (event ids, oldest first), kept by ``questioned`` from the events' ``apply``."""

    open_questions: tuple[UUID, ...] = ()

    def ask_question(self, *, text: str, now: datetime, cause: Cause) -> None:
        s: Any = self
        refuse(question_refusal(open_=s.is_open, erased=s.erased))
        if not text.strip():
            refuse(Refusal("question_empty", HANDLING_RULE, field="text"))
        s._trigger(ev.QuestionAsked, now, cause, personal=ev.TextPersonal(text=text.strip()))

    def answer_question(
        self,
        *,
        question_event_id: UUID,
        text: str,
        now: datetime,
        cause: Cause,
        message_id: str | None = None,
        attachments: list[ev.AttachmentRef] | None = None,
    ) -> None:
        """The complainant's answer from the status page (the link is the verification)."""
        s: Any = self
        if message_id and message_id in s.reaction_message_ids:
            raise AlreadyDone(f"message {message_id} was already recorded")
        refuse(question_refusal(open_=s.is_open, erased=s.erased))
        if question_event_id not in s.open_questions:
            refuse(Refusal("question_not_open", HANDLING_RULE))
        if not text.strip() and not attachments:
            refuse(Refusal("answer_empty", HANDLING_RULE, field="text"))
        s._trigger(
            ev.QuestionAnswered, now, cause,
            question_event_id=question_event_id, message_id=message_id,
            personal=ev.ReactionPersonal(text=text.strip(), attachments=list(attachments or [])),
        )  # fmt: skip

    def questioned(self, fact: ev.Event) -> None:
        """What the aggregate keeps of a question or an answer (called by its ``apply``)."""
        s: Any = self
        if isinstance(fact, ev.QuestionAsked):
            s.open_questions = (*s.open_questions, fact.event_id)
        elif isinstance(fact, ev.QuestionAnswered):
            s.open_questions = tuple(q for q in s.open_questions if q != fact.question_event_id)
            if fact.message_id:
                s.reaction_message_ids.add(fact.message_id)
            s.new_reactions.add(fact.event_id)  # a new message for the handler
