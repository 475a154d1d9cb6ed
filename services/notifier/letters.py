"""Letters to complainants (and to the person complained about): pure rendering of the
template library (the kinds and what each says: letter_kinds.py).

`render(kind, ctx, letter_key=...)` turns a `LetterContext` into a `RenderedLetter` that carries
everything needed to prove later what was sent: template name and version (a content hash of the
template files used), language, the dates stated, a SHA-256 of the rendered content and a
deterministic Message-ID. No clock and no I/O except reading templates from this package.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from functools import cache
from pathlib import Path

import jinja2
import jinja2.meta
import msgspec

from services.notifier.letter_context import address_lines
from services.notifier.letter_kinds import (
    DATE_FIELDS,
    REQUIRED_FIELDS,
    STATED_DATES,
    LetterContext,
    LetterKind,
)
from services.notifier.letter_kinds import RefusedFile as RefusedFile  # callers import it here
from services.notifier.letter_words import (
    CONFIRMATIONS,
    ESCALATION_CAUSES,
    JUDGEMENTS,
    decline_grounds,
)
from services.notifier.letter_words import ExternalRoute as ExternalRoute  # as do tests
from shared.runtime import words

TEMPLATE_DIR = Path(__file__).parent / "templates"
MESSAGE_ID_DOMAIN = "klachten.local"
# The words and dates of every letter are shared/runtime/words.py's; this name stays for the
# tests that check a letter against the readers' days.
format_date = words.long_date


class RenderedLetter(msgspec.Struct, frozen=True, kw_only=True):
    kind: LetterKind
    complaint_id: str
    reference: str
    language: words.Lang
    recipient: str
    subject: str
    text: str
    html: str
    template_name: str
    template_version: str
    sha256: str
    message_id: str
    letter_key: str
    # The dates the letter promises, by context field name, as stated (local calendar days).
    stated_dates: dict[str, date]
    # "post": a paper letter (postal.py prints it); `recipient` is then the name and address.
    delivery: str = "email"


class LetterContextError(ValueError):
    """The context lacks what this kind of letter must state; `field` names it like `$.x`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


_MESSAGE_ID_PART = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)


