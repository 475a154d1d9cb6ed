"""What a refused internal note (shared/rules/notesteps.py) says, in Dutch and English;
merged into shared/rules/refusals.py's WORDS."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "note_erased": {
        "nl": "Dit kan niet meer: de persoonsgegevens van de klager zijn verwijderd ({rule}).",
        "en": "This is no longer possible: the complainant's personal data was erased ({rule}).",
    },
}
