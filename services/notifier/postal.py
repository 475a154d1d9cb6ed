"""Paper letters (issue 16 item 8): a rendered letter as a print-ready PDF for a complainant
without e-mail, made with fpdf2.

Why fpdf2: pure Python (no Cairo/Pango as WeasyPrint needs, no C extension as ReportLab's
accelerator), maintained, and deterministic once the creation date is fixed, so a redelivered
event prints the same bytes and the post room keeps it once (postroom.py names a PDF by its
SHA-256). The font travels with the code (DejaVu Sans, shared/fonts/, with its
licence): every machine prints the same glyphs, any name or street in Latin, Greek or Cyrillic.

The page is A4 with the address where a window envelope shows it (NEN-EN/DIN 5008 form B, the
layout Dutch window envelopes follow: address field 20 mm from the left, 45 mm from the top,
85 x 45 mm, the return address on its first line), fold marks for a C5/6 or DL envelope, the
organisation's letterhead, date and reference, then the letter's own text (the same text the
e-mail would carry, so one template library says what a letter says). Pure: no clock, no I/O
except reading the fonts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path

from fpdf import FPDF

from services.notifier.letter_context import Letterhead, address_lines
from services.notifier.letters import RenderedLetter
from shared.runtime import words

FONT_DIR = Path(__file__).parents[2] / "shared" / "fonts"
FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

# mm on an A4 page (210 x 297)
LEFT, RIGHT, TOP, BOTTOM = 25.0, 20.0, 15.0, 25.0
ADDRESS_X, ADDRESS_Y, ADDRESS_W, ADDRESS_H = 20.0, 45.0, 85.0, 45.0
ADDRESS_LINES = 6  # what a window shows; more lines are joined onto the last one
INFO_X = 125.0
BODY_Y = 100.0
FOLD_MARKS = (105.0, 210.0)  # DIN 5008 form B: folded in three for a DL / C5/6 envelope
PUNCH_MARK = 148.5

LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "date": "Datum",
        "reference": "Ons kenmerk",
        "subject": "Onderwerp",
        "page": "Pagina {page} van {pages}",
        "return": "Retouradres",
    },
    "en": {
        "date": "Date",
        "reference": "Our reference",
        "subject": "Subject",
        "page": "Page {page} of {pages}",
        "return": "Return address",
    },
}


@dataclass(frozen=True)
class Sender:
    """The letterhead: who writes, where replies go, and the website."""

    name: str
    address: list[str]
    website: str = ""


def sender_of(letterhead: Letterhead) -> Sender:
    return Sender(
        name=letterhead.organisation_name,
        address=address_lines(letterhead.organisation_address),
        website=letterhead.public_url,
    )


@dataclass(frozen=True)
class PostalLetter:
    """A letter on paper: what it says (`rendered`), to whom and where, and the date it bears
    (when it was put in the post room the first time: the same on every attempt)."""

    rendered: RenderedLetter
    recipient_name: str
    address: list[str]
    dated: date


@cache
def layout_version() -> str:
    """What prints a letter besides its templates (this module and the fonts), as a hash:
    recorded with the letter next to the template version."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for name in sorted(FONT_FILES.values()):
        digest.update((FONT_DIR / name).read_bytes())
    return digest.hexdigest()[:12]


def address_block(name: str, address: list[str]) -> list[str]:
    """The lines the window shows: the name, then the address, at most ADDRESS_LINES."""
    lines = [line for line in [name, *address] if line.strip()]
    if len(lines) > ADDRESS_LINES:
        lines = [*lines[: ADDRESS_LINES - 1], ", ".join(lines[ADDRESS_LINES - 1 :])]
    return lines


