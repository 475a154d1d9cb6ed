"""What a refused improvement action (shared/rules/improvements.py) says to staff, in Dutch and
English, naming the rule; merged into shared/rules/refusals.py's WORDS."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "improvement_title_missing": {
        "nl": "Geef de verbeteractie een titel: wat wordt er verbeterd ({rule})?",
        "en": "Give the improvement action a title: what is to be improved ({rule})?",
    },
    "improvement_owner_missing": {
        "nl": "Noem wie de verbeteractie uitvoert: een medewerker, team of afdeling ({rule}).",
        "en": "Name who carries out the improvement action: a staff member, team or "
        "department ({rule}).",
    },
    "improvement_due_in_past": {
        "nl": "De einddatum van de verbeteractie ligt in het verleden; kies vandaag of later "
        "({rule}).",
        "en": "The improvement action's due date lies in the past; choose today or later ({rule}).",
    },
    "improvement_outcome_missing": {
        "nl": "Beschrijf bij het afsluiten van de verbeteractie wat er is gedaan, of waarom "
        "ervan is afgezien ({rule}).",
        "en": "When closing the improvement action, describe what was done, or why it was "
        "dropped ({rule}).",
    },
    "improvement_unknown": {
        "nl": "Deze verbeteractie is niet bij deze klacht geopend ({rule}).",
        "en": "This improvement action was not opened on this complaint ({rule}).",
    },
    "improvement_ended": {
        "nl": "Deze verbeteractie is afgesloten (afgerond of vervallen) en verandert niet meer; "
        "open een nieuwe als het probleem terugkomt ({rule}).",
        "en": "This improvement action is closed (done or dropped) and no longer changes; open a "
        "new one if the problem comes back ({rule}).",
    },
    "improvement_link_to_lead": {
        "nl": "De verbeteractie is bij deze klacht geopend; koppel hem aan een andere klacht "
        "({rule}).",
        "en": "The improvement action was opened on this complaint; link it to another "
        "complaint ({rule}).",
    },
    "improvement_not_linked": {
        "nl": "Deze klacht hoort niet (meer) bij deze verbeteractie; alleen een gekoppelde klacht "
        "kan worden ontkoppeld, niet de klacht waarbij de actie is geopend ({rule}).",
        "en": "This complaint is not (or no longer) part of this improvement action; only a "
        "linked complaint can be unlinked, not the complaint the action was opened on ({rule}).",
    },
}
