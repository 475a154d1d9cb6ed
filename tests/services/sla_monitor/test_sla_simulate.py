"""What-if simulation on a generated year of complaints with known answers, and the CLI on
the real log (read-only: the stream does not change)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import nats
from typer.testing import CliRunner

from klachten.stack.natsserver import EmbeddedNats
from services.sla_monitor import simulate as sim
from services.sla_monitor.cli import app as cli
from services.sla_monitor.settings import DEFAULT_POLICY_FILE
from shared.config.policy_file import build_calendar, load_policy
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause, Complaint
from tests.support.domain import letter, personal
from tests.support.sla import policy_file

STAFF = Cause(actor="staff:ann")
H, D = timedelta(hours=1), timedelta(days=1)
UNTIL = datetime(2027, 6, 1, tzinfo=UTC)
CALENDAR = build_calendar(load_policy(DEFAULT_POLICY_FILE).calendar)
# Kind → (outcome under 10 business days to respond, under 5): see `generated`.
KNOWN = {
    "quick": ("—", "—"),
    "seven_days": ("—", "L1 respond"),
    "silent": ("L1 acknowledge, L2 respond, L3 respond",) * 2,
    "thirteen_days": ("L1 respond", "L1 respond, L2 respond"),
    "withdrawn": ("—", "—"),
}


def generated(n: int, seed: int = 2026) -> tuple[list[Complaint], dict[str, str]]:
    """`n` complaints received at random moments of 2026, one of five known kinds each:
    quick (answered the next business day), seven_days / thirteen_days (acknowledged at
    once, answered on the 7th / 13th business day), silent (never acknowledged nor answered;
    the log holds a recorded deadline escalation that the replay must re-decide), withdrawn
    (closed after an hour)."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    complaints, kinds = [], {}
    for i in range(n):
        kind = list(KNOWN)[i % len(KNOWN)]
        received = start + timedelta(seconds=rng.randrange(365 * 24 * 3600))
        c = Complaint.submit(
            complaint_id=uuid4(), reference=f"KL-2026-{i + 1:06d}", channel="web",
            language="nl", personal=personal(), received_at=received, now=received,
            cause=Cause(actor="complainant"), category=rng.choice(["wonen", "zorg", None]),
        )  # fmt: skip
        if kind == "withdrawn":
            c.close(outcome="withdrawn", now=received + H, cause=STAFF)
        elif kind == "silent":
            c.escalate(level=1, target="supervisor", reason="deadline_missed", clock="acknowledge",
                       now=received + 3 * D, cause=STAFF)  # fmt: skip
        else:
            term = received + 42 * D
            c.acknowledge(letter=letter(), respond_by=term, statutory_by=term,
                          now=received + H, cause=STAFF)  # fmt: skip
            # Business days after receipt, an hour before the day ends: in time or late
            # whatever the weekends and holidays around it.
            days = {"quick": 1, "seven_days": 7, "thirteen_days": 13}[kind]
            answered = CALENDAR.add_business_days(received, days) - H
            c.respond(text="Antwoord", resolution="unfounded", now=answered, cause=STAFF)
        complaints.append(c)
        kinds[str(c.id)] = kind
    return complaints, kinds


def facts_of(complaints: list[Complaint]) -> list[ev.Event]:
    return [e.fact for c in complaints for e in c.pending_events]  # type: ignore[attr-defined]


def rules(path: Path) -> sim.Rules:
    policy = load_policy(path)
    return sim.Rules(policy, build_calendar(policy.calendar))


def test_simulation_of_a_generated_year_gives_the_known_answers(tmp_path: Path) -> None:
    complaints, kinds = generated(250)
    histories = sim.group(reversed(facts_of(complaints)))
    current, candidate = (
        rules(policy_file(tmp_path)),
        rules(policy_file(tmp_path, respond_business_days=5)),
    )
    result = sim.compare(histories, current, candidate, until=UNTIL)

    count = Counter(kinds.values())
    assert result.current.complaints == result.candidate.complaints == 250
    assert result.current.breached == count["silent"] + count["thirteen_days"]
    assert (
        result.candidate.breached == count["silent"] + count["thirteen_days"] + count["seven_days"]
    )
    assert result.recorded.breached == count["silent"]
    assert result.candidate.by_level[2] == count["silent"] + count["thirteen_days"]
    assert result.current.by_level[3] == result.candidate.by_level[3] == count["silent"]
    for cid, facts in histories.items():
        now, then = sim.replay(facts, current, UNTIL), sim.replay(facts, candidate, UNTIL)
        assert (now.label, then.label) == KNOWN[kinds[cid]], (kinds[cid], facts[0])
    changed = {kinds[now.complaint_id] for now, _ in result.changed}
    assert changed == {"seven_days", "thirteen_days"}
    assert len(result.changed) == count["seven_days"] + count["thirteen_days"]


def test_the_window_and_the_moment_limit_what_is_replayed(tmp_path: Path) -> None:
    complaints, _ = generated(50)
    histories = sim.group(facts_of(complaints))
    current = rules(policy_file(tmp_path))
    half = sim.compare(histories, current, current, until=UNTIL,
                       received_from=datetime(2026, 7, 1, tzinfo=UTC))  # fmt: skip
    assert 0 < half.current.complaints < 50
    assert half.changed == []
    early = sim.compare(histories, current, current, until=datetime(2026, 1, 1, tzinfo=UTC))
    assert early.current.breached == 0  # nothing had happened yet


async def test_cli_replays_the_real_log_and_writes_nothing(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    complaints, _ = generated(10)
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    try:
        for c in complaints:
            await asyncio.to_thread(app.save, c)
    finally:
        app.close()
    nc = await nats.connect(provisioned_nats.url)
    js = nc.jetstream()
    before = (await js.stream_info(subjects.COMPLAINTS_STREAM)).state
    env = {
        "KLACHTEN_NATS_URL": provisioned_nats.url,
        "KLACHTEN_POLICY_FILE": str(policy_file(tmp_path)),
    }
    args = ["simulate", "--policy", str(policy_file(tmp_path, respond_business_days=5))]
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, [*args, "--as-of", UNTIL.isoformat()], env=env
    )
    after = (await js.stream_info(subjects.COMPLAINTS_STREAM)).state
    await nc.close()
    assert result.exit_code == 0, result.output
    assert "Complaints whose outcome changes: 4" in result.output
    assert "KL-2026-000002" in result.output  # seven_days: none → L1 respond
    assert "Nothing was written" in " ".join(result.output.split())
    assert (after.last_seq, after.messages) == (before.last_seq, before.messages)


def test_cli_refuses_an_invalid_candidate(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('version = "x"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["simulate", "--policy", str(bad), "--events", str(bad)])
    assert result.exit_code == 2
    assert "calendar" in result.output