class _Page(FPDF):
    def __init__(self, letter: PostalLetter, sender: Sender) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.letter, self.sender = letter, sender
        self.labels = LABELS[letter.rendered.language]
        for style, file in FONT_FILES.items():
            self.add_font(FONT, style, str(FONT_DIR / file))
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(True, margin=BOTTOM)
        self.alias_nb_pages("{pages}")

    def header(self) -> None:
        self._marks()
        self.set_xy(INFO_X, TOP)
        self.set_font(FONT, "B", 13)
        self.multi_cell(0, 6, self.sender.name, align="R", new_x="LEFT", new_y="NEXT")
        self.set_font(FONT, "", 8.5)
        for line in [*self.sender.address, self.sender.website]:
            if line:
                self.cell(0, 4, line, align="R", new_x="LEFT", new_y="NEXT")
        if self.page_no() > 1:
            rendered = self.letter.rendered
            self.set_xy(LEFT, TOP)
            self.set_font(FONT, "", 8.5)
            self.cell(90, 4, f"{self.labels['reference']}: {rendered.reference}")
            self.set_y(TOP + 25)

    def footer(self) -> None:
        self.set_y(-BOTTOM + 8)
        self.set_font(FONT, "", 8)
        page = self.labels["page"].format(page=self.page_no(), pages="{pages}")
        self.cell(0, 4, f"{self.letter.rendered.reference} · {page}", align="C")

    def _marks(self) -> None:
        self.set_draw_color(120)
        self.set_line_width(0.2)
        for y in FOLD_MARKS:
            self.line(4, y, 9, y)
        self.line(4, PUNCH_MARK, 12, PUNCH_MARK)
        self.set_draw_color(0)

    def first_page(self) -> None:
        letter, labels = self.letter, self.labels
        rendered = letter.rendered
        self.add_page()
        # The window: the return address on its first line (small), then the recipient.
        self.set_xy(ADDRESS_X, ADDRESS_Y + 2)
        self.set_font(FONT, "", 6.5)
        back = " · ".join([self.sender.name, *self.sender.address])
        self.cell(ADDRESS_W, 3, back[:110], new_x="LEFT", new_y="NEXT")
        self.set_xy(ADDRESS_X, ADDRESS_Y + 10)
        self.set_font(FONT, "", 10.5)
        for line in address_block(letter.recipient_name, letter.address):
            self.cell(ADDRESS_W, 5, line[:60], new_x="LEFT", new_y="NEXT")
        # Date and reference beside the window.
        self.set_xy(INFO_X, ADDRESS_Y + 10)
        language = rendered.language
        for label, value in (
            (labels["date"], words.long_date(letter.dated, language)),
            (labels["reference"], rendered.reference),
        ):
            self.set_font(FONT, "B", 8.5)
            self.cell(0, 4, label, new_x="LEFT", new_y="NEXT")
            self.set_font(FONT, "", 10)
            self.cell(0, 5, value, new_x="LEFT", new_y="NEXT")
            self.set_x(INFO_X)
        self.set_xy(LEFT, BODY_Y)
        self.set_font(FONT, "B", 11)
        self.multi_cell(0, 5.5, rendered.subject, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def body(self, text: str) -> None:
        self.set_font(FONT, "", 10)
        for paragraph in text.rstrip("\n").split("\n"):
            if paragraph.strip():
                self.multi_cell(0, 4.8, paragraph, align="L", new_x="LMARGIN", new_y="NEXT")
            else:
                self.ln(3)


@dataclass(frozen=True)
class Printed:
    pdf: bytes
    pages: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def render_pdf(letter: PostalLetter, sender: Sender) -> Printed:
    """The letter as a PDF: the same bytes for the same letter, sender and date."""
    rendered = letter.rendered
    pdf = _Page(letter, sender)
    # Fixed, so the bytes depend on the letter alone (and so its name in the post room).
    pdf.set_creation_date(datetime.combine(letter.dated, time(12), UTC))
    pdf.set_lang(rendered.language)
    pdf.set_title(rendered.subject)
    pdf.set_author(sender.name)
    pdf.set_subject(rendered.reference)
    pdf.set_creator(f"klachten {rendered.template_name}@{rendered.template_version}")
    pdf.first_page()
    pdf.body(rendered.text)
    return Printed(pdf=bytes(pdf.output()), pages=pdf.pages_count)
