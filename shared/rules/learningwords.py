"""What a refused classification, root cause or remedy (shared/rules/learning.py) says to
staff, in Dutch and English, naming the rule; merged into shared/rules/refusals.py's WORDS."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "themes_empty": {
        "nl": "Kies ten minste één thema ({rule}).",
        "en": "Choose at least one theme ({rule}).",
    },
    "themes_unknown": {
        "nl": "Geen thema van de huidige lijst (versie {version}): {codes} ({rule}).",
        "en": "Not a theme of the current list (version {version}): {codes} ({rule}).",
    },
    "root_causes_empty": {
        "nl": "Noem ten minste één oorzaak ({rule}).",
        "en": "Name at least one root cause ({rule}).",
    },
    "root_causes_unknown": {
        "nl": "Geen oorzaak van de huidige lijst (versie {version}): {codes} ({rule}).",
        "en": "Not a root cause of the current list (version {version}): {codes} ({rule}).",
    },
    "remedy_kinds_unknown": {
        "nl": "Geen soort herstel van de huidige lijst (versie {version}): {codes} ({rule}).",
        "en": "Not a kind of remedy of the current list (version {version}): {codes} ({rule}).",
    },
    "codes_repeated": {
        "nl": "Noem elke keuze maar één keer ({rule}).",
        "en": "Name each choice only once ({rule}).",
    },
    "remedies_empty": {
        "nl": "Noem ten minste één vorm van herstel ({rule}).",
        "en": "Name at least one remedy ({rule}).",
    },
    "remedy_amount_missing": {
        "nl": "Bij {kind_nl} hoort een bedrag in euro ({rule}).",
        "en": "A {kind_en} needs an amount in euro ({rule}).",
    },
    "remedy_amount_out_of_range": {
        "nl": "Het bedrag moet meer dan nul zijn en ten hoogste een miljoen euro ({rule}).",
        "en": "The amount must be more than zero and at most one million euro ({rule}).",
    },
    "remedy_owner_missing": {
        "nl": "Bij {kind_nl} hoort wie het uitvoert: een medewerker, team of afdeling ({rule}).",
        "en": "A {kind_en} needs an owner: a staff member, team or department ({rule}).",
    },
    "remedy_due_missing": {
        "nl": "Bij {kind_nl} hoort de datum waarop het klaar is ({rule}).",
        "en": "A {kind_en} needs the date by which it is done ({rule}).",
    },
    "remedy_due_in_past": {
        "nl": "De datum waarop {kind_nl} klaar is ligt in het verleden ({rule}).",
        "en": "The date by which the {kind_en} is done lies in the past ({rule}).",
    },
    "remedy_action_undescribed": {
        "nl": "Beschrijf wat er wordt verbeterd ({rule}).",
        "en": "Describe what is to be improved ({rule}).",
    },
}
