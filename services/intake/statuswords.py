"""The status page's words for letters and questions (issue 25), Dutch and English side by
side; merged into services/intake/texts.py's TEXTS."""

from __future__ import annotations

from typing import Any

WORDS: dict[str, dict[str, Any]] = {
    "nl": {
        "step_more": {
            "question": "Vraag van uw klachtbehandelaar",
            "answered": "Uw antwoord op de vraag",
        },
        "letters_title": "Brieven die wij u stuurden",
        "letters_intro": "Hier staat elke brief die wij over deze klacht verstuurden. De tekst "
        "zelf bewaren wij niet op deze pagina: u vindt hem in uw e-mail of in de brief die u "
        "per post kreeg.",
        "letters_none": "Wij hebben u over deze klacht nog geen brief gestuurd.",
        "letters_caption": "Verstuurde brieven",
        "letter_columns": {
            "on": "Datum",
            "kind": "Soort brief",
            "subject": "Onderwerp",
            "delivery": "Verstuurd",
        },
        "letter_kinds": {
            "acknowledgement": "Ontvangstbevestiging",
            "extension_notice": "Bericht over verlenging van de termijn",
            "response": "Onze reactie op uw klacht",
            "escalation_notice": "Bericht over de volgende stap",
            "closure": "Bericht over het afsluiten",
            "reaction_receipt": "Bevestiging van uw bericht",
            "status_link": "Link naar deze pagina",
            "hearing_invitation": "Uitnodiging voor een gesprek",
            "informal_resolution": "Bevestiging van de oplossing",
            "declining": "Bericht dat wij de klacht niet behandelen",
            "question": "Vraag van uw klachtbehandelaar",
        },
        "deliveries": {"email": "per e-mail", "post": "per post"},
        "no_subject": "(niet bewaard)",
        "questions_title": "Uw klachtbehandelaar heeft een vraag",
        "questions_intro": "Wilt u deze vraag beantwoorden? Uw antwoord komt direct bij uw "
        "klacht; uw klachtbehandelaar ziet het als nieuw bericht.",
        "question_asked_on": "Gesteld op {day}",
        "answer_label": "Uw antwoord",
        "answer_button": "Antwoord versturen",
        "answer_required": "Schrijf uw antwoord op de vraag.",
        "answer_done": "Dank u. Uw antwoord is bij uw klacht gevoegd; uw klachtbehandelaar "
        "ziet het als nieuw bericht.",
        "answer_refused": "Deze vraag is al beantwoord. Wilt u nog iets kwijt? Gebruik dan "
        "Informatie toevoegen.",
    },
    "en": {
        "step_more": {
            "question": "Question from your complaints handler",
            "answered": "Your answer to the question",
        },
        "letters_title": "Letters we sent you",
        "letters_intro": "Every letter we sent about this complaint is listed here. The text "
        "itself is not kept on this page: you will find it in your e-mail or in the letter you "
        "received by post.",
        "letters_none": "We have not sent you a letter about this complaint yet.",
        "letters_caption": "Letters sent",
        "letter_columns": {
            "on": "Date",
            "kind": "Kind of letter",
            "subject": "Subject",
            "delivery": "Sent",
        },
        "letter_kinds": {
            "acknowledgement": "Acknowledgement of receipt",
            "extension_notice": "Notice that the term is extended",
            "response": "Our response to your complaint",
            "escalation_notice": "Notice of the next step",
            "closure": "Notice that the complaint is closed",
            "reaction_receipt": "Confirmation of your message",
            "status_link": "Link to this page",
            "hearing_invitation": "Invitation to a conversation",
            "informal_resolution": "Confirmation of the solution",
            "declining": "Notice that we do not handle the complaint",
            "question": "Question from your complaints handler",
        },
        "deliveries": {"email": "by e-mail", "post": "by post"},
        "no_subject": "(not kept)",
        "questions_title": "Your complaints handler has a question",
        "questions_intro": "Would you answer this question? Your answer goes straight to your "
        "complaint; your complaints handler sees it as a new message.",
        "question_asked_on": "Asked on {day}",
        "answer_label": "Your answer",
        "answer_button": "Send answer",
        "answer_required": "Write your answer to the question.",
        "answer_done": "Thank you. Your answer is with your complaint; your complaints handler "
        "sees it as a new message.",
        "answer_refused": "This question has already been answered. Anything else to tell us? "
        "Then use Add information.",
    },
}
