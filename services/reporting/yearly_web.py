"""The yearly report for people (issue 18 item 6): ``/reports/yearly/{year}`` as an HTML page
and ``/reports/yearly/{year}/pdf`` as a PDF, in Dutch (default) or English (``?lang=en``), now
or as of a moment (``as_of``/``as_of_seq``, as every read). Staff only. The figures come from
yearly.figures over the rows of the year, selected in SQL (yearly_reads.py, issue 23) from the
live view or the store restored for the moment (http.answer_source), not over every row; both
formats render one yearly_document.Document."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.reporting import charts, yearly, yearly_document, yearly_pdf, yearly_reads
from services.reporting.http import (
    POINT_IN_TIME,
    answer_source,
    invalid,
    require_staff,
    strict_query,
)
from shared.config.organisation import (
    Organisation,
    OrganisationError,
    load_organisation,
    organisation_file,
)
from shared.config.vocabularies import words_of

router = APIRouter()
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
LANGUAGES = ("nl", "en")


@router.get("/reports/yearly/{year}", dependencies=POINT_IN_TIME, response_class=HTMLResponse)
def page(request: Request, year: str, lang: str = "nl") -> HTMLResponse:
    """The yearly report (Awb 9:12a) as a page; print it, or take the PDF."""
    doc, _ = _document(request, year, lang)
    query = request.url.query
    pdf = f"{request.url.path}/pdf" + (f"?{query}" if query else "")
    return HTMLResponse(html(doc, pdf=pdf, switch=_switch(request)))


def html(doc: yearly_document.Document, *, pdf: str, switch: str) -> str:
    """The page; ``pdf`` and ``switch`` are the links to the PDF and to the other language."""
    return TEMPLATES.get_template("yearly.html.j2").render(
        doc=doc, charts=charts, pdf=pdf, other="en" if doc.lang == "nl" else "nl", switch=switch
    )


@router.get("/reports/yearly/{year}/pdf", dependencies=POINT_IN_TIME)
def pdf(request: Request, year: str, lang: str = "nl") -> Response:
    """The same report as a PDF (A4), the same bytes for the same ``as_of``."""
    doc, moment = _document(request, year, lang)
    name = (
        f"jaarverslag-klachten-{year}.pdf" if doc.lang == "nl" else f"complaints-report-{year}.pdf"
    )
    return Response(
        yearly_pdf.render(doc, moment),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _document(request: Request, year: str, lang: str) -> tuple[yearly_document.Document, datetime]:
    require_staff(request)
    strict_query(request, {"lang"})
    if lang not in LANGUAGES:
        raise invalid("lang", "use nl or en")
    now = request.app.state.clock()
    if not (year.isascii() and year.isdigit()) or not 2000 <= int(year) <= now.year:
        raise invalid("year", f"use a year from 2000 to {now.year}")
    view, position, moment = _source(request, now)
    at, tables = yearly_reads.tables(view, int(year))
    settings = request.app.state.settings
    return make(tables, int(year), lang, settings, at if position is None else position, moment)


def _source(request: Request, now: datetime) -> tuple[Any, int | None, datetime]:
    """The view the rows are selected from, the position the document states (None: the
    view's, read with the rows) and the moment: the live view now, or as of a moment or
    sequence the store restored for it (http.answer_source; its rows are not read here)."""
    if not {"as_of", "as_of_seq"} & set(request.query_params):
        return request.app.state.view, None, now
    src = answer_source(request)
    return src.view, src.position, src.now


def make(
    tables: dict[str, list[Any]],
    year: int,
    lang: str,
    settings: Any,
    position: int,
    moment: datetime,
) -> tuple[yearly_document.Document, datetime]:
    """The document of these read models (now, or as of ``moment`` at log ``position``)."""
    doc = yearly_document.document(
        yearly.figures(tables, year),
        lang=lang,
        organisation=settings.organisation_name,
        org=_organisation(settings.organisation_file),
        vocabulary=words_of(settings.vocabularies_file),
        position=position,
        as_of=moment.isoformat(),
    )
    return doc, moment


def _organisation(configured: str) -> Organisation | None:
    try:
        return load_organisation(organisation_file(configured))
    except OrganisationError:
        return None


def _switch(request: Request) -> str:
    params = dict(request.query_params)
    params["lang"] = "en" if params.get("lang", "nl") == "nl" else "nl"
    return f"{request.url.path}?{urlencode(params)}"
