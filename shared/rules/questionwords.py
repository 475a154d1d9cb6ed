"""What a refused question or answer (shared/rules/questionsteps.py) says, in Dutch and
English; merged into shared/rules/refusals.py's WORDS."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "question_erased": {
        "nl": "Dit kan niet meer: de persoonsgegevens van de klager zijn verwijderd ({rule}).",
        "en": "This is no longer possible: the complainant's personal data was erased ({rule}).",
    },
    "question_closed": {
        "nl": "De klacht is afgesloten: er kan geen vraag meer worden gesteld of beantwoord "
        "({rule}).",
        "en": "The complaint is closed: no question can be asked or answered any more ({rule}).",
    },
    "question_empty": {
        "nl": "Schrijf de vraag die de klager moet beantwoorden ({rule}).",
        "en": "Write the question the complainant is to answer ({rule}).",
    },
    "question_not_open": {
        "nl": "Deze vraag is al beantwoord, of hoort niet bij deze klacht ({rule}).",
        "en": "This question was already answered, or does not belong to this complaint ({rule}).",
    },
    "answer_empty": {
        "nl": "Schrijf uw antwoord op de vraag ({rule}).",
        "en": "Write your answer to the question ({rule}).",
    },
}
