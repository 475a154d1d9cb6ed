"""The words of intake's answers about a request's fields: ``[{field, message}]`` in Dutch
(the default) and English. The keys are the problems request reading and intake's rules name
(services/intake/reading.py, services/intake/domain.py, services/intake/characters.py)."""

from __future__ import annotations

from typing import Any, Literal

Lang = Literal["nl", "en"]
FieldError = dict[str, str]

MESSAGES: dict[str, dict[Lang, str]] = {
    "required": {"nl": "Dit veld is verplicht.", "en": "This field is required."},
    "key_reused": {
        "nl": "Deze Idempotency-Key is al gebruikt voor een verzoek met andere inhoud; "
        "gebruik een nieuwe sleutel voor een nieuw verzoek.",
        "en": "This Idempotency-Key was used before for a request with other content; "
        "use a new key for a new request.",
    },
    "letters": {  # services/intake/limits.py letters_allowed: the form is no letter relay
        "nl": "Naar dit e-mailadres zijn vandaag al te veel klachten gestuurd. Probeer het "
        "morgen opnieuw of neem telefonisch contact met ons op.",
        "en": "Too many complaints were sent to this e-mail address today. Please try "
        "again tomorrow or contact us by phone.",
    },
    "string": {"nl": "Vul hier tekst in.", "en": "This must be text."},
    "object": {"nl": "Dit moet een object zijn.", "en": "This must be an object."},
    "integer": {"nl": "Vul een geheel getal in.", "en": "This must be a whole number."},
    "boolean": {"nl": "Dit moet waar of onwaar zijn.", "en": "This must be true or false."},
    "empty": {"nl": "Dit veld mag niet leeg zijn.", "en": "This field must not be empty."},
    "too_long": {
        "nl": "Gebruik hooguit {max} tekens.",
        "en": "Use at most {max} characters.",
    },
    "email": {
        "nl": "Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.",
        "en": "Enter a valid e-mail address, like name@example.com.",
    },
    "email_or_address": {
        "nl": "Vul een e-mailadres of een postadres in, zodat wij u kunnen antwoorden.",
        "en": "Enter an e-mail address or a postal address, so that we can answer you.",
    },
    "date": {
        "nl": "Vul een datum in, zoals 2026-01-31.",
        "en": "Enter a date, like 2026-01-31.",
    },
    "date_future": {
        "nl": "Deze datum ligt in de toekomst.",
        "en": "This date lies in the future.",
    },
    "date_too_old": {
        "nl": "Deze datum ligt vóór 2000; controleer het jaartal.",
        "en": "This date lies before 2000; check the year.",
    },
    "phone": {"nl": "Vul een geldig telefoonnummer in.", "en": "Enter a valid phone number."},
    "choice": {"nl": "Kies een van: {choices}.", "en": "Choose one of: {choices}."},
    "unknown_field": {"nl": "Onbekend veld.", "en": "Unknown field."},
    "datetime": {
        "nl": "Vul een tijdstip in volgens RFC 3339 met tijdzone (2026-01-31T14:00:00+01:00).",
        "en": "Enter a time in RFC 3339 with a time zone (2026-01-31T14:00:00+01:00).",
    },
    "future": {
        "nl": "Het tijdstip van ontvangst ligt in de toekomst.",
        "en": "The time of receipt lies in the future.",
    },
    "too_old": {
        "nl": "Het tijdstip van ontvangst ligt vóór 2000; controleer het jaartal.",
        "en": "The time of receipt lies before 2000; check the year.",
    },
    "staff_only": {
        "nl": "Alleen medewerkers mogen dit veld invullen.",
        "en": "Only staff may set this field.",
    },
    "channel_staff_only": {
        "nl": "Klachten via {channel} worden door medewerkers geregistreerd.",
        "en": "Complaints by {channel} are registered by staff.",
    },
    "json_object": {
        "nl": "Stuur een JSON-object.",
        "en": "Send a JSON object.",
    },
    "range": {
        "nl": "Kies een getal van {min} tot en met {max}.",
        "en": "Choose a number from {min} to {max}.",
    },
    "line_break": {
        "nl": "Gebruik hier één regel, zonder regeleinde.",
        "en": "Use a single line here, without a line break.",
    },
    "control_char": {
        "nl": "Dit veld bevat een stuurteken (een onzichtbaar teken zoals een NUL-teken); "
        "haal het weg.",
        "en": "This field contains a control character (an invisible character such as NUL); "
        "remove it.",
    },
    "bidi_char": {
        "nl": "Dit veld bevat een onzichtbaar teken dat de leesrichting van de tekst omdraait; "
        "haal het weg.",
        "en": "This field contains an invisible character that reverses the reading direction "
        "of the text; remove it.",
    },
    "invisible_char": {
        "nl": "Dit veld bevat een onzichtbaar teken zonder breedte; haal het weg.",
        "en": "This field contains an invisible zero-width character; remove it.",
    },
    "reason_needed": {
        "nl": "Geef een reden (Awb 9:8).",
        "en": "Give a reason (Awb 9:8).",
    },
    "no_priorities": {
        "nl": "Het klachtenbeleid kent geen prioriteiten; laat dit veld weg.",
        "en": "The complaints policy has no priorities; leave this field out.",
    },
    "uuid": {
        "nl": "Vul de id van het bericht in (een UUID, zoals in de tijdlijn).",
        "en": "Enter the id of the message (a UUID, as in the timeline).",
    },
    "no_such_message": {
        "nl": "Deze klacht heeft geen bericht met deze id.",
        "en": "This complaint has no message with this id.",
    },
    "list": {"nl": "Stuur hier een lijst.", "en": "Send a list here."},
    "moment_future": {
        "nl": "Dit tijdstip ligt in de toekomst.",
        "en": "This time lies in the future.",
    },
    "moment_past": {
        "nl": "Dit tijdstip ligt in het verleden.",
        "en": "This time lies in the past.",
    },
    "place_needed": {
        "nl": "Vul in waar het gesprek is: een hoorzitting in persoon heeft een plaats nodig.",
        "en": "Say where it takes place: a hearing in person needs a place.",
    },
    # The organisation file (config/organisation.toml) names who and which units there are.
    "unknown_member": {
        "nl": "{id} is geen medewerker in het organisatiebestand.",
        "en": "{id} is not a staff member in the organisation file.",
    },
    "unknown_team": {
        "nl": "{id} is geen team in het organisatiebestand.",
        "en": "{id} is not a team in the organisation file.",
    },
    "unknown_department": {
        "nl": "{id} is geen afdeling in het organisatiebestand.",
        "en": "{id} is not a department in the organisation file.",
    },
    "unknown_unit": {
        "nl": "{id} is geen team of afdeling in het organisatiebestand.",
        "en": "{id} is not a team or department in the organisation file.",
    },
    "unknown_target": {
        "nl": "{id} is geen medewerker, team of trede van de escalatieladder (organisatiebestand "
        "en klachtenbeleid).",
        "en": "{id} is not a staff member, team or level of the escalation ladder (organisation "
        "file and complaints policy).",
    },
    "unknown_owner": {
        "nl": "{id} is geen medewerker, team of afdeling in het organisatiebestand.",
        "en": "{id} is not a staff member, team or department in the organisation file.",
    },
    "no_such_conduct_subject": {
        "nl": "Bij deze klacht is niemand met deze id vastgelegd als degene over wie geklaagd "
        "wordt.",
        "en": "No person complained about was recorded with this id on this complaint.",
    },
    "not_reopenable": {
        "nl": "Alleen een afgesloten klacht die niet is ingetrokken of gewist, kan weer in "
        "behandeling worden genomen.",
        "en": "Only a closed complaint that was not withdrawn or erased can be reopened.",
    },
}


def message(key: str, lang: Lang, **values: Any) -> str:
    return MESSAGES[key][lang].format(**values)


def field_error(field: str, key: str, lang: Lang, **values: Any) -> FieldError:
    return {"field": field, "message": message(key, lang, **values)}
