"""What letters say in words rather than codes: the judgement an answer recorded, why a
complaint moved up the ladder, the policy's own words for its ladder, its advisory committee and
its external body (Nationale ombudsman, or a Wkkgz disputes body for care), how an informal
resolution was confirmed and why a complaint is declined (with its article). Pure: the policy is
an argument."""

from __future__ import annotations

import re
from datetime import date

import msgspec

from shared.contract import events as ev
from shared.rules.policy import Policy
from shared.rules.procedure import DECLINE_RULE
from shared.runtime import words


class ExternalRoute(msgspec.Struct, frozen=True, kw_only=True):
    """Where the complainant can go after us: the Nationale ombudsman (Awb) or, in care, the
    geschilleninstantie (Wkkgz). `deadline` is the last day to go there, when it is known."""

    name: str
    url: str
    term_months: int = 12
    deadline: date | None = None
    # The policy's kind of body: "disputes_body" (a care provider's geschilleninstantie, Wkkgz
    # art. 18) is named as such, with its binding decision; "ombudsman" or "other" by name.
    kind: str = "ombudsman"


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
            kind=body.kind,
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
        case ev.ReferredToCommittee():
            fields["committee_name"] = committee_name(event.committee, policy, lang)
    return fields


def committee_name(recorded: str, policy: Policy, language: str) -> str:
    """The committee as the referral recorded it, in English words when the policy gives them
    for that committee (the recorded name is the policy's Dutch one)."""
    c = policy.committee
    if c is not None and c.name == recorded:
        return _say(language, c.name, c.name_en)
    return recorded


def _say(language: str, dutch: str, english: str) -> str:
    """The policy's English words in an English letter, else (or when it has none) Dutch."""
    return (english if language == "en" else "") or dutch


# How the complainant confirmed an informal resolution (ResolvedInformally.confirmed_by), said
# after "you let us know ... that": "telefonisch", "by phone".
CONFIRMATIONS: dict[str, dict[str, str]] = {
    "nl": {
        "phone": "telefonisch",
        "email": "per e-mail",
        "letter": "per brief",
        "in_person": "in een gesprek",
        "status_page": "via de statuspagina",
    },
    "en": {
        "phone": "by phone",
        "email": "by e-mail",
        "letter": "by letter",
        "in_person": "in person",
        "status_page": "on the status page",
    },
}
# Why a complaint is not handled (Declined.grounds, Awb 9:8), told to the complainant; the
# letter closes each with its article and a full stop. The article comes from the rules
# (shared/rules/procedure.py DECLINE_RULE), never from here.
DECLINE_GROUNDS: dict[str, dict[str, str]] = {
    "nl": {
        "already_handled": "U hebt over deze gedraging al eerder een klacht ingediend, en die "
        "klacht is volgens de klachtprocedure behandeld",
        "older_than_a_year": "De gedraging waarover u klaagt, vond plaats meer dan een jaar "
        "voordat u uw klacht indiende",
        "objection_possible": "U had tegen deze gedraging bezwaar kunnen maken. Daarvoor is "
        "de bezwaarprocedure bedoeld, niet de klachtprocedure",
        "appeal_possible": "U kunt of kon tegen deze gedraging in beroep gaan bij de rechter. "
        "Daarvoor is de beroepsprocedure bedoeld, niet de klachtprocedure",
        "before_another_court": "De gedraging wordt of werd al door een rechter beoordeeld",
        "criminal_investigation": "Naar deze gedraging loopt een strafrechtelijk onderzoek of "
        "een vervolging op last van het Openbaar Ministerie",
        "insufficient_interest": "Uw belang bij de klacht, of het gewicht van de gedraging, is "
        "duidelijk te klein om de klacht te behandelen",
    },
    "en": {
        "already_handled": "You made an earlier complaint about this conduct, and that "
        "complaint was handled under the complaints procedure",
        "older_than_a_year": "The conduct you complain about took place more than a year "
        "before you made your complaint",
        "objection_possible": "You could have lodged an objection (bezwaar) against this "
        "conduct. The objection procedure, not the complaints procedure, is meant for that",
        "appeal_possible": "You can or could appeal against this conduct in court. The appeal "
        "procedure, not the complaints procedure, is meant for that",
        "before_another_court": "The conduct is or was already being assessed by a court",
        "criminal_investigation": "A criminal investigation or prosecution ordered by the "
        "Public Prosecution Service concerning this conduct is under way",
        "insufficient_interest": "Your interest in the complaint, or the weight of the "
        "conduct, is clearly too small for the complaint to be handled",
    },
}


class Ground(msgspec.Struct, frozen=True, kw_only=True):
    """One ground of a declining letter: in words, with the article that allows it."""

    words: str
    article: str


def decline_grounds(codes: list[str], language: str) -> list[Ground]:
    """The recorded grounds in words with their article (the rules' DECLINE_RULE), in order;
    an unknown code (a later contract) raises: a letter never prints a code."""
    lang = words.language(language)
    return [
        Ground(words=DECLINE_GROUNDS[lang][code], article=article(DECLINE_RULE[code], lang))  # type: ignore[index]
        for code in codes
    ]


def article(rule: str, language: str) -> str:
    """A rule as the rules name it ("Awb 9:8 lid 1 onder a") said for a reader: as it is in
    Dutch, "Awb 9:8(1)(a)" in English (the statute's Dutch name stays: it is its name)."""
    if words.language(language) != "en":
        return f"artikel {rule.removeprefix('Awb ')} Awb" if rule.startswith("Awb ") else rule
    match = re.fullmatch(r"Awb (\d+:\d+)(?: lid (\d+))?(?: onder ([a-z]))?", rule)
    if match is None:
        return rule
    number, paragraph, point = match.groups()
    return (
        "Awb article "
        + number
        + (f"({paragraph})" if paragraph else "")
        + (f"({point})" if point else "")
    )
