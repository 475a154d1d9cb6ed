"""What letters say in words rather than codes: the judgement an answer recorded, why a
complaint moved up the ladder, and the policy's own words for its ladder and its external body
(Nationale ombudsman, or a Wkkgz disputes body for care). Pure: the policy is an argument."""

from __future__ import annotations

from datetime import date

import msgspec

from shared.contract import events as ev
from shared.rules.policy import Policy
from shared.runtime import words


class ExternalRoute(msgspec.Struct, frozen=True, kw_only=True):
    """Where the complainant can go after us: the Nationale ombudsman (Awb) or, in care, the
    geschilleninstantie (Wkkgz). `deadline` is the last day to go there, when it is known."""

    name: str
    url: str
    term_months: int = 12
    deadline: date | None = None


# What an answer's recorded judgement (Responded.resolution) says to the complainant.
JUDGEMENTS: dict[str, dict[str, str]] = {
    "nl": {
        "well_founded": "Wij vinden uw klacht gegrond.",
        "partly_well_founded": "Wij vinden uw klacht deels gegrond.",
        "unfounded": "Wij vinden uw klacht ongegrond.",
        "no_judgement": "Wij geven geen oordeel over de vraag of uw klacht gegrond is.",
    },
    "en": {
        "well_founded": "We find your complaint well-founded.",
        "partly_well_founded": "We find your complaint partly well-founded.",
        "unfounded": "We find your complaint unfounded.",
        "no_judgement": "We give no judgement on whether your complaint is well-founded.",
    },
}
# Why a complaint moved up the ladder (Escalated.reason), told to the complainant.
ESCALATION_CAUSES: dict[str, dict[str, str]] = {
    "nl": {
        "deadline_missed": "Wij hebben niet op tijd gereageerd: de termijn die wij u hadden "
        "genoemd, is verstreken.",
        "complainant_request": "U hebt ons gevraagd uw klacht opnieuw te bekijken.",
        "staff_decision": "Wij vinden dat uw klacht op een hoger niveau beoordeeld moet worden.",
    },
    "en": {
        "deadline_missed": "We did not respond in time: the deadline we gave you has passed.",
        "complainant_request": "You asked us to look at your complaint again.",
        "staff_decision": "We believe your complaint should be assessed at a higher level.",
    },
}


def policy_words(
    event: ev.Event, policy: Policy, category: str | None, language: str
) -> dict[str, object]:
    """The context fields the policy words (never codes): the external body for the
    complaint's category (a Wkkgz disputes body for care, else the ladder's), and for an
    escalation its level's name and description and its cause; the answer's judgement."""
    lang = words.language(language)
    body = policy.external_for(category)
    fields: dict[str, object] = {
        "external_route": None
        if body is None
        else ExternalRoute(
            name=_say(lang, body.name, body.name_en),
            url=body.url,
            term_months=body.complainant_term_months,
        )
    }
    match event:
        case ev.Escalated():
            level = policy.level(event.level)
            name, about = (event.target, "") if level is None else (
                _say(lang, level.name, level.name_en),
                _say(lang, level.description, level.description_en),
            )  # fmt: skip
            fields |= {
                "escalation_target": name,
                "escalation_description": about or None,
                "escalation_cause": event.reason,
                # staff's own words for the complainant, never the reason's code
                "escalation_reason": event.personal.text if event.personal else None,
            }
        case ev.Responded():
            fields["resolution"] = event.resolution
    return fields


def _say(language: str, dutch: str, english: str) -> str:
    """The policy's English words in an English letter, else (or when it has none) Dutch."""
    return (english if language == "en" else "") or dutch
