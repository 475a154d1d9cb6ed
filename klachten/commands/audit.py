"""`klachten audit`: verify the log and its signed checkpoints, sign one, export and check a case.

verify        every chain, the sequence, each event's writer, each event re-decided by the rules
              (shared/integrity/redecide.py), the checkpoint chain, that the log
              extends the checkpoints the auditor kept (--trusted-checkpoint, the witness file)
              and that no message stays uncovered past the bound
checkpoint    sign the log's current head now (the checkpointer does it every minute)
rotate-key    a new signer key, its rotation signed by the old one (shared/integrity/keyring.py)
export-case   all stored events of one complaint + the checkpoint and Merkle proof covering it
verify-case   check such a file offline, with only the auditor's keyring or public key
Formats and byte layouts: docs/verification.md.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from klachten.stack.checkpointer import ChainBroken, CheckpointerSettings, sign_now
from shared.config.settings import Settings
from shared.eventstore.link import COMMAND_CONNECT, JetStreamLink, RawMsg
from shared.integrity import casefile, keyring, signing
from shared.integrity import checkpoints as cps
from shared.integrity.anchoring import read_trusted, verify_log
from shared.integrity.audit import read_all, stream_bounds

app = typer.Typer(help="Tamper evidence: chains, signed checkpoints, case files.")
console = Console(soft_wrap=True)


def _link() -> JetStreamLink:
    # Unreachable: NoServersError after a few seconds, reported by klachten.cli.main.
    return JetStreamLink(Settings.from_env().nats_url, name="klachten-audit", **COMMAND_CONNECT)


def _signer_keys(signer_keyring: Path | None, public_key: Path | None) -> keyring.Keyring:
    """The checkpoint signer's keyring: as given, else the signer folder's; none is a refusal."""
    path = public_key or signer_keyring or CheckpointerSettings.from_env().signer / keyring.KEYRING
    try:
        return keyring.load(path)
    except (OSError, ValueError, keyring.KeyringError) as e:
        console.print(
            f"[bold red]no usable signer keyring[/] {escape(str(path))}: {escape(str(e))}"
        )
        raise typer.Exit(2) from None


def _trusted(files: list[Path], witness: bool) -> list[cps.Checkpoint]:
    own = CheckpointerSettings.from_env().witness
    files = files + ([own] if witness and own.exists() else [])
    try:
        return [cp for f in files for cp in read_trusted(f)]
    except (OSError, ValueError) as e:
        console.print(f"[bold red]cannot read a trusted checkpoint:[/] {escape(str(e))}")
        raise typer.Exit(2) from None


def _writers(path: Path | None) -> signing.Keyring | None:
    found = path or Settings.from_env().data_dir / signing.KEYRING_FILE
    return signing.load_keyring(found) if path or found.exists() else None


@app.command()
def verify(
    signer_keyring: Path | None = typer.Option(
        None, help="The checkpoint signer's keyring (default: the signer folder's keyring.json)."
    ),
    public_key: Path | None = typer.Option(None, help="Or one signer public key (PEM)."),
    trusted_checkpoint: list[Path] = typer.Option(
        [],
        help="Checkpoints you kept (a witness file or one checkpoint): the log must extend them.",
    ),
    witness: bool = typer.Option(True, help="Also check against the configured witness file."),
    max_uncovered_minutes: float = typer.Option(
        10.0, help="Messages covered by no checkpoint for longer than this fail the check."
    ),
    writers: Path | None = typer.Option(
        None, "--keyring", help="Writers' keyring (default: the data dir's keys/writers.json)."
    ),
) -> None:
    """Check every chain, the sequence, each event's writer, that the rules allowed each event,
    the checkpoint chain and that the log extends every trusted checkpoint; exit 1 at the first
    divergence."""
    link = _link()  # first: an unreachable log is the first thing to say
    try:
        keys = _signer_keys(signer_keyring, public_key)
        trusted = _trusted(list(trusted_checkpoint), witness)
        bound = timedelta(minutes=max_uncovered_minutes)
        job = verify_log(
            link,
            keys,
            trusted=trusted,
            now=datetime.now(UTC),
            bound=bound,
            writers=_writers(writers),
        )
        report = link.run(job, timeout=600)
    finally:
        link.close()
    v = report.verdict
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    if report.ok:
        console.print(
            f"[green]OK[/] {v.events} events of {v.complaints} complaints, {v.messages} messages "
            f"up to sequence {v.last_seq}; {report.checkpoints_ok}/{report.checkpoints} "
            f"checkpoints verified, covering up to sequence {report.covered_to}; "
            f"{report.trusted_ok}/{report.trusted} trusted checkpoints extended"
        )
        return
    console.print(f"[bold red]FAILED[/] first divergence at {escape(str(report.first_divergence))}")
    for problem in sorted(v.breaks + report.problems, key=lambda b: b.seq)[:50]:
        console.print(f"  - {escape(str(problem))}")
    raise typer.Exit(1)


@app.command()
def checkpoint(
    force: bool = typer.Option(False, help="Sign even when the chains do not verify."),
) -> None:
    """Sign the current head of the log now, as the checkpointer does every minute."""
    link = _link()
    try:
        cp = _sign(link, force=force)
    except (keyring.KeyringError, ChainBroken, cps.NotExtending) as e:
        console.print(f"[bold red]refused:[/] {escape(str(e))}")
        raise typer.Exit(1) from None
    finally:
        link.close()
    if cp is None:
        console.print("the last checkpoint already covers the whole log")
        return
    console.print(
        f"checkpoint {cp.number} at sequence {cp.seq}: {cp.complaints} complaints, "
        f"root {cp.heads_root[:16]}…, key {cp.key_id}"
    )


def _sign(link: JetStreamLink, force: bool = False) -> cps.Checkpoint | None:
    settings = CheckpointerSettings.from_env()
    link.run(cps.ensure_stream(link))
    return sign_now(link, settings.signer, settings.witness, datetime.now(UTC), force=force)


@app.command("rotate-key")
def rotate_key() -> None:
    """A new signing key; the keyring records the rotation, signed by the old key."""
    signer = CheckpointerSettings.from_env().signer
    try:
        key = keyring.rotate(signer, datetime.now(UTC).isoformat())
    except keyring.KeyringError as e:
        console.print(f"[bold red]refused:[/] {escape(str(e))}")
        raise typer.Exit(1) from None
    console.print(f"new signing key {keyring.key_id(key.public_key())} in {signer}")


@app.command("export-case")
def export_case(
    complaint: str = typer.Argument(..., help="Reference (KL-…) or complaint id."),
    out: Path = typer.Option(..., "--out", help="Where to write the case file (JSON)."),
) -> None:
    """All stored events of one complaint plus a signed checkpoint and proof covering them."""
    link = _link()
    try:
        case = build_case(link, complaint)
    except (LookupError, keyring.KeyringError, ChainBroken, cps.NotExtending) as e:
        console.print(f"[bold red]{escape(str(e))}[/]")
        raise typer.Exit(1) from None
    finally:
        link.close()
    out.write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(f"wrote {len(case['events'])} events of {case['complaint_id']} to {out}")


def build_case(link: JetStreamLink, complaint: str) -> dict[str, Any]:
    """A case file; signs a checkpoint first when the last one does not cover the complaint."""
    first, _ = link.run(stream_bounds(link, "COMPLAINTS"))
    messages: list[RawMsg] = link.run(_all(link, first), timeout=600)
    cid = casefile.complaint_id(messages, complaint)
    own_last = max(m.seq for m in messages if m.subject.startswith(f"complaints.{cid}."))
    existing = link.run(cps.read_checkpoints(link))
    cp = cps.decode(existing[-1].data) if existing else None
    if cp is None or cp.seq < own_last:
        cp = _sign(link) or cp
        messages = link.run(_all(link, first), timeout=600)
    assert cp is not None
    return casefile.build(messages, first, cid, cp, datetime.now(UTC))


async def _all(link: JetStreamLink, first: int) -> list[RawMsg]:
    return [m async for m in read_all(link, "COMPLAINTS", first)]


@app.command("verify-case")
def verify_case_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    public_key: Path | None = typer.Option(None, "--public-key", exists=True, dir_okay=False),
    signer_keyring: Path | None = typer.Option(None, exists=True, dir_okay=False),
) -> None:
    """Verify an exported case offline: chain, signature, proof. Exit 1 at the first problem."""
    case = json.loads(file.read_text(encoding="utf-8"))
    problem, summary = casefile.verify(case, _signer_keys(signer_keyring, public_key))
    if problem:
        console.print(f"[bold red]FAILED[/] {escape(problem)}")
        raise typer.Exit(1)
    console.print(f"[green]OK[/] {escape(summary)}")


__all__ = ["app", "build_case"]
