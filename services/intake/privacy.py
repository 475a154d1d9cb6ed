"""``GET /privacy``: the privacy statement (Dutch or English), generated from the configuration.

It says what the system does: what is stored, why (Awb chapter 9), who sees it, how long
(``KLACHTEN_RETENTION``, the setting ``klachten privacy retention`` applies) and how to ask for
erasure (``KLACHTEN_PRIVACY_CONTACT``, which staff carry out with ``klachten privacy erase``).
The words for a period are a pure function of the policy; the route is wiring.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.intake import domain, formstate
from services.intake.web import _page
from shared.privacy.shredding import RetentionPolicy
from shared.runtime import words

router = APIRouter()


def period_words(period: timedelta, lang: domain.Lang) -> str:
    """``2 jaar`` / ``2 years``, ``26 weken``, ``400 dagen``: as the setting was written."""
    return words.period(period, lang)


def retention_words(setting: str, lang: domain.Lang) -> dict[str, str]:
    """How long personal data are kept after closure, in words: the default period (``''``
    when none is set: data are then kept until erased on request) and the range of the
    periods of some kinds of complaint (``''`` when there are none)."""
    policy = RetentionPolicy.parse(setting)
    others = sorted(set(policy.per_category.values()))
    spread = [period_words(p, lang) for p in (others[:1] + others[1:][-1:])]
    return {
        "default": period_words(policy.default, lang) if policy.default else "",
        "others": (" – " if len(spread) == 2 else "").join(spread),
    }


@router.get("/privacy", response_class=HTMLResponse)
async def privacy(request: Request, lang: str | None = None) -> HTMLResponse:
    cookie = request.cookies.get(formstate.LANGUAGE_COOKIE)
    language = formstate.page_language(lang, cookie, request.headers.get("accept-language"))
    settings = request.app.state.settings
    return _page(
        "privacy.html.j2",
        language,
        organisation=settings.organisation_name,
        contact=settings.privacy_address,
        retention=retention_words(settings.retention, language),
    )
