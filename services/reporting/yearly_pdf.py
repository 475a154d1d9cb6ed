"""The yearly report as PDF (fpdf2, the library the post room's letters use; the same DejaVu
fonts from shared/fonts/): the sections of yearly_document.Document as tables with a bar chart
where the section has one, then the method. Deterministic: the creation date is the moment the
figures are as of, so the same ``as_of`` prints the same bytes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fpdf import FPDF

from services.reporting.yearly_document import Document, Section

FONT_DIR = Path(__file__).parents[2] / "shared" / "fonts"
FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
PALETTE = ((31, 95, 168), (224, 123, 0), (46, 139, 87), (176, 48, 96), (106, 90, 205))
LEFT, RIGHT, TOP = 20.0, 20.0, 18.0
LABEL_W, VALUE_W = 125.0, 45.0


class _Report(FPDF):
    def __init__(self, doc: Document) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc = doc
        for style, file in FONT_FILES.items():
            self.add_font(FONT, style, str(FONT_DIR / file))
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages("{pages}")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.cell(
            0,
            4,
            f"{self.doc.organisation} · {self.doc.title} · {self.page_no()}/{{pages}}",
            align="C",
        )

    def section(self, s: Section) -> None:
        if self.get_y() > 230:
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", 12)
        self.cell(0, 7, s.title, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 10)
        for label, value in s.rows:
            self.multi_cell(LABEL_W, 5.5, label, new_x="RIGHT", new_y="TOP", max_line_height=5.5)
            self.cell(VALUE_W, 5.5, value, align="R", new_x="LMARGIN", new_y="NEXT")
            self.set_draw_color(220)
            self.line(LEFT, self.get_y(), LEFT + LABEL_W + VALUE_W, self.get_y())
        if s.chart and any(v for _, v in s.chart):
            self.bars(s.chart)

    def bars(self, data: list[tuple[str, float]]) -> None:
        row, left, width = 6.0, 60.0, 95.0
        if self.get_y() + row * len(data) > 270:
            self.add_page()
        top = max(v for _, v in data) or 1.0
        self.ln(2)
        self.set_font(FONT, "", 8)
        for i, (label, value) in enumerate(data):
            y = self.get_y()
            self.set_xy(LEFT, y)
            self.cell(left - 2, row - 1, label[:40], align="R")
            self.set_fill_color(*PALETTE[i % len(PALETTE)])
            self.rect(LEFT + left, y + 0.5, max(width * value / top, 0.3), row - 2, style="F")
            self.set_xy(LEFT + left + width * value / top + 1.5, y)
            self.cell(20, row - 1, f"{value:g}")
            self.set_xy(LEFT, y + row)


def render(doc: Document, as_of: datetime) -> bytes:
    pdf = _Report(doc)
    pdf.set_creation_date(as_of)
    pdf.set_lang(doc.lang)
    pdf.set_title(doc.title)
    pdf.set_author(doc.organisation)
    pdf.set_creator("klachten")
    pdf.add_page()
    pdf.set_font(FONT, "B", 18)
    pdf.multi_cell(0, 9, doc.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 7, doc.organisation, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 5.5, doc.intro, new_x="LMARGIN", new_y="NEXT")
    for s in doc.sections:
        pdf.section(s)
    pdf.add_page()
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 7, doc.method_title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    for paragraph in doc.method:
        pdf.multi_cell(0, 5.5, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())
