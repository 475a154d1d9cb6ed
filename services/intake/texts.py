"""The words of the web pages in Dutch and English (a request's field problems live in
problems.py). Above 300 lines because it is one table, every sentence in both languages side
by side, so a missing translation shows.

Sentences with ``{placeholders}`` are filled in by the templates with concrete dates, names and
numbers; dates are written out in full (``maandag 9 november 2026``) by ``long_date``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.runtime import words

TEXTS: dict[str, dict[str, Any]] = {
    "nl": {
        "title": "Een klacht indienen",
        "intro": "Vertel ons wat er mis ging. Velden met * zijn verplicht.",
        "skip": "Naar de inhoud",
        "other_language": "English",
        "other_lang": "en",
        "labels": {
            "complainant.name": "Naam",
            "complainant.email": "E-mailadres",
            "complainant.phone": "Telefoonnummer",
            "subject": "Onderwerp",
            "description": "Omschrijving van uw klacht",
            "desired_outcome": "Wat zou u graag zien als oplossing?",
            "form": "Formulier",
        },
        "hints": {
            "email": "Wij sturen de ontvangstbevestiging naar dit adres.",
            "description": "Wat gebeurde er, wanneer en wie was erbij betrokken?",
        },
        "optional": "(niet verplicht)",
        "submit": "Klacht versturen",
        "error_title": "Er is een probleem",
        "error_intro": "Controleer de volgende velden:",
        "too_many": "U heeft te veel verzoeken gedaan. Probeer het over een minuut opnieuw.",
        "confirm_title": "Uw klacht is ontvangen",
        "confirm_reference": "Uw kenmerk",
        "confirm_next_title": "Wat gebeurt er nu?",
        "confirm_next": [
            "U ontvangt binnen enkele dagen een schriftelijke ontvangstbevestiging per e-mail.",
            "Een klachtbehandelaar die niet bij de gedraging betrokken was, behandelt uw klacht.",
            "U krijgt binnen zes weken na ontvangst een reactie. Als wij meer tijd nodig "
            "hebben, laten wij u dat vóór het einde van die termijn weten.",
            "Noem uw kenmerk als u contact met ons opneemt of op onze e-mail antwoordt.",
        ],
        "status_link": "De status van uw klacht bekijken",
        "status_title": "Status van uw klacht",
        "status_intro": "Vul uw kenmerk in en het e-mailadres waarmee u de klacht indiende. "
        "Gaf u geen e-mailadres, vul dan de postcode en het huisnummer in van het adres "
        "waar onze brieven naartoe gaan.",
        "reference": "Kenmerk",
        "lookup": "Status bekijken",
        "lookup_required": {
            "reference": "Vul uw kenmerk in, bijvoorbeeld KL-2026-000123.",
            "email": "Vul uw e-mailadres in, of uw postcode en huisnummer.",
            "postcode": "Vul ook uw postcode in.",
            "house_number": "Vul ook uw huisnummer in.",
        },
        "not_found": "Wij vinden geen klacht met dit kenmerk en dit e-mailadres.",
        "link_sent": "Als het kenmerk en het e-mailadres bij elkaar horen, hebben wij een link "
        "naar de stand van zaken naar dat e-mailadres gestuurd. Kijk ook in uw map met "
        "ongewenste e-mail. Vulde u uw postcode en huisnummer in en horen die bij het kenmerk, "
        "dan sturen wij de link per post naar dat adres.",
        "link_expired": "Deze link is verlopen. Vul uw kenmerk en uw e-mailadres (of postcode "
        "en huisnummer) in, dan sturen wij u een nieuwe link.",
        "status": "Status",
        "received": "Ontvangen op",
        "deadline": "Uiterlijke reactiedatum",
        "statuses": {
            "submitted": "Ontvangen",
            "acknowledged": "In behandeling",
            "responded": "Beantwoord",
            "escalated": "Opnieuw in behandeling (geëscaleerd)",
            "closed": "Afgesloten",
        },
        "new_complaint": "Een nieuwe klacht indienen",
    },
    "en": {
        "title": "Submit a complaint",
        "intro": "Tell us what went wrong. Fields marked * are required.",
        "skip": "Skip to content",
        "other_language": "Nederlands",
        "other_lang": "nl",
        "labels": {
            "complainant.name": "Name",
            "complainant.email": "E-mail address",
            "complainant.phone": "Phone number",
            "subject": "Subject",
            "description": "Description of your complaint",
            "desired_outcome": "What outcome would you like?",
            "form": "Form",
        },
        "hints": {
            "email": "We send the acknowledgement to this address.",
            "description": "What happened, when, and who was involved?",
        },
        "optional": "(optional)",
        "submit": "Send complaint",
        "error_title": "There is a problem",
        "error_intro": "Please check these fields:",
        "too_many": "You have made too many requests. Please try again in a minute.",
        "confirm_title": "Your complaint has been received",
        "confirm_reference": "Your reference",
        "confirm_next_title": "What happens next?",
        "confirm_next": [
            "Within a few days you receive a written acknowledgement by e-mail.",
            "A complaints handler who was not involved in the matter handles your complaint.",
            "You receive an answer within six weeks of receipt. If we need more time, we tell "
            "you before that term ends.",
            "Quote your reference when you contact us or reply to our e-mail.",
        ],
        "status_link": "Check the status of your complaint",
        "status_title": "Status of your complaint",
        "status_intro": "Enter your reference and the e-mail address you used for the "
        "complaint. If you gave no e-mail address, enter the postcode and house number of the "
        "address our letters go to.",
        "reference": "Reference",
        "lookup": "Check status",
        "lookup_required": {
            "reference": "Enter your reference, for example KL-2026-000123.",
            "email": "Enter your e-mail address, or your postcode and house number.",
            "postcode": "Also enter your postcode.",
            "house_number": "Also enter your house number.",
        },
        "not_found": "We cannot find a complaint with this reference and e-mail address.",
        "link_sent": "If the reference and the e-mail address belong together, we have sent a "
        "link to the progress of the complaint to that address. Please also check your junk "
        "mail folder. If you entered a postcode and house number that belong to the reference, "
        "we send the link by post to that address.",
        "link_expired": "This link has expired. Enter your reference and your e-mail address (or "
        "postcode and house number) and we will send you a new link.",
        "status": "Status",
        "received": "Received on",
        "deadline": "Answer due by",
        "statuses": {
            "submitted": "Received",
            "acknowledged": "Being handled",
            "responded": "Answered",
            "escalated": "Being handled again (escalated)",
            "closed": "Closed",
        },
        "new_complaint": "Submit a new complaint",
    },
}


MORE: dict[str, dict[str, Any]] = {
    "nl": {
        "confirm_next": [
            "Een klachtbehandelaar die niet bij de gedraging betrokken was, behandelt uw klacht.",
            "Hebben wij meer tijd nodig, dan laten wij u dat vóór het einde van de wettelijke "
            "termijn weten, met de reden en de nieuwe datum.",
            "Noem uw kenmerk als u contact met ons opneemt of op onze e-mail antwoordt.",
        ],
        "link_invalid": "Deze link is niet geldig. Zoek uw klacht op met uw kenmerk en uw "
        "e-mailadres.",
        "about_you": "Uw gegevens",
        "about_complaint": "Uw klacht",
        "guide_title": "Zo dient u een goede klacht in",
        "guide": [
            "Wees duidelijk en concreet: wat gebeurde er, wanneer, waar en wie waren erbij?",
            "Bewaar kopieën van uw documenten, zoals brieven, e-mails, foto's of rekeningen, "
            "en voeg ze toe aan uw klacht.",
            "Blijf respectvol. Wij nemen uw klacht serieus en behandelen u met respect; "
            "wij vragen u hetzelfde voor onze medewerkers.",
            "Vertel wat u graag zou zien als oplossing. Dan weten wij waar u op hoopt.",
        ],
        "faq_title": "Veelgestelde vragen",
        "faq": [
            (
                "Kan ik over alles klagen?",
                "Ja, als het gaat over hoe onze organisatie of een van onze medewerkers zich "
                "tegenover u heeft gedragen. Gaat het over een andere organisatie, dan wijzen "
                "wij u de weg.",
            ),
            (
                "Hoe lang duurt het?",
                "U krijgt binnen {ack_days} werkdagen een ontvangstbevestiging: dient u vandaag "
                "in, dan uiterlijk op {ack_by}. Wij streven naar een reactie binnen "
                "{respond_days} werkdagen, uiterlijk {respond_by}. De wettelijke termijn is zes "
                "weken: uiterlijk {statutory_by}.",
            ),
            (
                "Wat als ik het niet eens ben met de reactie?",
                "Dan kunt u vragen om uw klacht opnieuw te laten beoordelen, eerst door een "
                "leidinggevende en daarna door de directie. Dat kan op de statuspagina van uw "
                "klacht of door op onze reactie te antwoorden. Bent u daarna nog niet tevreden, "
                "dan kunt u naar {external}.",
            ),
            (
                "Is het moeilijk?",
                "Nee. Schrijf in uw eigen woorden wat er gebeurde; u hoeft geen juridische "
                "termen te gebruiken. Een klacht indienen is gratis.",
            ),
        ],
        "attachments": "Documenten toevoegen",
        "attachments_hint": "Bijvoorbeeld een brief, foto of rekening (PDF, afbeelding, tekst "
        "of Word). Samen maximaal {max}.",
        "attachment_type": "Bestand {name}: dit soort bestand kunnen wij niet aannemen. "
        "Stuur een PDF, afbeelding, tekst- of Word-bestand.",
        "attachment_size": "Bestand {name} is niet toegevoegd: de bestanden mogen samen "
        "hoogstens {max} zijn.",
        "attachment_count": "Voeg hoogstens {max} bestanden toe.",
        "attachments_too_large": "De bestanden waren samen groter dan {max}, daarom konden wij "
        "het formulier niet ontvangen. Vul het opnieuw in en voeg minder of kleinere bestanden "
        "toe (samen hoogstens {max}).",
        "attachments_too_large_js": "De bestanden zijn samen groter dan {max}. Kies minder of "
        "kleinere bestanden; uw tekst blijft staan.",
        "attachments_lost": "Voeg deze bestanden opnieuw toe: {names}.",
        "attachments_kept": "Al toegevoegd: {name}",
        "attachments_kept_hint": "Deze documenten hebben wij al; u hoeft ze niet opnieuw te "
        "kiezen.",
        "remove_document": "Weghalen",
        "sent_before": "Dit formulier is al eens verstuurd, met andere tekst. Kijk in uw e-mail "
        "of u een ontvangstbevestiging hebt gekregen. Wilt u dit als nieuwe klacht indienen, "
        "verstuur het formulier dan nog een keer.",
        "timeline": "Tijdlijn van uw klacht",
        "your_attachments": "Uw documenten",
        "follow_title": "Uw klacht volgen",
        "follow_intro": "Met deze persoonlijke link ziet u altijd hoe het met uw klacht staat. "
        "Bewaar hem goed en deel hem niet: wie de link heeft, kan uw klacht bekijken.",
        "follow_link": "Bekijk de status van uw klacht",
        "step": {
            "received": "Klacht ontvangen",
            "acknowledged": "Ontvangstbevestiging verstuurd",
            "acknowledge_by": "Ontvangstbevestiging uiterlijk",
            "respond_by": "Onze reactie uiterlijk",
            "statutory_by": "Wettelijke termijn eindigt",
            "extended": "Termijn verlengd tot {until}",
            "responded": "Onze reactie",
            "reaction": "Uw reactie",
            "escalated": "Voorgelegd aan {name}",
            "paused": "Wij wachten op informatie van u",
            "resumed": "Behandeling hervat",
            "closed": "Klacht afgesloten",
            "erased": "Uw persoonsgegevens zijn verwijderd",
        },
        "expected": "verwacht",
        "reason": "Reden",
        "roles": {
            "supervisor": "een leidinggevende",
            "management": "de directie",
            "external": "een externe klachtinstantie",
        },
        "escalation_reasons": {
            "complainant_request": "Op uw verzoek.",
            "deadline_missed": "Omdat wij een termijn niet hebben gehaald.",
            "staff_decision": "Op ons eigen initiatief.",
        },
        "outcomes": {
            "resolved": "Uw klacht is afgehandeld.",
            "not_handled": "Wij hebben uw klacht niet in behandeling genomen.",
            "withdrawn": "U hebt uw klacht ingetrokken.",
            "referred": "Uw klacht is doorgestuurd naar de juiste organisatie.",
            "duplicate": "Wij behandelen deze klacht samen met uw andere klacht over hetzelfde; "
            "daar krijgt u ons antwoord.",
        },
        "erased_notice": "Uw persoonsgegevens en de teksten van deze klacht zijn verwijderd. "
        "Alleen de data van de stappen zijn bewaard.",
        "review_after": {
            "title": "Niet tevreden met onze reactie?",
            "intro": "Vertel ons waarom u het niet eens bent. Wij leggen uw klacht dan voor "
            "aan {name}.",
            "label": "Waarom bent u het niet eens met onze reactie?",
        },
        "review_before": {
            "title": "Wilt u dat iemand anders naar uw klacht kijkt?",
            "intro": "U hoeft niet op onze reactie te wachten. Vertel ons waarom, dan leggen "
            "wij uw klacht nu voor aan {name}.",
            "label": "Waarom wilt u dat uw klacht opnieuw bekeken wordt?",
        },
        "escalate_term": "U krijgt binnen {days} werkdagen een nieuwe reactie.",
        "escalate_button": "Ik wil dat dit opnieuw bekeken wordt",
        "escalate_required": "Schrijf waarom u wilt dat uw klacht opnieuw bekeken wordt.",
        "escalate_done": "Wij hebben uw verzoek ontvangen. Uw klacht ligt nu bij {name}.",
        "escalate_refused": "Uw klacht kan nu niet opnieuw worden voorgelegd; misschien hebt u "
        "dat al gevraagd. De tijdlijn hieronder laat zien hoe het staat.",
        "external_title": "Naar {name}",
        "external_text": "Bent u na onze behandeling nog niet tevreden? Dan kunt u uw klacht "
        "voorleggen aan {name}.",
        "external_until": "Doe dat uiterlijk op {until}: binnen {months} maanden na onze "
        "laatste reactie.",
        "external_term": "Dat kan binnen {months} maanden na onze laatste reactie.",
    },
    "en": {
        "confirm_next": [
            "A complaints handler who was not involved in the matter handles your complaint.",
            "If we need more time, we tell you before the legal term ends, with the reason and "
            "the new date.",
            "Quote your reference when you contact us or reply to our e-mail.",
        ],
        "link_invalid": "This link is not valid. Look up your complaint with your reference and "
        "your e-mail address.",
        "about_you": "About you",
        "about_complaint": "Your complaint",
        "guide_title": "How to make a good complaint",
        "guide": [
            "Be clear and specific: what happened, when, where and who was involved?",
            "Keep copies of your documents, such as letters, e-mails, photos or bills, and add "
            "them to your complaint.",
            "Stay respectful. We take your complaint seriously and treat you with respect; we "
            "ask the same for our staff.",
            "Tell us what outcome you would like, so we know what you hope for.",
        ],
        "faq_title": "Common questions",
        "faq": [
            (
                "Can I complain about anything?",
                "Yes, if it concerns how our organisation or one of our staff treated you. If it "
                "concerns another organisation, we show you where to go.",
            ),
            (
                "How long does it take?",
                "You receive an acknowledgement within {ack_days} working days: if you send your "
                "complaint today, by {ack_by}. We aim to answer within {respond_days} working "
                "days, by {respond_by}. The legal term is six weeks: by {statutory_by}.",
            ),
            (
                "What if I disagree with the answer?",
                "Then you can ask for your complaint to be reviewed again, first by a "
                "supervisor and then by the management, on the status page of your complaint "
                "or by replying to our answer. If you are still not satisfied, you can turn "
                "to {external}.",
            ),
            (
                "Is it difficult?",
                "No. Write in your own words what happened; you do not need legal terms. "
                "Complaining is free of charge.",
            ),
        ],
        "attachments": "Add documents",
        "attachments_hint": "For example a letter, photo or bill (PDF, image, text or Word). "
        "At most {max} in total.",
        "attachment_type": "File {name}: we cannot accept this kind of file. Send a PDF, image, "
        "text or Word file.",
        "attachment_size": "File {name} was not added: the files together may be at most {max}.",
        "attachment_count": "Add at most {max} files.",
        "attachments_too_large": "The files together were larger than {max}, so we could not "
        "receive the form. Please fill it in again and add fewer or smaller files (at most "
        "{max} together).",
        "attachments_too_large_js": "The files together are larger than {max}. Choose fewer or "
        "smaller files; your text stays as it is.",
        "attachments_lost": "Please add these files again: {names}.",
        "attachments_kept": "Already attached: {name}",
        "attachments_kept_hint": "We already have these documents; you do not need to choose "
        "them again.",
        "remove_document": "Remove",
        "sent_before": "This form was sent before, with other text. Please check your e-mail for "
        "an acknowledgement. If you want to send this as a new complaint, send the form again.",
        "timeline": "Timeline of your complaint",
        "your_attachments": "Your documents",
        "follow_title": "Follow your complaint",
        "follow_intro": "This personal link always shows how your complaint is doing. Keep it "
        "safe and do not share it: anyone with the link can see your complaint.",
        "follow_link": "See the status of your complaint",
        "step": {
            "received": "Complaint received",
            "acknowledged": "Acknowledgement sent",
            "acknowledge_by": "Acknowledgement by",
            "respond_by": "Our answer by",
            "statutory_by": "Legal term ends",
            "extended": "Term extended until {until}",
            "responded": "Our answer",
            "reaction": "Your reaction",
            "escalated": "Referred to {name}",
            "paused": "We are waiting for information from you",
            "resumed": "Handling resumed",
            "closed": "Complaint closed",
            "erased": "Your personal data was erased",
        },
        "expected": "expected",
        "reason": "Reason",
        "roles": {
            "supervisor": "a supervisor",
            "management": "the management",
            "external": "an external complaints body",
        },
        "escalation_reasons": {
            "complainant_request": "At your request.",
            "deadline_missed": "Because we missed a deadline.",
            "staff_decision": "On our own initiative.",
        },
        "outcomes": {
            "resolved": "Your complaint has been dealt with.",
            "not_handled": "We have not taken your complaint into consideration.",
            "withdrawn": "You withdrew your complaint.",
            "referred": "Your complaint was passed on to the right organisation.",
            "duplicate": "We handle this complaint together with your other complaint about the "
            "same matter; you will receive our answer there.",
        },
        "erased_notice": "Your personal data and the texts of this complaint were erased. Only "
        "the dates of the steps are kept.",
        "review_after": {
            "title": "Not satisfied with our answer?",
            "intro": "Tell us why you disagree. We will then refer your complaint to {name}.",
            "label": "Why do you disagree with our answer?",
        },
        "review_before": {
            "title": "Do you want someone else to look at your complaint?",
            "intro": "You do not have to wait for our answer. Tell us why, and we refer your "
            "complaint to {name} now.",
            "label": "Why do you want your complaint reviewed?",
        },
        "escalate_term": "You receive a new answer within {days} working days.",
        "escalate_button": "I want this reviewed",
        "escalate_required": "Write why you want your complaint reviewed.",
        "escalate_done": "We have received your request. Your complaint is now with {name}.",
        "escalate_refused": "Your complaint cannot be referred again right now; perhaps you "
        "already asked. The timeline below shows where it stands.",
        "external_title": "To {name}",
        "external_text": "Still not satisfied after we handled your complaint? Then you can "
        "take it to {name}.",
        "external_until": "Do so by {until}: within {months} months of our last answer.",
        "external_term": "You can do so within {months} months of our last answer.",
    },
}
for _lang, _more in MORE.items():
    TEXTS[_lang].update(_more)


# The complainant's side of issue 25: address or e-mail, a representative, the day and the
# department, the check before sending, the copy, and adding to or withdrawing a complaint.
SIDE: dict[str, dict[str, Any]] = {
    "nl": {
        "labels": {
            "complainant.address": "Postadres",
            "representative.name": "Naam van de vertegenwoordiger",
            "representative.relation": "Relatie tot de klager",
            "representative.email": "E-mailadres van de vertegenwoordiger",
            "representative.phone": "Telefoonnummer van de vertegenwoordiger",
            "representative.address": "Postadres van de vertegenwoordiger",
            "event_date": "Datum van de gebeurtenis",
            "department": "Afdeling waar het over gaat",
            "text": "Aanvullende informatie",
            "attachments": "Documenten",
            "reason": "Reden",
        },
        "reach_hint": "Vul een e-mailadres of een postadres in, of allebei. Zonder e-mailadres "
        "sturen wij onze brieven per post.",
        "address_hint": "Straat en huisnummer, postcode en plaats.",
        "representative_title": "Dient u de klacht in voor iemand anders? (niet verplicht)",
        "representative_hint": "Bijvoorbeeld als ouder, mantelzorger of gemachtigde. Vul dan "
        "hierboven de gegevens in van degene namens wie u klaagt, en hier uw eigen gegevens. "
        "Onze brieven gaan dan naar u.",
        "relation_hint": "Bijvoorbeeld: moeder, mantelzorger, advocaat.",
        "event_date_hint": "Weet u de datum niet precies, laat dit veld dan leeg en noem het "
        "in uw omschrijving.",
        "department_unknown": "Weet ik niet",
        "check_button": "Controleer uw klacht",
        "check_title": "Controleer uw klacht voordat u hem verstuurt",
        "check_intro": "Dit gaat u ons sturen. Klopt alles? Verstuur dan uw klacht. Wilt u iets "
        "veranderen, kies dan Wijzigen; wat u al had ingevuld blijft staan.",
        "check_send": "Klacht versturen",
        "check_edit": "Wijzigen",
        "none_given": "niet ingevuld",
        "copy_title": "Kopie van wat u ons stuurde",
        "copy_intro": "Bewaar deze kopie: druk de pagina af of bewaar hem als PDF.",
        "print": "Afdrukken of bewaren als PDF",
        "copy_pdf": "Download de kopie als PDF",
        "copy_pdf_title": "Kopie van uw klacht",
        "copy_pdf_intro": "Dit is wat u ons stuurde. Bewaar deze kopie bij uw papieren.",
        "copy_pdf_page": "Pagina {page} van {pages}",
        "copy_pdf_file": "kopie-klacht",
        "lookup_no_email": "Geen e-mailadres opgegeven?",
        "lookup_no_email_hint": "Vul dan de postcode en het huisnummer in van het adres waar "
        "onze brieven naartoe gaan. Wij sturen de link per post.",
        "postcode": "Postcode",
        "house_number": "Huisnummer",
        "your_complaint": "Uw klacht",
        "add_title": "Informatie toevoegen",
        "add_intro": "Wilt u nog iets vertellen of een document nasturen? Uw klachtbehandelaar "
        "ziet het als nieuw bericht bij uw klacht.",
        "add_button": "Informatie versturen",
        "add_required": "Schrijf wat u wilt toevoegen, of kies een document.",
        "add_done": "Dank u. Uw aanvulling is bij uw klacht gevoegd; uw klachtbehandelaar "
        "ziet hem als nieuw bericht.",
        "withdraw_title": "Klacht intrekken",
        "withdraw_intro": "Is uw klacht opgelost of wilt u niet verder? Dan kunt u uw klacht "
        "intrekken. Wij behandelen hem daarna niet meer; dat kunt u niet ongedaan maken.",
        "withdraw_reason": "Waarom trekt u uw klacht in?",
        "withdraw_confirm": "Ja, ik trek mijn klacht in",
        "withdraw_button": "Klacht intrekken",
        "withdraw_confirm_required": "Vink aan dat u uw klacht echt wilt intrekken.",
        "withdraw_done": "Uw klacht is ingetrokken. Wij behandelen hem niet verder.",
        "action_refused": "Dit kan niet meer: uw klacht is al afgesloten of ingetrokken.",
        "action_erased": "Dit kan niet meer: uw persoonsgegevens zijn verwijderd.",
        "statuses_more": {"withdrawn": "Ingetrokken"},
    },
    "en": {
        "labels": {
            "complainant.address": "Postal address",
            "representative.name": "Representative's name",
            "representative.relation": "Relation to the complainant",
            "representative.email": "Representative's e-mail address",
            "representative.phone": "Representative's phone number",
            "representative.address": "Representative's postal address",
            "event_date": "Date of the event",
            "department": "Department concerned",
            "text": "More information",
            "attachments": "Documents",
            "reason": "Reason",
        },
        "reach_hint": "Enter an e-mail address or a postal address, or both. Without an e-mail "
        "address we send our letters by post.",
        "address_hint": "Street and number, postcode and town.",
        "representative_title": "Are you complaining for someone else? (optional)",
        "representative_hint": "For example as a parent, carer or authorised representative. "
        "Then enter above the details of the person you complain for, and your own details "
        "here. Our letters then go to you.",
        "relation_hint": "For example: mother, carer, lawyer.",
        "event_date_hint": "If you do not know the exact date, leave this empty and mention it "
        "in your description.",
        "department_unknown": "I do not know",
        "check_button": "Check your complaint",
        "check_title": "Check your complaint before you send it",
        "check_intro": "This is what you are about to send us. Is everything right? Then send "
        "your complaint. To change something, choose Change; what you entered stays.",
        "check_send": "Send complaint",
        "check_edit": "Change",
        "none_given": "not given",
        "copy_title": "Copy of what you sent us",
        "copy_intro": "Keep this copy: print the page or save it as a PDF.",
        "print": "Print or save as PDF",
        "copy_pdf": "Download the copy as a PDF",
        "copy_pdf_title": "Copy of your complaint",
        "copy_pdf_intro": "This is what you sent us. Keep this copy with your papers.",
        "copy_pdf_page": "Page {page} of {pages}",
        "copy_pdf_file": "copy-complaint",
        "lookup_no_email": "No e-mail address given?",
        "lookup_no_email_hint": "Then enter the postcode and house number of the address our "
        "letters go to. We send the link by post.",
        "postcode": "Postcode",
        "house_number": "House number",
        "your_complaint": "Your complaint",
        "add_title": "Add information",
        "add_intro": "Do you want to tell us more or send a document? Your complaints handler "
        "sees it as a new message on your complaint.",
        "add_button": "Send information",
        "add_required": "Write what you want to add, or choose a document.",
        "add_done": "Thank you. Your addition is with your complaint; your complaints handler "
        "sees it as a new message.",
        "withdraw_title": "Withdraw your complaint",
        "withdraw_intro": "Has your complaint been resolved, or do you not want to go on? Then "
        "you can withdraw it. We then stop handling it; this cannot be undone.",
        "withdraw_reason": "Why do you withdraw your complaint?",
        "withdraw_confirm": "Yes, I withdraw my complaint",
        "withdraw_button": "Withdraw complaint",
        "withdraw_confirm_required": "Tick the box to confirm that you want to withdraw.",
        "withdraw_done": "Your complaint has been withdrawn. We no longer handle it.",
        "action_refused": "This is no longer possible: your complaint was already closed or "
        "withdrawn.",
        "action_erased": "This is no longer possible: your personal data was erased.",
        "statuses_more": {"withdrawn": "Withdrawn"},
    },
}
for _lang, _side in SIDE.items():
    TEXTS[_lang]["labels"].update(_side.pop("labels"))
    TEXTS[_lang]["statuses"].update(_side.pop("statuses_more"))
    TEXTS[_lang].update(_side)


# The limit in the label (read without script) and the live counter site.js keeps under a text.
LIMIT_WORDS = {
    "nl": {
        "limit": "(maximaal {max} tekens)",
        "left": "Nog {n} tekens over",
        "over": "{n} tekens te veel",
    },
    "en": {
        "limit": "(at most {max} characters)",
        "left": "{n} characters left",
        "over": "{n} characters too many",
    },
}


def number(n: int, lang: str) -> str:
    """20.000 in Dutch, 20,000 in English."""
    return f"{n:,}".replace(",", "." if lang == "nl" else ",")


def long_date(day: date | None, lang: str) -> str:
    """``maandag 9 november 2026`` / ``Monday 9 November 2026``; a dash for no date."""
    return words.long_date(day, lang)


def file_size(size: int, lang: str) -> str:
    if size >= 1024 * 1024:
        number = f"{size / (1024 * 1024):.0f} MB"
    else:
        number = f"{max(1, size // 1024)} kB"
    return number if lang == "en" else number.replace(".", ",")


# The status page's letters and questions (issue 25): services/intake/statuswords.py.
def _merge_status_words() -> None:
    from services.intake.statuswords import WORDS

    for lang, more in WORDS.items():
        TEXTS[lang]["step"].update(more["step_more"])
        TEXTS[lang].update({k: v for k, v in more.items() if k != "step_more"})


_merge_status_words()
