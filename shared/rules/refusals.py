"""What a refused command (or a warning with a result) says to staff, in Dutch and English,
naming the rule (one place). The aggregate's errors that name no rule: rules/plainwords.py."""

from __future__ import annotations

from shared.rules.awb import Refusal
from shared.rules.correctionwords import WORDS as CORRECTION_WORDS
from shared.rules.improvementwords import WORDS as IMPROVEMENT_WORDS
from shared.rules.learningwords import WORDS as LEARNING_WORDS
from shared.rules.notewords import WORDS as NOTE_WORDS
from shared.rules.questionwords import WORDS as QUESTION_WORDS

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
    # --- the procedure steps (shared/rules/procedure.py) ---------------------------------
    "assignment_empty": {
        "nl": "Wijs de klacht toe aan een behandelaar of aan een team ({rule}).",
        "en": "Assign the complaint to a handler or to a team ({rule}).",
    },
    "reassign_without_reason": {
        "nl": "Een klacht aan een ander toewijzen kan alleen met een reden; die komt in de "
        "geschiedenis van de klacht ({rule}).",
        "en": "Giving a complaint to someone else needs a reason; it goes into the complaint's "
        "history ({rule}).",
    },
    "not_in_a_queue": {
        "nl": "Deze klacht staat niet in de wachtrij van een team: hij heeft al een "
        "behandelaar of hoort bij geen team ({rule}).",
        "en": "This complaint is not waiting in a team's queue: it already has a handler or "
        "belongs to no team ({rule}).",
    },
    "take_not_member": {
        "nl": "Alleen leden van team {team} kunnen deze klacht uit de wachtrij oppakken ({rule}).",
        "en": "Only members of team {team} can take this complaint from the queue ({rule}).",
    },
    "handler_is_conduct_subject": {
        "nl": "Deze medewerker kan de klacht niet behandelen: de klacht gaat over zijn of haar "
        "eigen gedraging. De klacht wordt behandeld door iemand die niet bij de gedraging "
        "betrokken was ({rule}).",
        "en": "This employee cannot handle the complaint: it is about their own conduct. A "
        "complaint is handled by someone who was not involved in the conduct ({rule}).",
    },
    "same_unit": {
        "nl": "Let op: de behandelaar werkt in dezelfde eenheid ({unit}) als waarover de klacht "
        "gaat. Dat mag, maar alleen wie zelf bij de gedraging betrokken was, is uitgesloten "
        "({rule}).",
        "en": "Note: the handler works in the same unit ({unit}) the complaint is about. That "
        "is allowed; only someone involved in the conduct is excluded ({rule}).",
    },
    "conduct_subject_empty": {
        "nl": "Noem de medewerker of de eenheid over wier gedraging de klacht gaat ({rule}).",
        "en": "Name the employee or the unit whose conduct the complaint is about ({rule}).",
    },
    "conduct_subject_is_handler": {
        "nl": "De behandelaar van de klacht is degene over wie de klacht gaat. Wijs de klacht "
        "eerst toe aan iemand die niet bij de gedraging betrokken was ({rule}).",
        "en": "The complaint's handler is the person it is about. First give the complaint to "
        "someone who was not involved in the conduct ({rule}).",
    },
    "hearing_after_answer": {
        "nl": "De klacht is op dit niveau al beantwoord: horen hoort vóór het antwoord ({rule}).",
        "en": "The complaint has already been answered at this level: the hearing comes before "
        "the answer ({rule}).",
    },
    "hearing_settled": {
        "nl": "Het horen is op dit niveau al geregeld: de klager is gehoord of er is van horen "
        "afgezien ({rule}).",
        "en": "The hearing at this level is already settled: the complainant was heard or the "
        "hearing was waived ({rule}).",
    },
    "hearing_report_missing": {
        "nl": "Van het horen wordt een verslag gemaakt: vul het verslag in ({rule}).",
        "en": "A report is made of every hearing: fill in the report ({rule}).",
    },
    "waiver_needs_explanation": {
        "nl": "Leg uit waarom de klacht kennelijk ongegrond is; alleen dan kan van horen worden "
        "afgezien ({rule}).",
        "en": "Explain why the complaint is manifestly unfounded; only then can the hearing be "
        "waived ({rule}).",
    },
    "waiver_without_invitation": {
        "nl": "Afzien van horen omdat de klager niet op tijd reageerde kan alleen als de klager "
        "eerst is uitgenodigd om gehoord te worden ({rule}).",
        "en": "Waiving the hearing because the complainant did not react in time is possible "
        "only after the complainant was invited to be heard ({rule}).",
    },
    "waiver_not_heard_elsewhere": {
        "nl": "De klager is bij deze klacht nog op geen ander niveau gehoord ({rule}).",
        "en": "The complainant has not been heard at another level of this complaint ({rule}).",
    },
    "hearing_missing": {
        "nl": "De klacht kan nog niet worden beantwoord: de klager is niet gehoord en er is geen "
        "reden vastgelegd om van horen af te zien ({rule}).",
        "en": "The complaint cannot be answered yet: the complainant has not been heard and no "
        "ground for waiving the hearing has been recorded ({rule}).",
    },
    "informal_after_answer": {
        "nl": "De klacht is al formeel beantwoord: sluit hem af in plaats van hem informeel op "
        "te lossen ({rule}).",
        "en": "The complaint has already been answered formally: close it instead of resolving "
        "it informally ({rule}).",
    },
    "confirmation_in_future": {
        "nl": "De klager kan niet in de toekomst hebben bevestigd dat de klacht is opgelost "
        "({rule}).",
        "en": "The complainant cannot have confirmed the resolution in the future ({rule}).",
    },
    "decline_without_ground": {
        "nl": "Kies ten minste een wettelijke grond om de klacht niet te behandelen ({rule}).",
        "en": "Choose at least one legal ground for not handling the complaint ({rule}).",
    },
    "decline_without_explanation": {
        "nl": "Leg de klager uit waarom de klacht niet wordt behandeld ({rule}).",
        "en": "Explain to the complainant why the complaint is not handled ({rule}).",
    },
    "decline_after_answer": {
        "nl": "De klacht is al beantwoord: niet behandelen kan dan niet meer ({rule}).",
        "en": "The complaint has already been answered: it can no longer be left unhandled "
        "({rule}).",
    },
    # --- the advisory committee and the Wkkgz route (shared/rules/committee.py) ------------
    "committee_not_in_policy": {
        "nl": "Het klachtenbeleid legt klachten als deze niet voor aan een klachtadviescommissie "
        "({rule}).",
        "en": "The complaints policy does not refer complaints like this one to an advisory "
        "committee ({rule}).",
    },
    "referral_after_answer": {
        "nl": "De klacht is op dit niveau al beantwoord: voorleggen aan de commissie hoort vóór "
        "het antwoord ({rule}).",
        "en": "The complaint has already been answered at this level: referral to the committee "
        "comes before the answer ({rule}).",
    },
    "committee_not_referred": {
        "nl": "De klacht is op dit niveau niet aan de klachtadviescommissie voorgelegd ({rule}).",
        "en": "The complaint has not been referred to the advisory committee at this level "
        "({rule}).",
    },
    "committee_already_advised": {
        "nl": "De klachtadviescommissie heeft op dit niveau al geadviseerd ({rule}).",
        "en": "The advisory committee has already given its advice at this level ({rule}).",
    },
    "committee_hearing_in_future": {
        "nl": "Het horen door de commissie ligt nog in de toekomst: leg het verslag vast nadat "
        "de klager is gehoord ({rule}).",
        "en": "The committee's hearing lies in the future: record the report after the "
        "complainant was heard ({rule}).",
    },
    "committee_advice_in_future": {
        "nl": "Het advies van de commissie kan niet in de toekomst zijn ontvangen ({rule}).",
        "en": "The committee's advice cannot have been received in the future ({rule}).",
    },
    "committee_advice_empty": {
        "nl": "Leg het rapport van de commissie vast: haar bevindingen, advies en eventuele "
        "aanbevelingen ({rule}).",
        "en": "Record the committee's report: its findings, advice and any recommendations "
        "({rule}).",
    },
    "committee_advice_without_hearing": {
        "nl": "De commissie adviseert nadat de klager is gehoord of van horen is afgezien "
        "({rule}).",
        "en": "The committee advises after the complainant was heard or the hearing was "
        "waived ({rule}).",
    },
    "committee_referral_missing": {
        "nl": "Volgens het klachtenbeleid gaat deze klacht naar de klachtadviescommissie: leg "
        "hem eerst aan de commissie voor ({rule}).",
        "en": "Under the complaints policy this complaint goes to the advisory committee: refer "
        "it to the committee first ({rule}).",
    },
    "committee_advice_missing": {
        "nl": "De klacht is voorgelegd aan de klachtadviescommissie: beantwoord hem nadat haar "
        "advies er is ({rule}).",
        "en": "The complaint was referred to the advisory committee: answer it once the "
        "committee's advice is in ({rule}).",
    },
    "no_advice_to_depart_from": {
        "nl": "Er is geen advies van een klachtadviescommissie om van af te wijken ({rule}).",
        "en": "There is no advice of an advisory committee to depart from ({rule}).",
    },
    "departure_not_said": {
        "nl": "Vermeld of het antwoord afwijkt van het advies van de commissie ({rule}).",
        "en": "Say whether the answer departs from the committee's advice ({rule}).",
    },
    "departure_without_reasons": {
        "nl": "Het antwoord wijkt af van het advies van de commissie: vermeld de reden van die "
        "afwijking; het advies gaat mee met het antwoord ({rule}).",
        "en": "The answer departs from the committee's advice: state the reasons for departing; "
        "the advice goes with the answer ({rule}).",
    },
    "wkkgz_not_applicable": {
        "nl": "Dit hoort bij de klachtbehandeling in de zorg (Wkkgz): volgens het klachtenbeleid "
        "valt deze klacht daar niet onder ({rule}).",
        "en": "This belongs to the handling of care complaints (Wkkgz): under the complaints "
        "policy this complaint is not one of them ({rule}).",
    },
    "mediation_text_missing": {
        "nl": "Beschrijf wat de klachtenfunctionaris heeft gedaan ({rule}).",
        "en": "Describe what the complaints officer (klachtenfunctionaris) did ({rule}).",
    },
    "mediation_in_future": {
        "nl": "De bemiddeling kan niet in de toekomst hebben plaatsgevonden ({rule}).",
        "en": "The mediation cannot have taken place in the future ({rule}).",
    },
    "measures_after_judgement": {
        "nl": "Het oordeel over de klacht is op dit niveau al gegeven: de maatregelen en hun "
        "termijnen horen in het oordeel ({rule}).",
        "en": "The judgement on the complaint has already been given at this level: the "
        "measures and their terms belong in the judgement ({rule}).",
    },
    "measures_empty": {
        "nl": "Noem ten minste een maatregel met de datum waarop die is gerealiseerd ({rule}).",
        "en": "Name at least one measure with the date by which it is realised ({rule}).",
    },
    "measure_without_words": {
        "nl": "Beschrijf elke maatregel ({rule}).",
        "en": "Describe every measure ({rule}).",
    },
    "measure_due_in_past": {
        "nl": "De datum waarop een maatregel is gerealiseerd ligt in het verleden ({rule}).",
        "en": "The date by which a measure is realised lies in the past ({rule}).",
    },
    **LEARNING_WORDS,  # classification, root causes, remedies (issue 18)
    **QUESTION_WORDS,  # a handler's question and its answer (issue 25)
    **NOTE_WORDS,  # internal notes (issue 17)
    **CORRECTION_WORDS,  # category, duplicates, follow-up answers (issue 17)
    **IMPROVEMENT_WORDS,  # the improvement actions register (issue 18)
}


def words(refusal: Refusal, lang: str) -> str:
    """The refusal in the staff member's language (Dutch unless English is asked for)."""
    text = WORDS[refusal.code]["en" if lang == "en" else "nl"]
    return text.format(rule=refusal.rule, **refusal.values)
