"""What a refused reminder (shared/rules/reminders.py) says, in Dutch and English. Only the SLA
monitor and a replay ask for reminders; these words name what was wrong in a dead letter or an
audit report."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "reminder_not_recorded": {
        "nl": "Er is geen maatregel of herstelactie met deze einddatum vastgelegd ({key}).",
        "en": "No measure or remedy with this due date is recorded ({key}).",
    },
    "reminder_not_due": {
        "nl": "De einddatum van deze maatregel of herstelactie is nog niet verstreken ({key}).",
        "en": "The due date of this measure or remedy has not passed yet ({key}).",
    },
}
