"""`klachten privacy`: erase a complainant's personal data, apply the retention policy.

Both need a staff token with the ``privacy`` role (``--token`` or ``KLACHTEN_TOKEN``, checked
against ``KLACHTEN_STAFF_TOKEN`` / ``KLACHTEN_STAFF_TOKENS`` and the running stack's generated
token; without a token, the stack's all-roles token is used). Erasure destroys the
complainant's key (every complaint of that complainant) and records one ``complaint.erased``
event per complaint with who, when and why; see docs/privacy.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from klachten.stack.stafftoken import TOKEN_FILE, read_token
from services.reporting.settings import ReportingSettings
from shared.config.permissions import mask
from shared.config.settings import Settings
from shared.contract import subjects
from shared.privacy.keystore import KeyStoreError
from shared.privacy.shredding import (
    Erasure,
    PrivateComplaints,
    RetentionPolicy,
    cases,
    execute_erasure,
    plan_erasure,
    retention_plan,
)
from shared.runtime.staff import authenticate, parse_tokens

app = typer.Typer(help="Crypto-shredding of personal data: erasure and retention.")
console = Console(soft_wrap=True)
DEFAULT_RETENTION = "default=2y"
T = TypeVar("T")


def _actor(token: str | None) -> str:
    """The staff member of ``token``; without one, the stack's all-roles token (the one
    ``klachten up`` uses: KLACHTEN_STAFF_TOKEN, else the data folder's generated one)."""
    settings = ReportingSettings.from_env()  # the staff tokens, as reporting reads them
    all_roles = settings.staff_token or read_token(settings.data_dir)
    tokens = parse_tokens(all_roles or "", settings.staff_tokens)
    member = authenticate(f"Bearer {token or all_roles or ''}", tokens)
    if member is None or "privacy" not in member.roles:
        console.print(
            "[bold red]a staff token with the privacy role is required[/] (--token or "
            "KLACHTEN_TOKEN; without one, KLACHTEN_STAFF_TOKEN or the stack's "
            f"{TOKEN_FILE} in the data folder)"
        )
        raise typer.Exit(3)
    return f"staff:{member.name}"


# Why a key is destroyed: the erasure event keeps it in plain text for auditors, so it is a
# fixed phrase, never typed (a name or a case number typed here would outlive the erasure).
BASES = {
    "request": "GDPR art. 17(1): the data subject's request",
    "objection": "GDPR art. 17(1)(c): objection (art. 21)",
    "unlawful": "GDPR art. 17(1)(d): unlawfully processed",
    "obligation": "GDPR art. 17(1)(e): a legal obligation",
}


def _open() -> PrivateComplaints:
    url = Settings.from_env().nats_url
    try:
        return PrivateComplaints(env={"NATS_URL": url})
    except Exception as e:
        console.print(f"[bold red]cannot reach NATS at {mask(url)}:[/] {escape(mask(str(e)))}")
        raise typer.Exit(2) from None


def _guarded(work: Callable[[], T]) -> T:
    try:
        return work()
    except KeyStoreError as e:
        console.print(f"[bold red]key store:[/] {escape(str(e))}")
        raise typer.Exit(2) from None


@app.command()
def erase(
    target: str = typer.Argument(..., help="A complaint reference (KL-…) or an e-mail address."),
    reason: str = typer.Option(
        "request",
        "--reason",
        help="The legal basis, one of: " + ", ".join(f"{k} ({v})" for k, v in BASES.items()),
    ),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    token: str | None = typer.Option(None, envvar="KLACHTEN_TOKEN", help="Staff token."),
) -> None:
    """Destroy the complainant's key and record the erasure on each of their complaints."""
    if reason not in BASES:  # a closed list: the log keeps it in plain text (docs/security.md)
        choices = ", ".join(BASES)
        raise typer.BadParameter(f"choose one of {choices}", param_hint="--reason")
    actor = _actor(token)
    application = _open()
    try:
        keystore = application.keystore
        if keystore is None:
            console.print(
                "[bold red]KLACHTEN_KEYSTORE=none: nothing is sealed, erasure impossible[/]"
            )
            raise typer.Exit(2)
        link = application.factory.link  # type: ignore[attr-defined]
        try:
            plan = _guarded(lambda: plan_erasure(link, keystore, target))
        except LookupError as e:
            console.print(f"[bold red]{escape(str(e))}[/]")
            raise typer.Exit(1) from None
        console.print(_plan_table(plan))
        for warning in plan.warnings:
            console.print(f"[yellow]warning:[/] {escape(warning)}")
        if not yes and not typer.confirm("Destroy these keys? This cannot be undone"):
            raise typer.Exit(1)
        now = datetime.now(UTC)
        _guarded(
            lambda: execute_erasure(
                plan,
                application,
                actor=actor,
                legal_basis=BASES[reason],
                now=now,
                delete_attachment=_attachment_deleter(link),
            )
        )
    finally:
        application.close()
    console.print(
        f"[green]erased[/]: {len(plan.destroyed)} key(s) destroyed now, Erased recorded on "
        f"{len(plan.recorded)} complaint(s), {plan.attachments_deleted} attachment(s) deleted"
    )


@app.command()
def retention(
    now: datetime | None = typer.Option(None, help="The moment to evaluate (default: now)."),
    policy: str = typer.Option(
        DEFAULT_RETENTION, envvar="KLACHTEN_RETENTION", help="e.g. default=2y,billing=400d"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report only; destroy nothing."),
    token: str | None = typer.Option(None, envvar="KLACHTEN_TOKEN", help="Staff token."),
) -> None:
    """Destroy the keys of complainants whose complaints are all past retention after closure."""
    moment = _utc(now) if now else datetime.now(UTC)
    actor = _actor(token) if not dry_run else "system:retention"
    rules = RetentionPolicy.parse(policy)
    application = _open()
    try:
        keystore = application.keystore
        link = application.factory.link  # type: ignore[attr-defined]
        plan = _guarded(lambda: retention_plan(cases(link, keystore), rules, moment))
        due = [d for d in plan if d.reason == "due"]
        table = Table("key", "complaints", "due at", "status", title=f"retention as of {moment}")
        for d in plan:
            refs = ", ".join(c.reference for c in d.cases)
            at = d.due_at.isoformat() if d.due_at else "-"
            table.add_row(d.key_id, refs, at, d.reason)
        console.print(table)
        if dry_run:
            console.print(f"dry run: {len(due)} key(s) would be destroyed")
            return
        for d in due:
            erasure = Erasure([d.key_id], d.cases)
            _guarded(
                lambda erasure=erasure: execute_erasure(  # type: ignore[misc]
                    erasure,
                    application,
                    actor=f"{actor} (retention)",
                    legal_basis=f"retention period after closure ({policy})",
                    now=moment,
                    delete_attachment=_attachment_deleter(link),
                )
            )
        console.print(f"[green]{len(due)} key(s) destroyed[/] under the retention policy")
    finally:
        application.close()


def _plan_table(plan: Erasure) -> Table:
    table = Table("reference", "complaint", "category", "key", title="to erase")
    for c in plan.cases:
        table.add_row(c.reference, c.complaint_id, c.category or "", c.key_id or "(none)")
    return table


def _attachment_deleter(link: object) -> Callable[[str], bool]:
    def delete(name: str) -> bool:
        async def run() -> bool:
            js = link.nc.jetstream()  # type: ignore[attr-defined]
            try:
                store = await js.object_store(subjects.ATTACHMENTS_BUCKET)
                await store.delete(name)
            except Exception:
                return False
            return True

        return bool(link.run(run()))  # type: ignore[attr-defined]

    return delete


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
