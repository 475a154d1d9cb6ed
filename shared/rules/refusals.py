"""What a refused command says to staff, in Dutch and English, naming the rule (one place)."""

from __future__ import annotations

from shared.rules.awb import Refusal

WORDS: dict[str, dict[str, str]] = {
    "extension_after_answer": {
        "nl": "De klacht is al beantwoord: verdagen kan alleen vóór het antwoord ({rule}).",
        "en": "The complaint has already been answered: the term can only be extended before "
        "the answer ({rule}).",
    },
    "extension_once": {
        "nl": "De termijn is al eens verdaagd. Nog een verdaging kan alleen met schriftelijke "
        "instemming van de klager ({rule}).",
        "en": "The term has already been extended once. A further extension needs the "
        "complainant's written consent ({rule}).",
    },
    "extension_too_long": {
        "nl": "Verdaag met ten hoogste {max} weken: zo staat het in het klachtenbeleid ({rule}).",
        "en": "Extend by at most {max} weeks, as the complaints policy says ({rule}).",
    },
    "extension_too_late": {
        "nl": "De wettelijke termijn is al verstreken: verdagen kan alleen vóór het einde van "
        "de termijn ({rule}).",
        "en": "The statutory term has already ended: the term can only be extended before it "
        "ends ({rule}).",
    },
    "not_handled_too_late": {
        "nl": "Een klacht niet in behandeling nemen kan alleen binnen vier weken na ontvangst "
        "van de klacht, met schriftelijk bericht aan de klager ({rule}). Die vier weken zijn "
        "voorbij: behandel de klacht.",
        "en": "A complaint can be left unhandled only within four weeks of its receipt, with a "
        "written notice to the complainant ({rule}). Those four weeks have passed: handle the "
        "complaint.",
    },
    "pause_not_in_policy": {
        "nl": "Het klachtenbeleid laat geen interne termijn stilstaan ({rule}).",
        "en": "The complaints policy does not let any internal term stand still ({rule}).",
    },
    "pause_after_answer": {
        "nl": "De klacht is al beantwoord: er loopt geen interne termijn meer die kan "
        "stilstaan ({rule}).",
        "en": "The complaint has already been answered: no internal term is running that "
        "could stand still ({rule}).",
    },
    "already_paused": {
        "nl": "De klacht wacht al op de klager ({rule}).",
        "en": "The complaint is already waiting for the complainant ({rule}).",
    },
    "not_paused": {
        "nl": "De klacht wacht niet op de klager; er is niets te hervatten ({rule}).",
        "en": "The complaint is not waiting for the complainant; there is nothing to resume "
        "({rule}).",
    },
}


def words(refusal: Refusal, lang: str) -> str:
    """The refusal in the staff member's language (Dutch unless English is asked for)."""
    text = WORDS[refusal.code]["en" if lang == "en" else "nl"]
    return text.format(rule=refusal.rule, **refusal.values)
