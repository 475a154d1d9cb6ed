"""The yearly report in words (Dutch and English): sections of labelled figures, a chart's data
per section where one helps, and the method. yearly_web.py renders it as HTML, yearly_pdf.py as
PDF; both read the same ``Document``, so the two never say different numbers.

Above 300 lines: the words of both languages sit beside the one function that places them.

Codes become words here: channels and endings from this file, judgements and escalation reasons
from the workspace's texts, departments from the organisation file, themes, root causes and
remedies from the managed vocabularies (a code a file does not know is shown as recorded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.reporting import workspace_pages
from shared.config.organisation import Organisation
from shared.rules.learning import Vocabulary

WORDS: dict[str, dict[str, Any]] = {
    "nl": {
        "title": "Jaarverslag klachten {year}",
        "intro": "Verslag van de klachten die {org} in {year} ontving en afhandelde "
        "(artikel 9:12a Algemene wet bestuursrecht).",
        "received": "Ontvangen klachten",
        "received_total": "Ontvangen in {year}",
        "open_at_end": "Nog open op 31 december",
        "channels": "Per kanaal",
        "channel": {"web": "Webformulier", "email": "E-mail", "phone": "Telefoon",
                    "letter": "Brief", "api": "Koppeling (API)", "counter": "Balie"},
        "departments": "Per afdeling (ontvangen)",
        "no_department": "Geen afdeling vastgelegd",
        "themes": "Per thema",
        "no_theme": "Nog niet ingedeeld",
        "endings": "Hoe klachten eindigden",
        "ending": {"formal": "Formeel afgehandeld (met oordeel)",
                   "informal": "Informeel opgelost (Awb 9:5)",
                   "declined": "Niet in behandeling genomen (Awb 9:8)",
                   "withdrawn": "Ingetrokken", "referred": "Doorgestuurd"},
        "informal_share": "Aandeel informeel (van formeel + informeel)",
        "judgements": "Oordelen",
        "no_response": "Afgesloten zonder antwoord",
        "well_founded_rate": "Aandeel (gedeeltelijk) gegrond van de beoordeelde klachten",
        "timeliness": "Tijdigheid",
        "acknowledged": "Ontvangst bevestigd (van de ontvangen klachten)",
        "acknowledged_in_time": "Binnen de termijn bevestigd",
        "answered": "Afgehandeld met een antwoord",
        "within_6_weeks": "Antwoord binnen 6 weken",
        "within_10_weeks": "Antwoord na 6, binnen 10 weken",
        "after_10_weeks": "Antwoord na meer dan 10 weken",
        "within_term": "Binnen de wettelijke termijn (met verdaging)",
        "late": "Na de wettelijke termijn",
        "extended": "Termijn verdaagd (Awb 9:11 lid 2)",
        "norm_met": "Binnen onze eigen norm",
        "norm_missed": "Na onze eigen norm",
        "closed_without_answer": "Afgesloten zonder antwoord (informeel, niet behandeld, "
        "ingetrokken)",
        "escalations": "Escalaties en verdagingen",
        "escalations_total": "Escalaties",
        "reason": {"deadline_missed": "Termijn verstreken",
                   "complainant_request": "Op verzoek van de klager",
                   "staff_decision": "Besluit van een medewerker"},
        "extensions_total": "Verdagingen",
        "extensions_consent": "Verdagingen met instemming van de klager",
        "learning": "Oorzaken, maatregelen en verbeteracties",
        "root_cause": "Oorzaak: {what}",
        "remedy": "Geboden: {what}",
        "compensation": "Vergoedingen betaald",
        "corrective_actions": "Toegezegde verbeteracties",
        "improvements_opened": "Verbeteracties geopend (register)",
        "improvements_done": "Verbeteracties afgerond",
        "improvements_dropped": "Verbeteracties vervallen",
        "improvements_open_at_end": "Verbeteracties nog open aan het eind van het jaar",
        "satisfaction": "Tevredenheid",
        "answers": "Ingevulde enquêtes",
        "handling_score": "Gemiddeld cijfer voor de behandeling (1-5)",
        "outcome_score": "Gemiddeld cijfer voor de uitkomst (1-5)",
        "by_theme": "Thema {what}: enquêtes · behandeling · uitkomst",
        "method": "Werkwijze",
        "method_text": [
            "Alle cijfers zijn berekend uit het gebeurtenissenlog van klachten: elke klacht telt "
            "één keer, hoe zij ook liep. Ontvangen telt naar de datum van ontvangst, afgehandeld "
            "naar de datum van afsluiten, beide in de tijdzone van ons klachtenbeleid.",
            "Termijnen zijn de data die bij elke stap zijn vastgelegd (ontvangst, verdaging, "
            "doorsturen naar een commissie); zij worden voor dit verslag niet opnieuw berekend.",
            "Klachten bij de Nationale ombudsman of een geschilleninstantie houden wij niet in "
            "dit systeem bij; zij staan niet in deze cijfers.",
            "Dit verslag is gemaakt uit het log tot en met positie {position} ({as_of}). Wie "
            "het opnieuw maakt op dat moment, krijgt dezelfde cijfers.",
        ],
        "none": "—",
        "pdf": "Download als PDF",
        "switch": "English",
        "figure": "Grafiek: {title}",
    },
    "en": {
        "title": "Complaints annual report {year}",
        "intro": "Report of the complaints {org} received and handled in {year} "
        "(article 9:12a of the Dutch General Administrative Law Act).",
        "received": "Complaints received",
        "received_total": "Received in {year}",
        "open_at_end": "Still open on 31 December",
        "channels": "By channel",
        "channel": {"web": "Web form", "email": "E-mail", "phone": "Telephone",
                    "letter": "Letter", "api": "Integration (API)", "counter": "Counter"},
        "departments": "By department (received)",
        "no_department": "No department recorded",
        "themes": "By theme",
        "no_theme": "Not yet classified",
        "endings": "How complaints ended",
        "ending": {"formal": "Handled formally (with a judgement)",
                   "informal": "Resolved informally (Awb 9:5)",
                   "declined": "Declined (Awb 9:8)",
                   "withdrawn": "Withdrawn", "referred": "Referred elsewhere"},
        "informal_share": "Informal share (of formal + informal)",
        "judgements": "Judgements",
        "no_response": "Closed without an answer",
        "well_founded_rate": "Share (partly) well-founded of the complaints judged",
        "timeliness": "Timeliness",
        "acknowledged": "Acknowledged (of the complaints received)",
        "acknowledged_in_time": "Acknowledged in time",
        "answered": "Closed with an answer",
        "within_6_weeks": "Answered within 6 weeks",
        "within_10_weeks": "Answered after 6, within 10 weeks",
        "after_10_weeks": "Answered after more than 10 weeks",
        "within_term": "Within the statutory term (incl. extension)",
        "late": "After the statutory term",
        "extended": "Term extended (Awb 9:11(2))",
        "norm_met": "Within our own standard",
        "norm_missed": "After our own standard",
        "closed_without_answer": "Closed without an answer (informal, declined, withdrawn)",
        "escalations": "Escalations and extensions",
        "escalations_total": "Escalations",
        "reason": {"deadline_missed": "Deadline passed",
                   "complainant_request": "At the complainant's request",
                   "staff_decision": "A staff member's decision"},
        "extensions_total": "Extensions",
        "extensions_consent": "Extensions with the complainant's consent",
        "learning": "Causes, remedies and improvement actions",
        "root_cause": "Cause: {what}",
        "remedy": "Given: {what}",
        "compensation": "Compensation paid",
        "corrective_actions": "Improvement actions promised",
        "improvements_opened": "Improvement actions opened (register)",
        "improvements_done": "Improvement actions completed",
        "improvements_dropped": "Improvement actions dropped",
        "improvements_open_at_end": "Improvement actions still open at the end of the year",
        "satisfaction": "Satisfaction",
        "answers": "Surveys answered",
        "handling_score": "Average score for the handling (1-5)",
        "outcome_score": "Average score for the outcome (1-5)",
        "by_theme": "Theme {what}: surveys · handling · outcome",
        "method": "Method",
        "method_text": [
            "Every figure is computed from the complaints event log: each complaint counts once, "
            "whatever its path. Received counts by the date of receipt, closed by the date of "
            "closing, both in the time zone of our complaints policy.",
            "Terms are the dates recorded at each step (receipt, extension, referral to a "
            "committee); they are not computed again for this report.",
            "Complaints at the National Ombudsman or a disputes body are not kept in this "
            "system; they are not in these figures.",
            "This report was made from the log up to position {position} ({as_of}). Making it "
            "again at that moment gives the same figures.",
        ],
        "none": "—",
        "pdf": "Download as PDF",
        "switch": "Nederlands",
        "figure": "Chart: {title}",
    },
}  # fmt: skip


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    rows: list[tuple[str, str]]
    chart: list[tuple[str, float]] = field(default_factory=list)


@dataclass(frozen=True)
class Document:
    lang: str
    title: str
    organisation: str
    intro: str
    sections: list[Section]
    method_title: str
    method: list[str]
    words: dict[str, Any]


def document(
    fig: dict[str, Any],
    *,
    lang: str,
    organisation: str,
    org: Organisation | None,
    vocabulary: Vocabulary | None,
    position: int,
    as_of: str,
) -> Document:
    w = WORDS[lang]
    t = workspace_pages.TEXTS[lang]
    year = fig["year"]
    tl = fig["timeliness"]

    def dept(code: str) -> str:
        d = org.departments.get(code) if org else None
        if d is None:
            return w["no_department"] if code == "none" else code
        return (d.name_en or d.name) if lang == "en" else d.name

    def vocab(kind: str, code: str) -> str:
        return vocabulary.word(kind, code, lang) if vocabulary else code  # type: ignore[arg-type]

    def counted(data: dict[str, int], word: Any) -> list[tuple[str, str]]:
        return [(word(k), _n(v)) for k, v in data.items()]

    def chart(data: dict[str, int], word: Any) -> list[tuple[str, float]]:
        return [(word(k), float(v)) for k, v in data.items()]

    channel = lambda k: w["channel"].get(k, k)  # noqa: E731
    ending = lambda k: w["ending"].get(k, k)  # noqa: E731
    judged = lambda k: t["resolutions"].get(k, w["no_response"] if k == "no_response" else k)  # noqa: E731
    reason = lambda k: w["reason"].get(k, k)  # noqa: E731
    departments = {k: v["received"] for k, v in fig["per_department"].items() if v["received"]}
    themes = fig["learning"]["per_theme"]
    unclassified = fig["received"] - fig["learning"]["classified"]
    theme_rows = {**themes, **({"": unclassified} if unclassified else {})}
    theme_word = lambda k: vocab("themes", k) if k else w["no_theme"]  # noqa: E731
    sat = fig["satisfaction"]
    sections = [
        Section("received", w["received"], [
            (w["received_total"].format(year=year), _n(fig["received"])),
            (w["open_at_end"], _n(fig["open_at_year_end"])),
        ]),
        Section("channels", w["channels"], counted(fig["received_by_channel"], channel),
                chart(fig["received_by_channel"], channel)),
        Section("departments", w["departments"], counted(departments, dept),
                chart(departments, dept)),
        Section("themes", w["themes"], counted(theme_rows, theme_word),
                chart(theme_rows, theme_word)),
        Section("endings", w["endings"], [
            *counted(fig["handling"], ending),
            (w["informal_share"], _pct(fig["informal_share"], lang)),
        ], chart(fig["handling"], ending)),
        Section("judgements", w["judgements"], [
            *counted(fig["judgement"], judged),
            (w["well_founded_rate"], _pct(fig["well_founded_rate"], lang)),
        ], chart(fig["judgement"], judged)),
        Section("timeliness", w["timeliness"], [
            (w["acknowledged"], f"{_n(tl['acknowledged'])} / {_n(tl['received'])}"),
            (w["acknowledged_in_time"], _n(tl["acknowledged_in_time"])),
            (w["answered"], _n(tl["answered"])),
            (w["within_6_weeks"], _n(tl["within_6_weeks"])),
            (w["within_10_weeks"], _n(tl["within_10_weeks"])),
            (w["after_10_weeks"], _n(tl["after_10_weeks"])),
            (w["within_term"], _n(tl["within_term"])),
            (w["late"], _n(tl["late"])),
            (w["extended"], _n(tl["extended"])),
            (w["norm_met"], _n(tl["norm_met"])),
            (w["norm_missed"], _n(tl["norm_missed"])),
            (w["closed_without_answer"], _n(tl["closed_without_answer"])),
        ], [(w[k], float(tl[k])) for k in ("within_6_weeks", "within_10_weeks", "after_10_weeks")]),
        Section("escalations", w["escalations"], [
            (w["escalations_total"], _n(fig["escalations"]["total"])),
            *counted(fig["escalations"]["by_reason"], reason),
            (w["extensions_total"], _n(fig["extensions"]["total"])),
            (w["extensions_consent"], _n(fig["extensions"]["with_consent"])),
        ]),
        Section("learning", w["learning"], [
            *[(w["root_cause"].format(what=vocab("root_causes", k)), _n(v))
              for k, v in fig["learning"]["per_root_cause"].items()],
            *[(w["remedy"].format(what=vocab("remedy_kinds", k)), _n(v))
              for k, v in fig["learning"]["per_remedy_kind"].items()],
            (w["compensation"], _euro(fig["learning"]["compensation_cents"], lang)),
            (w["corrective_actions"], _n(fig["learning"]["corrective_actions"])),
            *[(w[f"improvements_{k}"], _n(v)) for k, v in fig.get("improvements", {}).items()],
        ]),
        Section("satisfaction", w["satisfaction"], [
            (w["answers"], _n(sat["answers"])),
            (w["handling_score"], _avg(sat["handling_average"], lang)),
            (w["outcome_score"], _avg(sat["outcome_average"], lang)),
            *[(w["by_theme"].format(what=theme_word("" if k == "none" else k)),
               f"{_n(v['answers'])} · {_avg(v['handling_average'], lang)} · "
               f"{_avg(v['outcome_average'], lang)}")
              for k, v in sat.get("by_theme", {}).items()],  # per theme (issue 18 item 4)
        ]),
    ]  # fmt: skip
    return Document(
        lang=lang,
        title=w["title"].format(year=year),
        organisation=organisation,
        intro=w["intro"].format(org=organisation, year=year),
        sections=sections,
        method_title=w["method"],
        method=[p.format(position=position, as_of=as_of) for p in w["method_text"]],
        words=w,
    )


def _n(value: int) -> str:
    return str(value)


def _pct(rate: float | None, lang: str) -> str:
    if rate is None:
        return "—"
    text = f"{rate * 100:.1f}"
    return (text.replace(".", ",") if lang == "nl" else text) + "%"


def _avg(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "nl" else text


def _euro(cents: int, lang: str) -> str:
    whole, rest = divmod(cents, 100)
    grouped = f"{whole:,}".replace(",", "." if lang == "nl" else ",")
    return f"€ {grouped}{',' if lang == 'nl' else '.'}{rest:02d}"
