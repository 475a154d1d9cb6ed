"""The dashboard's page environment and words (Dutch and English), and the workspace's words
(templates/workspace/texts.json), apart from the routes that use them: the sign-in page
(signin.py) renders with them without importing the dashboard or the workspace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2

from services.reporting import csrf

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
csrf.install(TEMPLATES)  # {{ csrf_input() }} in every POST form
TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Klachten — dashboard",
        "inflow": "Instroom per kanaal per maand",
        "compliance": "Termijnen gehaald (%)",
        "escalations": "Escalaties per niveau",
        "reasons": "Escalaties per reden",
        "ageing": "Achterstand: leeftijd open klachten",
        "worklist": "Werklijst: open klachten, eerstvolgende termijn eerst",
        "reference": "Kenmerk",
        "status": "Status",
        "channel": "Kanaal",
        "category": "Categorie",
        "deadline": "Termijn",
        "kind": "Soort",
        "level": "Niveau",
        "overdue": "Te laat",
        "open": "Open",
        "as_of": "Stand per",
        "acknowledge_norm": "Ontvangstbevestiging",
        "respond_norm": "Interne norm",
        "statutory": "Wettelijke termijn",
        "login": "Aanmelden",
        "token": "Toegangstoken",
        "total": "Klachten totaal",
        "yes": "ja",
        "no": "nee",
        "level_n": "niveau",
        "more": "En nog",
        "to_worklist": "alle klachten in de werklijst",
        "signals": "Signalen: onderwerpen die nu opvallend vaak terugkomen",
        "signal": "{topic}: {observed} klachten in de afgelopen 7 dagen "
        "(gewoonlijk ongeveer {expected})",
        "no_signals": "Geen onderwerp komt deze week opvallend vaak terug.",
        "signal_method": "Per thema (of het onderwerp dat de klager koos) vergeleken met de "
        "8 weken ervoor; alleen wat bij toeval zelden zo hoog uitvalt.",
        "reports": "Jaarverslag",
        "yearly": "Jaarverslag klachten {year}",
        "position": "logpositie",
    },
    "en": {
        "title": "Complaints — dashboard",
        "inflow": "Inflow per channel per month",
        "compliance": "Deadlines met (%)",
        "escalations": "Escalations per level",
        "reasons": "Escalations per reason",
        "ageing": "Backlog: age of open complaints",
        "worklist": "Worklist: open complaints, nearest deadline first",
        "reference": "Reference",
        "status": "Status",
        "channel": "Channel",
        "category": "Category",
        "deadline": "Deadline",
        "kind": "Kind",
        "level": "Level",
        "overdue": "Overdue",
        "open": "Open",
        "as_of": "As of",
        "acknowledge_norm": "Acknowledgement",
        "respond_norm": "Internal norm",
        "statutory": "Statutory term",
        "login": "Sign in",
        "token": "Access token",
        "total": "Complaints in total",
        "yes": "yes",
        "no": "no",
        "level_n": "level",
        "more": "And",
        "to_worklist": "every complaint in the worklist",
        "signals": "Signals: topics that come back strikingly often now",
        "signal": "{topic}: {observed} complaints in the last 7 days (usually about {expected})",
        "no_signals": "No topic comes back strikingly often this week.",
        "signal_method": "Per theme (or the topic the complainant chose) compared with the 8 weeks "
        "before; only what chance seldom makes this high.",
        "reports": "Annual report",
        "yearly": "Complaints annual report {year}",
        "position": "log position",
    },
}

WORKSPACE_TEXTS: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "templates" / "workspace" / "texts.json").read_text("utf-8")
)
