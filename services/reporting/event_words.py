"""What each event of a complaint's history says to staff, in Dutch (default) or English: its
name and its public facts in words, never a code. The audit trail (the history API and
`klachten audit history`) shows these beside the machine fields. Articles are named as the
rules name them (shared/rules/procedure.py), as refusals do. Pure: the moment's zone is the
organisation's (shared/runtime/words.py); staff, team and department ids may be given names.
Every word list is here, so a code without words fails one test
(tests/services/reporting/test_reporting_history_words.py checks every event type and code);
that is why it runs above 300 lines: the lists are long, the code short.
"""

from __future__ import annotations

from collections.abc import Callable

from shared.config.organisation import (
    Organisation,
    OrganisationError,
    load_organisation,
    organisation_file,
)
from shared.config.vocabularies import words_of
from shared.contract import events as ev
from shared.rules.learning import Kind
from shared.rules.procedure import DECLINE_RULE, WAIVER_RULE
from shared.runtime import words

Names = Callable[[str], str]
_W = dict[str, dict[str, str]]

EVENT_NAMES: _W = {
    "nl": {
        "submitted": "ingediend",
        "acknowledged": "ontvangst bevestigd",
        "letter_sent": "brief verstuurd",
        "responded": "beantwoord",
        "reaction_received": "reactie van de klager",
        "reaction_handled": "bericht afgehandeld",
        "reopened": "heropend",
        "escalated": "geëscaleerd",
        "extended": "termijn verdaagd",
        "paused": "wacht op de klager",
        "resumed": "hervat",
        "closed": "afgesloten",
        "erased": "persoonsgegevens gewist",
        "status_link_requested": "statuslink aangevraagd",
        "assigned": "toegewezen",
        "conduct_subject_recorded": "degene over wie geklaagd wordt vastgelegd",
        "conduct_subject_reacted": "reactie van degene over wie geklaagd wordt",
        "hearing_invited": "uitgenodigd voor een hoorgesprek",
        "hearing_held": "gehoord",
        "hearing_waived": "afgezien van horen",
        "resolved_informally": "informeel afgehandeld",
        "declined": "niet in behandeling genomen",
        "referred_to_committee": "voorgelegd aan de klachtadviescommissie",
        "committee_hearing_held": "gehoord door de klachtadviescommissie",
        "committee_advised": "advies van de klachtadviescommissie",
        "mediation_recorded": "bemiddeling door de klachtenfunctionaris",
        "measures_promised": "maatregelen toegezegd",
        "classified": "geclassificeerd",
        "root_causes_recorded": "oorzaak vastgelegd",
        "remedies_recorded": "herstel vastgelegd",
        "satisfaction_recorded": "tevredenheid beantwoord",
        "question_asked": "vraag aan de klager gesteld",
        "note_added": "interne notitie",
        "measure_overdue": "einddatum van een maatregel of herstelactie verstreken",
        "question_answered": "vraag beantwoord door de klager",
        "recategorised": "categorie of prioriteit gecorrigeerd",
        "linked_as_duplicate": "gekoppeld als dubbele klacht",
        "follow_up_answered": "bericht na de reactie beantwoord",
        "improvement_opened": "verbeteractie geopend",
        "improvement_updated": "verbeteractie bijgewerkt",
        "improvement_linked": "gekoppeld aan een verbeteractie",
        "improvement_unlinked": "losgekoppeld van een verbeteractie",
    },
    "en": {
        "submitted": "submitted",
        "acknowledged": "receipt acknowledged",
        "letter_sent": "letter sent",
        "responded": "answered",
        "reaction_received": "the complainant reacted",
        "reaction_handled": "message handled",
        "reopened": "reopened",
        "escalated": "escalated",
        "extended": "term extended",
        "paused": "waiting for the complainant",
        "resumed": "resumed",
        "closed": "closed",
        "erased": "personal data erased",
        "status_link_requested": "status link requested",
        "assigned": "assigned",
        "conduct_subject_recorded": "person complained about recorded",
        "conduct_subject_reacted": "reaction of the person complained about",
        "hearing_invited": "invited to a hearing",
        "hearing_held": "hearing held",
        "hearing_waived": "hearing waived",
        "resolved_informally": "resolved informally",
        "declined": "declined (not handled)",
        "referred_to_committee": "referred to the complaints advisory committee",
        "committee_hearing_held": "heard by the complaints advisory committee",
        "committee_advised": "advice of the complaints advisory committee",
        "mediation_recorded": "mediation by the complaints officer (klachtenfunctionaris)",
        "measures_promised": "measures promised",
        "classified": "classified",
        "root_causes_recorded": "root cause recorded",
        "remedies_recorded": "remedies recorded",
        "satisfaction_recorded": "satisfaction survey answered",
        "question_asked": "question asked to the complainant",
        "note_added": "internal note",
        "measure_overdue": "due date of a measure or remedy passed",
        "question_answered": "question answered by the complainant",
        "recategorised": "category or priority corrected",
        "linked_as_duplicate": "linked as a duplicate",
        "follow_up_answered": "message after the response answered",
        "improvement_opened": "improvement action opened",
        "improvement_updated": "improvement action updated",
        "improvement_linked": "linked to an improvement action",
        "improvement_unlinked": "unlinked from an improvement action",
    },
}
ASSIGNMENT_KINDS: _W = {
    "nl": {"assign": "toegewezen", "reassign": "herverdeeld", "take": "opgepakt"},
    "en": {"assign": "assigned", "reassign": "reassigned", "take": "taken"},
}
HEARING_MODES: _W = {
    "nl": {"in_person": "in persoon", "phone": "telefonisch", "video": "via video"},
    "en": {"in_person": "in person", "phone": "by phone", "video": "by video"},
}
WAIVER_GROUNDS: _W = {
    "nl": {
        "manifestly_unfounded": "kennelijk ongegrond",
        "complainant_waived": "klager wil niet gehoord worden",
        "no_reaction_in_time": "klager reageerde niet binnen de gestelde termijn",
        "heard_at_another_level": "al gehoord op een ander niveau",
    },
    "en": {
        "manifestly_unfounded": "manifestly unfounded",
        "complainant_waived": "the complainant does not wish to be heard",
        "no_reaction_in_time": "the complainant did not react in time",
        "heard_at_another_level": "already heard at another level",
    },
}
DECLINE_GROUNDS: _W = {
    "nl": {
        "already_handled": "eerder ingediend en behandeld",
        "older_than_a_year": "gedraging langer dan een jaar geleden",
        "objection_possible": "bezwaar had gemaakt kunnen worden",
        "appeal_possible": "beroep kan of kon worden ingesteld",
        "before_another_court": "aan een andere rechter voorgelegd",
        "criminal_investigation": "opsporingsonderzoek of vervolging",
        "insufficient_interest": "belang of gewicht kennelijk onvoldoende",
    },
    "en": {
        "already_handled": "submitted and handled before",
        "older_than_a_year": "conduct more than a year ago",
        "objection_possible": "an objection could have been made",
        "appeal_possible": "an appeal can or could be lodged",
        "before_another_court": "put before another court",
        "criminal_investigation": "criminal investigation or prosecution",
        "insufficient_interest": "interest or weight clearly insufficient",
    },
}
MEDIATION_KINDS: _W = {
    "nl": {"support": "ondersteuning", "mediation": "bemiddeling"},
    "en": {"support": "support", "mediation": "mediation"},
}
INFORMAL_MEANS: _W = {
    "nl": {
        "phone_call": "telefoongesprek",
        "conversation": "gesprek",
        "apology": "excuses",
        "fix": "hersteld",
        "explanation": "uitleg",
        "other": "op een andere manier",
    },
    "en": {
        "phone_call": "phone call",
        "conversation": "conversation",
        "apology": "apology",
        "fix": "put right",
        "explanation": "explanation",
        "other": "another way",
    },
}
CONFIRMATIONS: _W = {
    "nl": {
        "phone": "telefonisch",
        "email": "per e-mail",
        "letter": "per brief",
        "in_person": "in persoon",
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
RESOLUTIONS: _W = {
    "nl": {
        "well_founded": "gegrond",
        "partly_well_founded": "deels gegrond",
        "unfounded": "ongegrond",
        "no_judgement": "geen oordeel",
    },
    "en": {
        "well_founded": "well-founded",
        "partly_well_founded": "partly well-founded",
        "unfounded": "unfounded",
        "no_judgement": "no judgement",
    },
}
OUTCOMES: _W = {
    "nl": {
        "resolved": "afgehandeld",
        "not_handled": "niet in behandeling genomen",
        "withdrawn": "ingetrokken",
        "referred": "doorverwezen",
        "duplicate": "dubbele klacht",
    },
    "en": {
        "resolved": "handled",
        "not_handled": "not handled",
        "withdrawn": "withdrawn",
        "referred": "referred",
        "duplicate": "duplicate complaint",
    },
}
_LABELS: _W = {
    "nl": {
        "handler": "behandelaar",
        "team": "team",
        "queue": "wachtrij van team",
        "department": "afdeling",
        "unit": "eenheid",
        "employee": "een medewerker",
        "level": "niveau",
        "with_subject": "met degene over wie geklaagd wordt",
        "confirmed": "bevestigd",
        "weeks": "weken",
        "consent": "met instemming van de klager",
        "unknown": "gebeurtenis van een nieuwere versie",
        "agreed": "met overeenstemming",
        "not_agreed": "zonder overeenstemming",
        "due": "uiterlijk",
        "measures": "maatregelen",
        "category": "categorie",
        "priority": "prioriteit",
        "none": "geen",
        "duplicate_of": "dubbel van",
    },
    "en": {
        "handler": "handler",
        "team": "team",
        "queue": "queue of team",
        "department": "department",
        "unit": "unit",
        "employee": "an employee",
        "level": "level",
        "with_subject": "with the person complained about",
        "confirmed": "confirmed",
        "weeks": "weeks",
        "consent": "with the complainant's consent",
        "unknown": "an event of a newer version",
        "agreed": "agreement reached",
        "not_agreed": "no agreement",
        "due": "due",
        "measures": "measures",
        "category": "category",
        "priority": "priority",
        "none": "none",
        "duplicate_of": "duplicate of",
    },
}


def _same(name: str) -> str:
    return name


def name(token: str, lang: str) -> str:
    """The event's name (its subject token, ``hearing_waived``) in words."""
    said = words.language(lang)
    return EVENT_NAMES[said].get(token, _LABELS[said]["unknown"])


def describe(fact: ev.Event, lang: str, names: Names = _same) -> str:
    """The event in words: its name, then its public facts (never the sealed part)."""
    said = words.language(lang)
    token = ev.subject_token(type(fact))
    what = name(token, said)
    if isinstance(fact, ev.Assigned):  # assigned, reassigned or taken: the kind is the name
        what = ASSIGNMENT_KINDS[said][fact.kind]
    detail = _detail(fact, said, names)
    return f"{what}: {detail}" if detail else what


def _detail(f: ev.Event, lang: words.Lang, names: Names) -> str:
    label = _LABELS[lang]
    match f:
        case ev.Assigned():
            parts = [f"{label['handler']} {names(f.handler)}"] if f.handler else []
            if f.team:
                parts.append(f"{label['team' if f.handler else 'queue']} {names(f.team)}")
            if f.department:
                parts.append(f"{label['department']} {names(f.department)}")
            return ", ".join(parts)
        case ev.ConductSubjectRecorded():
            parts = [label["employee"]] if f.employee_named else []
            parts += [f"{label['unit']} {names(f.unit)}"] if f.unit else []
            return ", ".join(parts)
        case ev.HearingInvited() | ev.HearingHeld() | ev.CommitteeHearingHeld():
            when = f.at if isinstance(f, ev.HearingInvited) else f.held_at
            with_subject = (
                f.conduct_subject_invited
                if isinstance(f, ev.HearingInvited)
                else f.conduct_subject_heard
            )
            parts = [HEARING_MODES[lang][f.mode], words.date_time(when, lang)]
            parts += [label["with_subject"]] if with_subject else []
            return ", ".join(parts) + _level(f.level, lang)
        case ev.HearingWaived():
            return f"{WAIVER_GROUNDS[lang][f.ground]} ({WAIVER_RULE[f.ground]})" + _level(
                f.level, lang
            )
        case ev.ResolvedInformally():
            confirmed = f"{label['confirmed']} {CONFIRMATIONS[lang][f.confirmed_by]}"
            return f"{INFORMAL_MEANS[lang][f.means]}; {confirmed}, " + words.date_time(
                f.confirmed_at, lang
            )
        case ev.Declined():
            return "; ".join(f"{DECLINE_GROUNDS[lang][g]} ({DECLINE_RULE[g]})" for g in f.grounds)
        case ev.ReferredToCommittee():
            return f"{names(f.committee)}; {label['due']} {words.long_date(f.statutory_by, lang)}"
        case ev.CommitteeAdvised():
            return RESOLUTIONS[lang][f.advice] + _level(f.level, lang)
        case ev.MediationRecorded():
            agreed = {True: label["agreed"], False: label["not_agreed"], None: None}[f.agreed]
            parts = [MEDIATION_KINDS[lang][f.kind], words.date_time(f.held_at, lang), agreed]
            return ", ".join(p for p in parts if p)
        case ev.MeasuresPromised():
            due = min((m.due_by for m in f.measures), default=None)
            first = f", {label['due']} {words.long_date(due, lang)}" if due else ""
            return f"{len(f.measures)} {label['measures']}{first}"
        case ev.Classified():
            return ", ".join(_term("themes", code, lang) for code in f.themes)
        case ev.ImprovementOpened() | ev.ImprovementUpdated():  # plain staff text (learning.md)
            return f.title
        case ev.RootCausesRecorded():
            return ", ".join(_term("root_causes", code, lang) for code in f.root_causes)
        case ev.RemediesRecorded():
            return ", ".join(_remedy(r, lang) for r in f.remedies)
        case ev.Responded():
            return RESOLUTIONS[lang][f.resolution] + _level(f.level, lang)
        case ev.Escalated():
            return f"{label['level']} {f.level}"
        case ev.Extended():
            consent = f", {label['consent']}" if f.with_consent else ""
            return f"{f.weeks} {label['weeks']}{consent}"
        case ev.Closed():
            return OUTCOMES[lang][f.outcome]
        case ev.Recategorised():  # the category in the vocabulary's words

            def said(code: str | None, kind: str) -> str:
                if not code:
                    return label["none"]
                return _term("themes", code, lang) if kind == "category" else code

            old, new = (f.previous_category, f.previous_priority), (f.category, f.priority)
            return ", ".join(
                f"{label[kind]} {said(was, kind)} → {said(now, kind)}"
                for kind, was, now in zip(("category", "priority"), old, new, strict=True)
            )
        case ev.LinkedAsDuplicate():
            return f"{label['duplicate_of']} {f.primary_reference}"
    return ""


def _term(kind: Kind, code: str, lang: words.Lang) -> str:
    """A vocabulary code in words (the shipped vocabulary's; the code itself when unknown)."""
    vocabulary = words_of()
    return vocabulary.word(kind, code, lang) if vocabulary else code


def _remedy(r: ev.Remedy, lang: words.Lang) -> str:
    said = _term("remedy_kinds", r.kind, lang)
    if r.amount_cents is not None:
        euros, cents = divmod(r.amount_cents, 100)  # € 25,05 in Dutch, €25.05 in English
        said += f" € {euros},{cents:02d}" if lang == "nl" else f" €{euros}.{cents:02d}"
    if r.due_by is not None:
        said += f" ({_LABELS[lang]['due']} {words.long_date(r.due_by, lang)})"
    return said


def _level(level: int, lang: words.Lang) -> str:
    return f" ({_LABELS[lang]['level']} {level})" if level else ""


def organisation_names(organisation: Organisation | None, lang: str) -> Names:
    """Names from the organisation file for staff ids, teams and departments (English where
    the file has it); an id it does not know is shown as it is."""
    if organisation is None:
        return _same
    english = words.language(lang) == "en"

    def named(key: str) -> str:
        if member := organisation.members.get(key):
            return member.name
        entry = organisation.teams.get(key) or organisation.departments.get(key)
        if entry is None:
            return key
        return (entry.name_en if english else "") or entry.name

    return named


def names_for(configured: str, lang: str) -> Names:
    """Names from the organisation file intake uses (`organisation_file` of the settings);
    ids as they are when it cannot be read (intake, not reporting, stops on a broken file)."""
    try:
        organisation = load_organisation(organisation_file(configured))
    except (OSError, OrganisationError):
        organisation = None
    return organisation_names(organisation, lang)
