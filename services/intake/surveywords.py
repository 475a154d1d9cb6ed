"""The satisfaction survey's words (services/intake/survey.py), Dutch and English side by side."""

from __future__ import annotations

from typing import Any

SURVEY_WORDS: dict[str, dict[str, Any]] = {
    "nl": {
        "title": "Hoe heeft u het ervaren?",
        "intro": "Uw klacht {reference} is afgesloten. Met twee korte vragen helpt u ons "
        "klachten beter te behandelen. Antwoorden mag, hoeft niet.",
        "handling": "Hoe tevreden bent u over de manier waarop wij uw klacht hebben behandeld?",
        "outcome": "Hoe tevreden bent u over de uitkomst?",
        "scores": {
            1: "1 – zeer ontevreden",
            2: "2 – ontevreden",
            3: "3 – niet tevreden, niet ontevreden",
            4: "4 – tevreden",
            5: "5 – zeer tevreden",
        },
        "text": "Wilt u nog iets kwijt?",
        "text_hint": "Niet verplicht. Noem liever geen namen of andere persoonsgegevens.",
        "privacy": "Wij bewaren uw antwoord bij uw klacht. Uw eigen woorden worden versleuteld "
        "bewaard en verdwijnen als uw gegevens worden verwijderd. Deze pagina gebruikt geen "
        "cookies en volgt u niet.",
        "send": "Antwoord versturen",
        "required": "Kies een cijfer van 1 tot en met 5",
        "thanks": "Dank u wel. Wij hebben uw antwoord ontvangen.",
        "answered": "U heeft deze vragen al beantwoord. Per klacht kunt u dat één keer doen.",
        "erased": "Dit kan niet meer: uw gegevens bij deze klacht zijn verwijderd.",
        "open": "Uw klacht is (weer) in behandeling. De vragen kunt u beantwoorden als uw "
        "klacht is afgesloten.",
        "invalid": "Deze link is niet geldig. Controleer of u de hele link uit de brief heeft "
        "gebruikt.",
    },
    "en": {
        "title": "How was your experience?",
        "intro": "Your complaint {reference} has been closed. Two short questions help us "
        "handle complaints better. Answering is up to you.",
        "handling": "How satisfied are you with the way we handled your complaint?",
        "outcome": "How satisfied are you with the outcome?",
        "scores": {
            1: "1 – very dissatisfied",
            2: "2 – dissatisfied",
            3: "3 – neither satisfied nor dissatisfied",
            4: "4 – satisfied",
            5: "5 – very satisfied",
        },
        "text": "Is there anything else you would like to tell us?",
        "text_hint": "Optional. Please do not mention names or other personal details.",
        "privacy": "We keep your answer with your complaint. Your own words are stored "
        "encrypted and are deleted when your data is erased. This page uses no cookies and "
        "does not track you.",
        "send": "Send answer",
        "required": "Choose a score from 1 to 5",
        "thanks": "Thank you. We have received your answer.",
        "answered": "You have already answered these questions. You can do so once per complaint.",
        "erased": "This is no longer possible: your data for this complaint has been erased.",
        "open": "Your complaint is being handled (again). You can answer the questions once it "
        "is closed.",
        "invalid": "This link is not valid. Please check that you used the whole link from the "
        "letter.",
    },
}
