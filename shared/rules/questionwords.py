"""What a refused question or answer (shared/rules/questionsteps.py) says, in Dutch and
English; merged into shared/rules/refusals.py's WORDS."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "question_erased": {
        "nl": "Dit kan niet meer: de persoonsgegevens van de klager zijn verwijderd ({rule}).",
        "en": "This is no longer possible: the complainant's personal data was erased ({rule}).",
    },
    "question_closed": {
        "nl": "De klacht is afgesloten: er kan geen vraag meer worden gesteld of beantwoord.",
        "en": "The complaint is closed: no question can be asked or answered any more.",
    },
    "question_empty": {
        "nl": "Schrijf de vraag die de klager moet beantwoorden.",
        "en": "Write the question the complainant is to answer.",
    },
    "question_not_open": {
        "nl": "Deze vraag is al beantwoord, of hoort niet bij deze klacht.",
        "en": "This question was already answered, or does not belong to this complaint.",
    },
    "answer_empty": {
        "nl": "Schrijf uw antwoord op de vraag.",
        "en": "Write your answer to the question.",
    },
}
