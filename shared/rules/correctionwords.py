"""What a refused correction (shared/rules/correctionsteps.py) says, in Dutch and English;
merged into shared/rules/refusals.py's WORDS."""

from __future__ import annotations

_ERASED = {
    "nl": "Dit kan niet meer: de persoonsgegevens van de klager zijn verwijderd ({rule}).",
    "en": "This is no longer possible: the complainant's personal data was erased ({rule}).",
}

WORDS: dict[str, dict[str, str]] = {
    "correction_erased": _ERASED,
    "correction_closed": {
        "nl": "De klacht is afgesloten: categorie en prioriteit blijven zoals ze waren ({rule}).",
        "en": "The complaint is closed: its category and priority stay as they were ({rule}).",
    },
    "correction_category_unknown": {
        "nl": "De categorie '{codes}' kent de organisatie niet; kies er een uit de lijst ({rule}).",
        "en": "The organisation has no category '{codes}'; choose one from the list ({rule}).",
    },
    "correction_priority_unknown": {
        "nl": "De prioriteit '{codes}' kent de organisatie niet; kies er een uit de lijst "
        "({rule}).",
        "en": "The organisation has no priority '{codes}'; choose one from the list ({rule}).",
    },
    "correction_reason_missing": {
        "nl": "Schrijf waarom u dit verandert: de reden blijft bij de klacht bewaard ({rule}).",
        "en": "Write why you change this: the reason is kept with the complaint ({rule}).",
    },
    "correction_term_past": {
        "nl": "Met deze categorie zou de wettelijke termijn al voorbij zijn. De termijn loopt "
        "vanaf de ontvangst; een correctie kan geen tijd wegnemen die al verstreken is "
        "({rule}).",
        "en": "With this category the statutory term would already have ended. The term runs "
        "from receipt; a correction cannot take away time that has already passed ({rule}).",
    },
    "correction_term_later": {
        "nl": "Met deze categorie zou de wettelijke termijn later eindigen dan de klager "
        "schriftelijk is meegedeeld. Meer tijd kan alleen met een verdaging en een brief "
        "daarover ({rule}).",
        "en": "With this category the statutory term would end later than the complainant was "
        "told in writing. More time needs an extension with a notice ({rule}).",
    },
    "duplicate_self": {
        "nl": "Een klacht kan geen dubbel van zichzelf zijn ({rule}).",
        "en": "A complaint cannot be a duplicate of itself ({rule}).",
    },
    "duplicate_erased": _ERASED,
    "duplicate_closed": {
        "nl": "Deze klacht is al afgesloten en kan niet meer als dubbel worden gekoppeld ({rule}).",
        "en": "This complaint is closed already and can no longer be linked as a duplicate "
        "({rule}).",
    },
    "duplicate_cycle": {
        "nl": "Die klacht is zelf al als dubbel van deze klacht gekoppeld ({rule}).",
        "en": "That complaint is itself linked as a duplicate of this one ({rule}).",
    },
    "duplicate_chain": {
        "nl": "Die klacht is zelf een dubbel; koppel aan de klacht waar die naar verwijst, "
        "{ref} ({rule}).",
        "en": "That complaint is itself a duplicate; link to the complaint it points to, {ref} "
        "({rule}).",
    },
    "follow_up_erased": _ERASED,
    "follow_up_before_answer": {
        "nl": "De klacht is nog niet beantwoord: behandel dit bericht in de klachtprocedure "
        "({rule}).",
        "en": "The complaint has not been answered yet: handle this message in the complaint "
        "procedure ({rule}).",
    },
    "follow_up_procedure_running": {
        "nl": "De klacht wordt opnieuw behandeld: neem dit bericht mee in het nieuwe antwoord "
        "({rule}).",
        "en": "The complaint is being handled again: include this message in the new answer "
        "({rule}).",
    },
    "follow_up_not_new": {
        "nl": "Dit bericht is al afgehandeld, of hoort niet bij deze klacht ({rule}).",
        "en": "This message was already handled, or does not belong to this complaint ({rule}).",
    },
    "follow_up_empty": {
        "nl": "Schrijf uw antwoord aan de klager ({rule}).",
        "en": "Write your answer to the complainant ({rule}).",
    },
}
