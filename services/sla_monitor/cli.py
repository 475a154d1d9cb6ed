"""Command line of the SLA monitor; the main CLI mounts ``app`` as ``klachten sla``.

    klachten sla simulate --policy candidate.toml [--current config/policy.toml]
                          [--from 2026-01-01] [--to 2027-01-01] [--as-of …] [--events FILE]
                          [--format table|json]

Reads the history read-only (the COMPLAINTS stream at KLACHTEN_NATS_URL, or a JSON Lines file
of contract events such as ``klachten export events``) and writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import msgspec
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from services.sla_monitor import simulate as sim
from services.sla_monitor.settings import SlaSettings
from shared.config.policy_file import PolicyError, build_calendar, load_policy
from shared.contract import events as ev
from shared.eventstore.link import COMMAND_CONNECT, JetStreamLink
from shared.integrity.audit import read_all

app = typer.Typer(help="SLA monitor: deadlines and escalations.", no_args_is_help=True)
console = Console()


@app.callback()
def _sla() -> None:
    """SLA monitor: deadlines and escalations."""


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise typer.BadParameter(f"{text!r} is not a date or RFC 3339 time") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _rules(path: Path) -> sim.Rules:
    try:
        policy = load_policy(path)
    except PolicyError as error:
        console.print(f"[bold red]invalid policy:[/] {escape(str(error))}")
        raise typer.Exit(2) from None
    return sim.Rules(policy, build_calendar(policy.calendar))


def read_file(path: Path) -> tuple[list[ev.Event], int]:
    events, skipped = [], 0
    with path.open("rb") as lines:
        for line in lines:
            if line.strip():
                try:
                    events.append(ev.decode(line))
                except (msgspec.DecodeError, msgspec.ValidationError):
                    skipped += 1
    return events, skipped


def read_log(url: str) -> tuple[list[ev.Event], int]:
    link = JetStreamLink(url, name="klachten-sla-simulate", **COMMAND_CONNECT)

    async def collect() -> tuple[list[ev.Event], int]:
        events, skipped = [], 0
        messages: AsyncIterator = read_all(link)
        async for msg in messages:
            if msg.subject.startswith("complaints."):
                try:
                    events.append(ev.decode(msg.data))
                except (msgspec.DecodeError, msgspec.ValidationError):
                    skipped += 1
        return events, skipped

    try:
        return link.run(collect())
    finally:
        link.close()


@app.command("simulate")
def simulate_command(
    policy: Annotated[Path, typer.Option(help="the candidate policy file")],
    current: Annotated[
        Path | None, typer.Option(help="the policy in force (default KLACHTEN_POLICY_FILE)")
    ] = None,
    received_from: Annotated[
        str | None, typer.Option("--from", help="complaints received from (date or time)")
    ] = None,
    received_to: Annotated[str | None, typer.Option("--to", help="... received before")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="replay up to this moment (default: now)")
    ] = None,
    events: Annotated[
        Path | None, typer.Option(help="JSON Lines of contract events instead of the log")
    ] = None,
    changes: Annotated[int, typer.Option(help="complaints listed whose outcome changes")] = 20,
    output: Annotated[
        str, typer.Option("--format", help="table (people) or json (docs/operations.md)")
    ] = "table",
) -> None:
    """Replay the real history under a candidate policy beside the current one."""
    if output not in ("table", "json"):
        raise typer.BadParameter(f"--format is table or json, not {output!r}")
    settings = SlaSettings.from_env()
    now_rules, new_rules = _rules(current or settings.policy_path), _rules(policy)
    started = time.perf_counter()
    facts, skipped = read_file(events) if events else read_log(settings.nats_url)
    histories = sim.group(facts)
    read_s = time.perf_counter() - started
    until = _moment(as_of) or datetime.now(UTC)
    result = sim.compare(
        histories,
        now_rules,
        new_rules,
        until=until,
        received_from=_moment(received_from),
        received_to=_moment(received_to),
    )
    sim_s = time.perf_counter() - started - read_s
    if output == "json":
        figures = {"events": len(facts), "undecodable": skipped, "read_s": read_s, "sim_s": sim_s}
        typer.echo(msgspec.json.encode(as_json(result, until, figures)).decode())
        return
    console.print(breach_table(result))
    console.print(category_table(result))
    console.print(changed_table(result, changes))
    console.print(unreproduced_table(result, changes))
    console.print(
        f"{len(facts)} events of {len(histories)} complaints read in {read_s:.2f} s"
        f"{f' ({skipped} undecodable skipped)' if skipped else ''}; "
        f"simulated in {sim_s:.2f} s. Nothing was written."
    )


def _rate(count: int, total: int) -> str:
    return f"{count} ({100 * count / total:.1f}%)" if total else str(count)


def breach_table(r: sim.Comparison) -> Table:
    table = Table(title="Deadline escalations (per complaint received in the window)")
    table.add_column("")
    table.add_column("recorded in log", justify="right")
    table.add_column(f"current {r.current.version}", justify="right")
    table.add_column(f"candidate {r.candidate.version}", justify="right")
    table.add_column("Δ", justify="right")
    n = r.current.complaints
    table.add_row("complaints", str(r.recorded.complaints), str(n), str(r.candidate.complaints), "")
    rows = [("breached complaints", lambda s: s.breached)]
    levels = sorted({*r.current.by_level, *r.candidate.by_level, *r.recorded.by_level})
    rows += [(f"escalated to level {lv}", lambda s, lv=lv: s.by_level[lv]) for lv in levels]
    clocks = sorted({*r.current.by_clock, *r.candidate.by_clock})
    rows += [(f"  missed: {c}", lambda s, c=c: s.by_clock[c]) for c in clocks]
    for label, get in rows:
        a, b = get(r.current), get(r.candidate)
        table.add_row(label, _rate(get(r.recorded), n), _rate(a, n), _rate(b, n), f"{b - a:+d}")
    return table


def category_table(r: sim.Comparison) -> Table:
    table = Table(title="Breached complaints per category")
    for name in ("category", "complaints", "current", "candidate", "Δ"):
        table.add_column(name, justify="left" if name == "category" else "right")
    for category in sorted(r.current.by_category):
        n, a = r.current.by_category[category]
        _, b = r.candidate.by_category.get(category, (n, 0))
        table.add_row(category, str(n), _rate(a, n), _rate(b, n), f"{b - a:+d}")
    return table


def changed_table(r: sim.Comparison, limit: int) -> Table:
    table = Table(title=f"Complaints whose outcome changes: {len(r.changed)} (first {limit})")
    for name in ("reference", "category", "current", "candidate"):
        table.add_column(name)
    for now, then in sorted(r.changed, key=lambda p: p[0].reference)[:limit]:
        table.add_row(now.reference, now.category, now.label, then.label)
    return table


def unreproduced_table(r: sim.Comparison, limit: int) -> Table:
    title = f"Not reproduced by the policy in force: {len(r.not_reproduced)} (first {limit})"
    table = Table(title=title)
    for name in ("reference", "recorded in log", "current", "why"):
        table.add_column(name)
    for log, now, why in sorted(r.not_reproduced, key=lambda p: p[0].reference)[:limit]:
        table.add_row(log.reference, log.label, now.label, escape(why))
    return table


def as_json(r: sim.Comparison, until: datetime, figures: dict[str, object]) -> dict[str, object]:
    """The machine-readable result; its keys are documented in docs/operations.md."""

    def summary(s: sim.Summary) -> dict[str, object]:
        return {
            "policy_version": s.version,
            "complaints": s.complaints,
            "breached": s.breached,
            "by_level": {str(k): v for k, v in sorted(s.by_level.items())},
            "by_clock": dict(sorted(s.by_clock.items())),
        }

    def steps(o: sim.Escalations) -> list[dict[str, object]]:
        keys = ("level", "clock", "at", "deadline", "respond_by")
        return [dict(zip(keys, s.key(), strict=True)) for s in o.steps]

    why = {log.complaint_id: reason for log, _, reason in r.not_reproduced}
    return {
        "as_of": until,
        "summary": {k: summary(getattr(r, k)) for k in ("recorded", "current", "candidate")},
        "complaints": [
            {
                "complaint_id": log.complaint_id,
                "reference": log.reference,
                "category": log.category,
                "recorded": steps(log),
                "current": steps(now),
                "candidate": steps(then),
                "reproduced": log.complaint_id not in why,
                "not_reproduced_because": why.get(log.complaint_id),
            }
            for log, now, then in sorted(r.outcomes, key=lambda o: o[0].reference)
        ],
        "not_reproduced": len(r.not_reproduced),
        "changed": len(r.changed),
        "figures": figures,
    }