def message_id_for(kind: LetterKind, complaint_id: str, letter_key: str) -> str:
    """`<kind.complaint.key@klachten.local>`: the same letter always gets the same id, so a
    duplicate sent after a crash between send and record is recognisable."""
    for name, part in (("complaint_id", complaint_id), ("letter_key", letter_key)):
        if not _MESSAGE_ID_PART.fullmatch(part):
            raise LetterContextError(f"$.{name}", f"{part!r} cannot be part of a Message-ID")
    return f"<{kind.value}.{complaint_id}.{letter_key}@{MESSAGE_ID_DOMAIN}>"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        # Loaded once per process, like template_version(): the version must describe exactly
        # the template that rendered the letter, so edits take effect on restart.
        auto_reload=False,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=False, default=False
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def template_version(template_name: str) -> str:
    """Hash of every template file a letter uses (its .txt and .html and what they extend or
    include), so any edit to what the complainant reads changes the version."""
    env = _environment()
    files = sorted(_referenced_templates(env, f"{template_name}.txt.j2"))
    files += sorted(_referenced_templates(env, f"{template_name}.html.j2"))
    digest = hashlib.sha256()
    for name in dict.fromkeys(files):
        digest.update(name.encode() + b"\0" + (TEMPLATE_DIR / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _referenced_templates(env: jinja2.Environment, name: str) -> set[str]:
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        source, _, _ = env.loader.get_source(env, current)  # type: ignore[union-attr]
        refs = jinja2.meta.find_referenced_templates(env.parse(source))
        pending.extend(ref for ref in refs if ref is not None)
    return seen


def render(kind: LetterKind, ctx: LetterContext, *, letter_key: str) -> RenderedLetter:
    """Render one letter. `letter_key` tells letters of the same kind apart (use the version of
    the event that caused the letter): it makes the Message-ID deterministic and unique."""
    kind = LetterKind(kind)
    _check_required(kind, ctx)
    language = words.language(ctx.language)
    template_name = f"{language}/{_template(kind, ctx)}"
    message_id = message_id_for(kind, ctx.complaint_id, letter_key)
    variables = _template_variables(ctx, language)
    recipient = ctx.addressee_email
    if ctx.by_post:
        recipient = ", ".join([ctx.addressee_name, *address_lines(ctx.addressee_address)])
    env = _environment()
    # The subject is a `{% set subject %}` of the text template: one source for both parts.
    text_module = env.get_template(f"{template_name}.txt.j2").make_module(variables)
    subject = " ".join(str(text_module.subject).split())  # type: ignore[attr-defined]
    text = _normalise(str(text_module))
    html_template = env.get_template(f"{template_name}.html.j2")
    html = _normalise(html_template.render(variables, subject=subject))
    return RenderedLetter(
        kind=kind,
        complaint_id=ctx.complaint_id,
        reference=ctx.reference,
        language=language,
        recipient=recipient,
        subject=subject,
        text=text,
        html=html,
        template_name=template_name,
        template_version=template_version(template_name),
        sha256=content_hash(message_id, recipient, subject, text, html),
        message_id=message_id,
        letter_key=letter_key,
        stated_dates=_stated_dates(kind, ctx),
        delivery="post" if ctx.by_post else "email",
    )


def _template(kind: LetterKind, ctx: LetterContext) -> str:
    """The kind's template; a withdrawal has its own closure letter (it confirms, and invites
    no review: the complainant ended it)."""
    if kind is LetterKind.CLOSURE and ctx.withdrawn:
        return "closure_withdrawn"
    return kind.value


def content_hash(message_id: str, recipient: str, subject: str, text: str, html: str) -> str:
    """SHA-256 over canonical JSON (sorted keys, UTF-8, LF line ends) of what the letter says and
    to whom; an auditor can recompute it from the stored message parts."""
    canonical = {
        "html": _normalise(html),
        "message_id": message_id,
        "recipient": recipient,
        "subject": subject,
        "text": _normalise(text),
    }
    return hashlib.sha256(msgspec.json.encode(canonical, order="sorted")).hexdigest()


def _normalise(body: str) -> str:
    """LF line ends, no trailing spaces, at most one blank line in a row: templates stay
    readable and the hash does not depend on incidental template whitespace."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    joined = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", joined).strip("\n") + "\n"


def _check_required(kind: LetterKind, ctx: LetterContext) -> None:
    for field in REQUIRED_FIELDS[kind]:
        if _blank(getattr(ctx, field)):
            raise LetterContextError(f"$.{field}", f"required for a {kind.value} letter")


def _blank(value: object) -> bool:
    """Nothing to say: no value, an empty or blank text, a list without a non-blank text."""
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return not any(str(item).strip() for item in value)
    return value is None


def _stated_dates(kind: LetterKind, ctx: LetterContext) -> dict[str, date]:
    route_deadline = ctx.external_route.deadline if ctx.external_route else None
    stated: dict[str, date] = {}
    for name in STATED_DATES[kind]:
        value = route_deadline if name == "external_route_deadline" else getattr(ctx, name)
        if value is not None:
            stated[name] = words.day_of(value)
    if kind in (LetterKind.MEASURES, LetterKind.RESPONSE):  # the judgement's measures' days
        for number, measure in enumerate(ctx.measures, start=1):
            stated[f"measure_{number}_due"] = measure.due
    return stated


def _template_variables(ctx: LetterContext, language: words.Lang) -> dict[str, object]:
    dates = {name: _maybe_date(getattr(ctx, name), language) for name in DATE_FIELDS}
    route = ctx.external_route
    return {
        "ctx": ctx,
        "language": language,
        # The person complained about, the representative, or the complainant.
        "name": ctx.addressee_name.strip(),
        "received_at": words.date_time(ctx.received_at, language),
        "route": route,
        "route_deadline": _maybe_date(route.deadline if route else None, language),
        "response_paragraphs": _paragraphs(ctx.response_text),
        "judgement": JUDGEMENTS[language].get(ctx.resolution or ""),
        "escalation_cause": ESCALATION_CAUSES[language].get(ctx.escalation_cause or ""),
        **_procedure_variables(ctx, language),
        **dates,
    }


def _procedure_variables(ctx: LetterContext, language: words.Lang) -> dict[str, object]:
    """The procedure letters' moments in the organisation's zone and their codes in words."""
    return {
        "hearing_at": words.date_time(ctx.hearing_at, language) if ctx.hearing_at else None,
        "confirmed_on": _maybe_date(ctx.confirmed_at, language),
        "confirmed_by": CONFIRMATIONS[language].get(ctx.confirmed_by or ""),
        "grounds": decline_grounds(ctx.decline_grounds, language),
        "description_paragraphs": _paragraphs(ctx.complaint_description),
        "informal_paragraphs": _paragraphs(ctx.informal_text),
        "explanation_paragraphs": _paragraphs(ctx.decline_explanation),
        # The committee's advice, and why the answer departs from it (sent along: Awb 9.1.3).
        "departure_paragraphs": _paragraphs(ctx.departure_reasons),
        "advice_paragraphs": _paragraphs(ctx.committee_advice),
        "mediation_on": _maybe_date(ctx.mediation_held_at, language),
        "measure_lines": [
            {"description": m.description, "due": words.long_date(m.due, language)}
            for m in ctx.measures
        ],
    }


def _maybe_date(value: date | None, language: words.Lang) -> str | None:
    return None if value is None else words.long_date(value, language)


def _paragraphs(text: str | None) -> list[str]:
    if not text:
        return []
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return [block.strip() for block in blocks if block.strip()]
