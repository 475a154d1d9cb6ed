"""The commands of learning from complaints (issue 18 items 1 and 2): classify by themes,
record root causes, record remedies given.

A mixin of the Complaint aggregate (shared/rules/complaint.py), like committeesteps.py: each
command checks a rule of shared/rules/learning.py against the vocabulary in force (an argument:
the aggregate reads no configuration) and triggers one contract event that records the
vocabulary's version. These steps are allowed on open and closed complaints alike: learning
often happens after the answer. Themes and root causes: the latest record replaces the one
before; remedies add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shared.contract import events as ev
from shared.rules import learning as rules
from shared.rules.awb import LegalCalendar
from shared.rules.cause import Cause
from shared.rules.committee import measure_due_by
from shared.rules.errors import AlreadyDone, refuse


class LearningSteps:
    """Commands of classification, root causes and remedies; state from ``learned``."""

    themes: tuple[str, ...] = ()
    root_causes: tuple[str, ...] = ()

    def classify(
        self, *, themes: Sequence[str], vocabulary: rules.Vocabulary, now: datetime, cause: Cause
    ) -> None:
        """Staff classify the complaint by the vocabulary's themes (replacing an earlier one)."""
        s: Any = self
        refuse(rules.classification_refusal(themes, vocabulary))
        if tuple(themes) == s.themes:
            raise AlreadyDone("the complaint is classified so already")
        s._trigger(
            ev.Classified, now, cause, themes=list(themes), vocabulary_version=vocabulary.version_id
        )

    def record_root_causes(
        self,
        *,
        root_causes: Sequence[str],
        vocabulary: rules.Vocabulary,
        now: datetime,
        cause: Cause,
        note: str | None = None,
    ) -> None:
        """Why it happened, as codes of the vocabulary (replacing an earlier record)."""
        s: Any = self
        refuse(rules.root_causes_refusal(root_causes, vocabulary))
        explained = bool(note and note.strip())
        if tuple(root_causes) == s.root_causes and not explained:
            raise AlreadyDone("these root causes are recorded already")
        s._trigger(
            ev.RootCausesRecorded, now, cause,
            root_causes=list(root_causes), vocabulary_version=vocabulary.version_id, level=s.level,
            personal=ev.TextPersonal(text=note) if explained else None,
        )  # fmt: skip

    def record_remedies(
        self,
        *,
        remedies: Sequence[rules.RemedyGiven],
        vocabulary: rules.Vocabulary,
        now: datetime,
        cause: Cause,
        calendar: LegalCalendar | None = None,
    ) -> None:
        """Remedies given, added to those before; a follow-up's day becomes the end of that
        day on the policy's calendar (decided here and recorded)."""
        s: Any = self
        today = calendar.local_date(now) if calendar else now.date()
        refuse(rules.remedies_refusal(remedies, vocabulary, today))
        said = [r.description.strip() for r in remedies]
        s._trigger(
            ev.RemediesRecorded, now, cause,
            remedies=[
                ev.Remedy(
                    kind=r.kind, amount_cents=r.amount_cents, owner=r.owner or None,
                    due_by=measure_due_by(r.due, calendar) if r.due else None,
                )
                for r in remedies
            ],
            vocabulary_version=vocabulary.version_id, level=s.level,
            personal=ev.RemediesPersonal(descriptions=said) if any(said) else None,
        )  # fmt: skip

    def learned(self, fact: ev.Event) -> None:
        """What the aggregate keeps of a learning event (called by its ``apply``)."""
        s: Any = self
        if isinstance(fact, ev.Classified):
            s.themes = tuple(fact.themes)
        elif isinstance(fact, ev.RootCausesRecorded):
            s.root_causes = tuple(fact.root_causes)
