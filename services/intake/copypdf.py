"""The copy of what a complainant sent, as a PDF the server makes (issue 25):
``GET /status/<id>/<token>/copy.pdf?lang=nl|en``, linked from the confirmation and the status
page. Reached only with the status link's token (the confirmation's link is one); a stranger
gets the same 404 as for the status page, an expired link 410, an erased complaint 409.

It says what the printable page says (services/intake/answers.py: every field given, in the
form's order, the documents' names) with the reference and the day of receipt, in the page's
language, served as an attachment that no cache keeps (``no-store``).

Why a writer of its own: the notifier's letter printer (services/notifier/postal.py) lays out
window-envelope letters, and services never import each other; both use fpdf2 and the font
that travels with the code (DejaVu Sans, shared/fonts/), so any name prints. The bytes depend
on the complaint alone (the creation date is its receipt), as the post room's letters do.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fpdf import FPDF

from services.intake import answers
from services.intake.texts import TEXTS, long_date
from services.intake.web import _lang, _not_found, _own_facts, _status_page
from shared.config.policy import policy_in_force
from shared.contract import events as ev

router = APIRouter()
FONT_DIR = Path(__file__).parents[2] / "shared" / "fonts"
FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
MARGIN = 20.0  # mm on every side of an A4 page
ANSWERS = {
    200: {"description": "the copy (application/pdf, an attachment; Cache-Control: no-store)"},
    404: {"description": "no such link (the status page's 404)"},
    409: {"description": "the personal data was erased: there is nothing to copy"},
    410: {"description": "the link has expired (the page offers a fresh one)"},
}


@router.get("/status/{complaint_id}/{token}/copy.pdf", response_model=None, responses=ANSWERS)
async def copy_pdf(
    request: Request, complaint_id: str, token: str, lang: str | None = None
) -> Response:
    facts = await _own_facts(request, complaint_id, token)
    if isinstance(facts, str):
        return _not_found(lang, facts)
    submitted = facts[0]
    assert isinstance(submitted, ev.Submitted)
    language = _lang(lang or submitted.language)
    if submitted.personal is None or any(isinstance(f, ev.Erased) for f in facts):
        return _status_page(language, facts, 409, token=token.lower(), notice="erased")
    names = answers.department_names(request.app.state.organisation, language)
    department = submitted.department_involved
    rows = answers.answers(
        submitted.personal,
        language,
        event_date=submitted.event_date,
        department=names.get(department or "", department),
    )
    received = policy_in_force()[1].local_date(submitted.received_at)
    sender = request.app.state.settings.organisation_name
    pdf = await asyncio.to_thread(
        render_copy, submitted.reference, received, rows, language, sender
    )
    disposition = f'attachment; filename="{_file_name(submitted.reference, language)}"'
    headers = {"Content-Disposition": disposition, "Cache-Control": "no-store"}
    return Response(pdf, media_type="application/pdf", headers=headers)


def _file_name(reference: str, lang: str) -> str:
    safe = "".join(c for c in reference if c.isascii() and (c.isalnum() or c in "-_"))
    return f"{TEXTS[lang]['copy_pdf_file']}-{safe or 'klacht'}.pdf"


class _Copy(FPDF):
    def __init__(self, reference: str, lang: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.reference, self.t = reference, TEXTS[lang]
        for style, file in FONT_FILES.items():
            self.add_font(FONT, style, str(FONT_DIR / file))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 5)
        self.alias_nb_pages("{pages}")

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font(FONT, "", 8)
        page = self.t["copy_pdf_page"].format(page=self.page_no(), pages="{pages}")
        self.cell(0, 4, f"{self.reference} · {page}", align="C")

    def line_of(self, label: str, text: str, *, bold: bool = False) -> None:
        self.set_font(FONT, "B", 9)
        self.multi_cell(0, 4.5, label, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "B" if bold else "", 10.5)
        for paragraph in text.replace("\r\n", "\n").split("\n"):
            if paragraph.strip():
                self.multi_cell(0, 5, paragraph, new_x="LMARGIN", new_y="NEXT")
            else:
                self.ln(2.5)
        self.ln(3)


def render_copy(
    reference: str, received: date, rows: list[answers.Answer], lang: str, sender: str
) -> bytes:
    """The copy as PDF bytes: the same bytes for the same complaint and language."""
    t = TEXTS[lang]
    pdf = _Copy(reference, lang)
    pdf.set_creation_date(datetime.combine(received, time(12), UTC))
    pdf.set_lang(lang)
    pdf.set_title(f"{t['copy_pdf_title']} {reference}")
    pdf.set_author(sender)
    pdf.set_subject(reference)
    pdf.set_creator("klachten intake")
    pdf.add_page()
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 4.5, sender, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 7, t["copy_pdf_title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 4.5, t["copy_pdf_intro"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.line_of(t["reference"], reference, bold=True)
    pdf.line_of(t["received"], long_date(received, lang))
    for row in rows:
        pdf.line_of(row.label, row.text)
    return bytes(pdf.output())
