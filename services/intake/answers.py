"""What a complainant sent, as rows of (label, answer): the check before sending, the copy on
the confirmation page and the complainant's own part of the status page say it alike.

Pure: it reads a checked submission (or the recorded personal part) and the organisation's
department names; the words come from services/intake/texts.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.intake.texts import TEXTS, long_date
from shared.contract import events as ev


@dataclass(frozen=True)
class Answer:
    label: str
    text: str
    lines: bool = False  # a text of several lines: shown as written


def answers(
    personal: ev.SubmittedPersonal,
    lang: str,
    *,
    event_date: date | None = None,
    department: str | None = None,
) -> list[Answer]:
    """Every answer in the order of the form; ``department``: its name as people read it."""
    t = TEXTS[lang]
    labels = t["labels"]
    person = personal.complainant
    rows = [
        Answer(labels["complainant.name"], person.name),
        Answer(labels["complainant.email"], person.email or t["none_given"]),
        Answer(labels["complainant.address"], person.address or t["none_given"], lines=True),
    ]
    if person.phone:
        rows.append(Answer(labels["complainant.phone"], person.phone))
    agent = personal.representative
    if agent is not None:
        rows += [
            Answer(labels["representative.name"], agent.name),
            Answer(labels["representative.relation"], agent.relation),
        ]
        for key in ("email", "phone", "address"):
            if value := getattr(agent, key):
                rows.append(Answer(labels[f"representative.{key}"], value, lines=key == "address"))
    rows.append(Answer(labels["subject"], personal.subject))
    if event_date is not None:
        rows.append(Answer(labels["event_date"], long_date(event_date, lang)))
    if department:
        rows.append(Answer(labels["department"], department))
    rows.append(Answer(labels["description"], personal.description, lines=True))
    if personal.desired_outcome:
        rows.append(Answer(labels["desired_outcome"], personal.desired_outcome, lines=True))
    if personal.attachments:
        names = ", ".join(a.filename for a in personal.attachments)
        rows.append(Answer(t["your_attachments"], names))
    return rows


def department_names(organisation: Any, lang: str) -> dict[str, str]:
    """The organisation file's departments by id, named in the page's language."""
    departments = getattr(organisation, "departments", None) or {}
    return {
        key: (d.name_en or d.name) if lang == "en" else d.name for key, d in departments.items()
    }
