"""`klachten demo`: a realistic, varied set of complaints through the real entry points.

Web and API complaints go to the public API, phone calls and letters to the staff API (with a
`received_at` in the past, so some deadlines have passed and the SLA monitor escalates them),
e-mails through the intake's SMTP port. Staff then work them as a desk does, through the staff
API and by the procedure (docs/procedure.md): the coordinator assigns some to a handler or a
team's queue (the organisation file), the handler takes from their queue; a complaint is
answered only after the complainant was heard (invited, hearing held) or the hearing was
waived on a ground (Awb 9:10), some are resolved informally (9:5), one is declined (9:8),
others extended or escalated on request; answers are closed in part. Nothing touches the
store.
"""

from __future__ import annotations

import random
import smtplib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from klachten.commands.demo_desk import (
    DECLINED,
    DemoError,
    DemoResult,
    decline,
    desk_of,
    follow_up,
    own,
)
from klachten.stack.stafftoken import read_token
from services.reporting.settings import ReportingSettings
from shared.config.settings import HOST, Settings

console = Console()

PEOPLE = [
    ("Jan de Vries", "nl"),
    ("Fatima El Amrani", "nl"),
    ("Pieter Bakker", "nl"),
    ("Sanne Visser", "nl"),
    ("Mohammed Yilmaz", "nl"),
    ("Emily Carter", "en"),
    ("Lukas Schneider", "en"),
    ("Anna Kowalska", "en"),
]
# Categories are the vocabulary's themes (config/vocabularies.toml): a public submission may
# only suggest one of those.
TOPICS = {
    "nl": [
        (
            "Parkeervergunning niet ontvangen",
            "Ik heb zes weken geleden betaald maar nog "
            "steeds geen vergunning ontvangen. Ik kreeg inmiddels een boete.",
            "tijdigheid",
        ),
        (
            "Onbeleefde medewerker aan de balie",
            "Bij het loket werd ik afgesnauwd toen ik "
            "vroeg waarom mijn paspoort nog niet klaar was.",
            "bejegening",
        ),
        (
            "Afvalcontainer niet geleegd",
            "Onze container in de Lindenstraat is al drie weken "
            "niet geleegd. Het stinkt en trekt ratten aan.",
            "dienstverlening",
        ),
        (
            "Geen reactie op bezwaar WOZ",
            "Mijn bezwaar tegen de WOZ-waarde is na vier maanden nog niet behandeld.",
            "besluit",
        ),
    ],
    "en": [
        (
            "Parking permit never arrived",
            "I paid for a resident parking permit six weeks "
            "ago and still have nothing; meanwhile I was fined.",
            "tijdigheid",
        ),
        (
            "Nobody answers the phone",
            "I called the helpdesk five times this week and was "
            "disconnected every time after waiting 30 minutes.",
            "bereikbaarheid",
        ),
        (
            "Wrong amount on tax assessment",
            "The assessment charges me for two dogs; I have never owned a dog.",
            "besluit",
        ),
    ],
}
CHANNELS = ("web", "email", "phone", "letter", "api")


def run(
    settings: Settings,
    token: str,
    *,
    count: int,
    seed: int,
    echo: Callable[[str], object] = print,
) -> DemoResult:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    result = DemoResult()
    base = f"http://{HOST}:{settings.intake_port}"
    desk = desk_of(settings, token)
    with httpx.Client(base_url=base, timeout=15) as http:
        for n in range(count):
            name, lang = rng.choice(PEOPLE)
            subject, text, category = rng.choice(TOPICS[lang])
            channel = CHANNELS[n % len(CHANNELS)]
            email = f"{name.split()[0].lower()}.{n}@example.nl"
            if channel == "email":
                _send_mail(settings.smtp_port, name, email, subject, text, seed, n)
                result.submitted[channel] += 1
                continue
            body: dict[str, Any] = {
                "channel": channel,
                "complainant": {"name": name, "email": email, "language": lang},
                "subject": subject,
                "description": text,
                "category": category,
            }
            headers = {"Idempotency-Key": f"demo-{seed}-{n}", "Accept-Language": lang}
            if channel in ("phone", "letter"):
                # Registered after receipt: the legal clock runs from then, often weeks ago.
                days = rng.choice((1, 3, 10, 20, 45, 60))
                body["received_at"] = (now - timedelta(days=days)).isoformat()
                result.backdated += days >= 10
                headers |= desk.staff
            created = _post(http, "/api/complaints", body, headers)
            result.submitted[channel] += 1
            path = f"/api/complaints/{created['complaint_id']}"
            own(http, desk, path, rng, result)
            if n == DECLINED:
                decline(http, desk, path, result)
            else:
                follow_up(http, desk, path, rng, result)
    echo(f"submitted {sum(result.submitted.values())} complaints")
    return result


def describe(result: DemoResult) -> str:
    channels = ", ".join(f"{k} {v}" for k, v in sorted(result.submitted.items()))
    actions = ", ".join(f"{k} {v}" for k, v in sorted(result.actions.items())) or "none"
    refused = ", ".join(f"{k} {v}" for k, v in sorted(result.refused.items())) or "none"
    return (
        f"demo complaints by channel: {channels}\n"
        f"backdated 10+ days (deadlines passing, escalations due): {result.backdated}\n"
        f"staff actions: {actions}\n"
        f"refused by the complaint's state (409, e.g. escalated meanwhile): {refused}"
    )


def _post(http: httpx.Client, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    try:
        response = http.post(path, json=body, headers=headers)
    except httpx.HTTPError as error:
        raise DemoError(f"intake not reachable at {http.base_url}: {error}") from None
    if response.status_code not in (200, 201):
        raise DemoError(f"POST {path}: {response.status_code} {response.text[:300]}")
    return response.json()


def _send_mail(
    port: int, name: str, sender: str, subject: str, text: str, seed: int, n: int
) -> None:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = "klachten@klachten.local"
    message["Subject"] = subject
    # A stable Message-ID makes a second `klachten demo` with the same seed idempotent.
    message["Message-ID"] = f"<demo-{seed}-{n}-{uuid.uuid5(uuid.NAMESPACE_DNS, sender)}@example.nl>"
    message.set_content(text)
    try:
        with smtplib.SMTP(HOST, port, timeout=15) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise DemoError(f"intake SMTP on port {port}: {error}") from None


def demo(
    count: int = typer.Option(40, help="How many complaints to submit."),
    seed: int = typer.Option(7, help="Seed of the generator (the same seed, the same set)."),
) -> None:
    """Fill a running stack with varied complaints through its HTTP API and SMTP intake."""
    settings = Settings.from_env()
    token = ReportingSettings.from_env().staff_token or read_token(settings.data_dir.resolve())
    if not token:
        console.print("[bold red]no staff token:[/] set KLACHTEN_STAFF_TOKEN or run klachten up")
        raise typer.Exit(1)
    try:
        result = run(settings, token, count=count, seed=seed, echo=console.print)
    except DemoError as error:
        console.print(f"[bold red]demo failed:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    console.print(describe(result))
