"""The Dutch of the aggregate's errors that name no rule (a rule's refusal has its words in
shared/rules/refusals.py). Their English is the error's message, written where it is raised;
staff read Dutch unless they ask for English (ComplaintError.words)."""

from __future__ import annotations

import re

# The raise site (shared/rules/*.py) writes the English; this is its Dutch, keyed by the English
# with each value as `{name}`. A test reads every raise site and fails on one missing here.
PLAIN: dict[str, str] = {
    # shared/rules/complaint.py
    "received_at lies in the future": "Het moment van ontvangst (received_at) ligt in de toekomst.",
    "the description is empty": "De omschrijving van de klacht is leeg.",
    "cannot send a status link: the personal data was erased": "Er kan geen statuslink worden "
    "verstuurd: de persoonsgegevens zijn verwijderd.",
    "the complaint was already answered at this level": "De klacht is op dit niveau al beantwoord.",
    "the response text is empty": "De tekst van het antwoord is leeg.",
    "only the complainant's own message can ask for a review": "Alleen een bericht van de "
    "klager zelf kan om een nieuwe beoordeling vragen.",
    "the complaint is not closed": "De klacht is niet afgesloten.",
    "a withdrawn or erased complaint cannot be reopened": "Een ingetrokken klacht, of een "
    "klacht waarvan de persoonsgegevens zijn verwijderd, kan niet worden heropend.",
    "reopening a complaint needs a reason": "Een klacht heropenen kan alleen met een reden.",
    "the next escalation level is {next}, not {level}": "Het volgende escalatieniveau is "
    "{next}, niet {level}.",
    "level {level} is the top of the escalation ladder": "Niveau {level} is het hoogste niveau "
    "waaraan de klacht kan worden voorgelegd.",
    "an extension needs a reason for the notice": "Een verdaging heeft een reden nodig: die "
    "staat in het bericht aan de klager.",
    "an extension is at least one week": "Verdaag met ten minste een week.",
    "waiting for the complainant needs a reason": "Wachten op de klager kan alleen met een reden.",
    "a complaint is resolved only after a response": "Een klacht is pas afgehandeld als hij is "
    "beantwoord.",
    "not handling a complaint (Awb 9:8) needs a reason": "Een klacht niet in behandeling nemen "
    "(Awb 9:8) kan alleen met een reden.",
    "cannot withdraw: the personal data was erased": "Intrekken kan niet meer: de "
    "persoonsgegevens zijn verwijderd.",
    "cannot {what}: the complaint is closed": "De klacht is afgesloten: {what} kan niet meer.",
    # shared/rules/steps.py
    "no person complained about was recorded with that id": "Er is geen persoon over wie de "
    "klacht gaat vastgelegd met dat kenmerk.",
    "the reaction is empty": "De reactie is leeg.",
    "the hearing's date lies in the past": "De datum van het horen ligt in het verleden.",
    "a hearing in person needs a place": "Voor horen in persoon is een plaats nodig.",
    "the hearing lies in the future": "Het horen ligt nog in de toekomst: leg het verslag vast "
    "nadat de klager is gehoord.",
    "say how the complaint was resolved": "Vermeld hoe de klacht is opgelost.",
    # shared/rules/committeesteps.py
    "the complaint was already referred to the committee": "De klacht is al aan de "
    "klachtadviescommissie voorgelegd.",
    # shared/rules/notesteps.py
    "the note is empty": "De notitie is leeg.",
    # shared/rules/surveysteps.py
    "the survey cannot be answered: the personal data was erased": "De vragenlijst kan niet "
    "meer worden ingevuld: de persoonsgegevens zijn verwijderd.",
    "the survey of this complaint was already answered": "De vragenlijst over deze klacht is al "
    "ingevuld.",
    "the survey can be answered once the complaint is closed": "De vragenlijst kan worden "
    "ingevuld zodra de klacht is afgehandeld.",
    "{name} must be a score from 1 to 5": "{name} moet een cijfer van 1 tot en met 5 zijn.",
}
# What `_require_open(what)` names, in Dutch (the `{what}` above).
ACTS: dict[str, str] = {
    "acknowledge": "de ontvangst bevestigen",
    "respond": "beantwoorden",
    "escalate": "voorleggen aan het volgende niveau",
    "extend": "verdagen",
    "pause": "wachten op de klager",
    "resume": "hervatten",
    "close": "afsluiten",
    "withdraw": "intrekken",
    "assign": "toewijzen",
    "take": "oppakken",
    "record the person complained about": "vastleggen over wie de klacht gaat",
    "record the reaction": "de reactie vastleggen",
    "invite to a hearing": "uitnodigen om gehoord te worden",
    "record a hearing": "het horen vastleggen",
    "waive the hearing": "afzien van horen",
    "resolve informally": "informeel oplossen",
    "decline": "niet in behandeling nemen",
    "refer to the committee": "voorleggen aan de klachtadviescommissie",
    "record the committee's hearing": "het horen door de commissie vastleggen",
    "record the committee's advice": "het advies van de commissie vastleggen",
    "record mediation": "de bemiddeling vastleggen",
    "promise measures": "maatregelen toezeggen",
}


def _pattern(english: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", english)  # text, name, text, name, …, text
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(regex + "$")


_PATTERNS = [(_pattern(english), dutch) for english, dutch in PLAIN.items()]


def plain_words(message: str, lang: str) -> str:
    """An error without a named rule in the staff member's language (Dutch unless English is
    asked for); a message not (yet) in `PLAIN` stays as it was raised."""
    if lang == "en":
        return message
    for pattern, dutch in _PATTERNS:
        if found := pattern.match(message):
            values = found.groupdict()
            if "what" in values:
                values["what"] = ACTS.get(values["what"], values["what"])
            return dutch.format(**values)
    return message
