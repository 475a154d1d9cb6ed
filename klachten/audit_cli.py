"""`klachten audit`: verify the log and its signed checkpoints, sign one, export and check a case.

verify        every chain, the sequence and every checkpoint signature; the first divergence
checkpoint    sign the log's current head now (``--every N`` keeps signing every N seconds)
export-case   all stored events of one complaint + the checkpoint and Merkle proof covering it
verify-case   check such a file offline, with only the auditor's public key
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import typer
from rich.console import Console
from rich.markup import escape

from shared import checkpoints as cps
from shared.audit import ChainChecker, check_log, read_all, stream_bounds, verify_log
from shared.jsclient import COMMAND_CONNECT, JetStreamLink, RawMsg
from shared.persistence import HASH_HEADER, PREV_HASH_HEADER, TOPIC_HEADER, chain_hash
from shared.settings import Settings

app = typer.Typer(help="Tamper evidence: chains, signed checkpoints, case files.")
console = Console(soft_wrap=True)
CASE_FORMAT = "klachten.case/1"


def _link() -> JetStreamLink:
    # Unreachable: NoServersError after a few seconds, reported by klachten.cli.main.
    return JetStreamLink(Settings.from_env().nats_url, name="klachten-audit", **COMMAND_CONNECT)


def _public_key(path: Path | None) -> Any:
    if path is None:
        path = cps.key_paths(Settings.from_env().data_dir)[1]
        if not path.exists():
            return None
    return cps.load_public_key(path.read_bytes())


@app.command()
def verify(
    public_key: Path | None = typer.Option(None, help="Public key (default: the data dir's)."),
) -> None:
    """Check every chain, the sequence and the checkpoints; exit 1 at the first divergence."""
    link = _link()
    try:
        report = link.run(verify_log(link, _public_key(public_key)), timeout=600)
    finally:
        link.close()
    v = report.verdict
    if report.ok:
        console.print(
            f"[green]OK[/] {v.events} events of {v.complaints} complaints, {v.messages} messages "
            f"up to sequence {v.last_seq}; {report.checkpoints_ok}/{report.checkpoints} "
            "checkpoints verified"
        )
        return
    first = report.first_divergence
    console.print(f"[bold red]FAILED[/] first divergence at {escape(str(first))}")
    for problem in (v.breaks + report.problems)[:50]:
        console.print(f"  - {escape(str(problem))}")
    raise typer.Exit(1)


@app.command()
def checkpoint(
    every: float = typer.Option(0, help="Keep signing every this many seconds (0: once)."),
    force: bool = typer.Option(False, help="Sign even when the chains do not verify."),
) -> None:
    """Sign the current head of the log with the audit key (Ed25519)."""
    link = _link()
    try:
        while True:
            cp = sign_now(link, force=force)
            console.print(
                f"checkpoint at sequence {cp.seq}: {cp.complaints} complaints, "
                f"root {cp.heads_root[:16]}…, key {cp.key_id}"
            )
            if every <= 0:
                return
            time.sleep(every)
    finally:
        link.close()


def sign_now(link: JetStreamLink, *, force: bool = False) -> cps.Checkpoint:
    key = cps.signing_key(Settings.from_env().data_dir)

    async def run() -> cps.Checkpoint:
        await cps.ensure_stream(link)
        existing = await cps.read_checkpoints(link)
        previous = cps.decode(existing[-1]) if existing else None
        first, _ = await stream_bounds(link, "COMPLAINTS")
        messages = [m async for m in read_all(link, "COMPLAINTS", first)]
        cp, checker = cps.make_checkpoint(messages, first, previous, key, datetime.now(UTC))
        if not checker.verdict.ok and not force:
            raise RuntimeError(
                f"not signing a log that does not verify: {checker.verdict.first_break}"
            )
        await cps.publish(link, cp)
        return cp

    try:
        return link.run(run(), timeout=600)
    except RuntimeError as e:
        console.print(f"[bold red]{escape(str(e))}[/]")
        raise typer.Exit(1) from None


@app.command("export-case")
def export_case(
    complaint: str = typer.Argument(..., help="Reference (KL-…) or complaint id."),
    out: Path = typer.Option(..., "--out", help="Where to write the case file (JSON)."),
) -> None:
    """All stored events of one complaint plus a signed checkpoint and proof covering them."""
    link = _link()
    try:
        case = build_case(link, complaint)
    except LookupError as e:
        console.print(f"[bold red]{escape(str(e))}[/]")
        raise typer.Exit(1) from None
    finally:
        link.close()
    out.write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(f"wrote {len(case['events'])} events of {case['complaint_id']} to {out}")


def build_case(link: JetStreamLink, complaint: str) -> dict[str, Any]:
    first, _ = link.run(stream_bounds(link, "COMPLAINTS"))
    messages: list[RawMsg] = link.run(_all(link, first), timeout=600)
    cid = _complaint_id(messages, complaint)
    own = [m for m in messages if m.subject.startswith(f"complaints.{cid}.")]
    existing = link.run(cps.read_checkpoints(link))
    cp = cps.decode(existing[-1]) if existing else None
    if cp is None or cp.seq < own[-1].seq:
        cp = sign_now(link)
    walk = cps.Walk(ChainChecker(first))
    for m in messages:
        if m.seq <= cp.seq:
            walk.feed(m)
    heads = walk.heads_at(cp.seq)
    if cps.merkle_root(heads) != cp.heads_root:
        raise LookupError(
            "the log does not match its latest checkpoint: run `klachten audit verify`"
        )
    return {
        "format": CASE_FORMAT,
        "complaint_id": cid,
        "exported_at": datetime.now(UTC).isoformat(),
        "events": [_event(m) for m in own],
        "checkpoint": msgspec.json.encode(cp).decode(),  # exactly the signed form
        "proof": {"head": heads[cid], "path": cps.merkle_proof(heads, cid)},
    }


async def _all(link: JetStreamLink, first: int) -> list[RawMsg]:
    return [m async for m in read_all(link, "COMPLAINTS", first)]


def _complaint_id(messages: list[RawMsg], wanted: str) -> str:
    for m in messages:
        if m.subject.endswith(".submitted"):
            data = json.loads(m.data)
            if wanted in (data.get("complaint_id"), data.get("reference")):
                return str(data["complaint_id"])
            if str(data.get("reference", "")).upper() == wanted.strip().upper():
                return str(data["complaint_id"])
    raise LookupError(f"no complaint {wanted!r} in the log")


def _event(m: RawMsg) -> dict[str, Any]:
    return {
        "seq": m.seq,
        "subject": m.subject,
        "topic": m.headers.get(TOPIC_HEADER, ""),
        "prev_hash": m.headers.get(PREV_HASH_HEADER, ""),
        "hash": m.headers.get(HASH_HEADER, ""),
        "data": m.data.decode(),
    }


@app.command("verify-case")
def verify_case_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    public_key: Path = typer.Option(..., "--public-key", exists=True, dir_okay=False),
) -> None:
    """Verify an exported case offline: chain, signature, proof. Exit 1 at the first problem."""
    case = json.loads(file.read_text(encoding="utf-8"))
    problem, summary = verify_case(case, cps.load_public_key(public_key.read_bytes()))
    if problem:
        console.print(f"[bold red]FAILED[/] {escape(problem)}")
        raise typer.Exit(1)
    console.print(f"[green]OK[/] {escape(summary)}")


def verify_case(case: dict[str, Any], key: Any) -> tuple[str | None, str]:
    """(first problem or None, summary). Needs nothing but the file and the public key."""
    if case.get("format") != CASE_FORMAT:
        return f"not a {CASE_FORMAT} file", ""
    cid, events = case["complaint_id"], case["events"]
    prev_hash, covered = "", None
    cp = msgspec.json.decode(case["checkpoint"], type=cps.Checkpoint)
    for n, e in enumerate(events, start=1):
        where = f"event {n} (stream sequence {e['seq']}, {e['subject']})"
        parts = e["subject"].split(".")
        if parts[1] != cid or parts[2] != str(n):
            return f"{where}: expected version {n} of {cid} (an event was removed or moved)", ""
        if chain_hash(e["prev_hash"], e["subject"], e["topic"], e["data"].encode()) != e["hash"]:
            return f"{where}: content does not match its hash (the event was altered)", ""
        if e["prev_hash"] != prev_hash:
            return f"{where}: does not link to the previous event", ""
        prev_hash = e["hash"]
        if e["seq"] <= cp.seq:
            covered = e
    if not cps.signature_ok(cp, key):
        return "the checkpoint's signature is invalid (altered, or signed by another key)", ""
    if covered is None or covered["hash"] != case["proof"]["head"]:
        return "the checkpoint does not cover this case's events (head differs)", ""
    path = [tuple(p) for p in case["proof"]["path"]]
    if cps.proof_root(cid, covered["hash"], path) != cp.heads_root:  # type: ignore[arg-type]
        return "the Merkle proof does not lead to the signed root", ""
    later = sum(1 for e in events if e["seq"] > cp.seq)
    version = covered["subject"].split(".")[2]
    summary = (
        f"{len(events)} events of {cid} chain correctly; signed checkpoint at sequence {cp.seq} "
        f"({cp.signed_at.isoformat()}, key {cp.key_id}) covers version {version}"
    )
    return None, summary + (f"; {later} later events are not yet covered" if later else "")


__all__ = ["app", "build_case", "check_log", "sign_now", "verify_case"]
