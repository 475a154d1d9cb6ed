"""Issue #26: replaying the policy in force reproduces what the live SLA monitor recorded.

Histories are generated with the dates the writers record (the rules package's deciders), the
real SLA monitor runs as a process against a real nats-server and acts on them (backdated
receipts make deadlines pass at once), then `klachten sla simulate --format json` reads the log
and must give, per complaint, exactly the recorded escalations (level, clock, moment, missed
deadline, new level's term). A candidate policy is checked against dates computed by hand.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import nats
from typer.testing import CliRunner

from klachten.stack.natsserver import EmbeddedNats
from services.sla_monitor.cli import app as cli
from services.sla_monitor.settings import EVENTS_CONSUMER, TIMERS_CONSUMER
from shared.config.policy_file import build_calendar, load_policy
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause, Complaint
from shared.rules.deadlines import ClockState
from shared.rules.terms import (
    current_terms,
    escalation_terms,
    extension_terms,
    pause_terms,
    registration_terms,
    resume_terms,
)
from tests.support.domain import personal
from tests.support.polling import wait_until
from tests.support.processes import ServiceProcess
from tests.support.sla import STAFF, consumers_idle, escalations, policy_file, sla_env, sla_settings

H, D = timedelta(hours=1), timedelta(days=1)
BOTH = ((subjects.COMPLAINTS_STREAM, EVENTS_CONSUMER), (subjects.TIMERS_STREAM, TIMERS_CONSUMER))
# Monday 2 March 2026, 10:00 in Amsterdam; answered on Wednesday 11 March (7th business day).
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Writer:
    """Appends histories with the dates intake and the notifier record (same deciders)."""

    def __init__(self, policy_path: Path) -> None:
        self.policy = load_policy(policy_path)
        self.calendar = build_calendar(self.policy.calendar)
        self.n = 0

    def submit(self, received: datetime, registered: datetime | None = None) -> Complaint:
        self.n += 1
        registered = registered or received
        cid = uuid4()
        state = ClockState(complaint_id=str(cid), received_at=received, channel="letter")
        return Complaint.submit(
            complaint_id=cid, reference=f"KL-2026-{self.n:06d}", channel="letter",
            language="nl", personal=personal(email=f"k{self.n}@example.nl"),
            received_at=received, now=registered, cause=Cause(actor="staff:ann"),
            terms=registration_terms(state, self.policy, self.calendar, registered),
        )  # fmt: skip

    def acknowledge(self, c: Complaint, at: datetime) -> None:
        t = current_terms(c.facts, self.policy, self.calendar)  # type: ignore[attr-defined]
        record = ev.LetterRecord(
            kind="acknowledgement", template="acknowledgement.txt.j2", template_version="v1",
            language="nl", content_sha256="0" * 64, message_id=f"<{uuid4()}@klachten.local>",
            sent_at=at,
        )  # fmt: skip
        c.acknowledge(letter=record, respond_by=t.respond_by, statutory_by=t.statutory_by,
                      acknowledge_by=t.acknowledge_by, terms=t, now=at, cause=STAFF)  # fmt: skip

    def pause(self, c: Complaint, at: datetime, until: datetime) -> None:
        p, cal = self.policy, self.calendar
        c.pause(reason="Wachten op stukken", now=at, cause=STAFF, clocks=p.pausing.clocks,
                terms=pause_terms(c.facts, at, p, cal))  # type: ignore[attr-defined]  # fmt: skip
        c.resume(now=until, cause=STAFF, terms=resume_terms(c.facts, until, p, cal))  # type: ignore[attr-defined]

    def extend(self, c: Complaint, at: datetime, weeks: int) -> None:
        t = current_terms(c.facts, self.policy, self.calendar)  # type: ignore[attr-defined]
        terms = extension_terms(c.facts, weeks, self.policy, self.calendar)  # type: ignore[attr-defined]
        c.extend(weeks=weeks, reason="Advies nodig", with_consent=False,
                 statutory_by=t.statutory_by, terms=terms, now=at, cause=STAFF)  # fmt: skip

    def requested(self, c: Complaint, at: datetime) -> None:
        terms = escalation_terms(c.facts, 1, at, self.policy, self.calendar)  # type: ignore[attr-defined]
        c.escalate(level=1, target=self.policy.level(1).role, reason="complainant_request",
                   top_level=self.policy.top_level, text="Ik ben het er niet mee eens",
                   terms=terms, now=at, cause=Cause(actor="complainant:web"))  # fmt: skip


def histories(w: Writer, now: datetime) -> dict[str, Complaint]:
    out: dict[str, Complaint] = {}
    out["late_letter"] = w.submit(now - 60 * D, now - 5 * H)  # registered two months late
    c = out["late_letter_acked"] = w.submit(now - 60 * D, now - 5 * H)
    w.acknowledge(c, now - 5 * H + timedelta(seconds=2))  # the notifier's acknowledgement
    c = out["late_ack"] = w.submit(now - 20 * D)
    w.acknowledge(c, now - 10 * D)  # a week after its deadline
    c = out["paused_extended"] = w.submit(now - 50 * D)
    w.acknowledge(c, now - 50 * D + H)
    w.pause(c, now - 48 * D, now - 45 * D)
    w.extend(c, now - 30 * D, 4)
    c = out["christmas"] = w.submit(datetime(2025, 12, 23, 15, tzinfo=UTC))  # holidays follow
    w.acknowledge(c, datetime(2025, 12, 23, 16, tzinfo=UTC))
    c = out["requested"] = w.submit(now - 30 * D)
    w.acknowledge(c, now - 30 * D + H)
    w.requested(c, now - 27 * D)  # level 1's own term has passed since
    c = out["answered_day_7"] = w.submit(MONDAY)
    w.acknowledge(c, MONDAY + H)
    c.respond(text="Antwoord", resolution="unfounded", now=MONDAY + 9 * D + 2 * H, cause=STAFF)
    return out


async def test_replaying_the_policy_in_force_gives_what_the_monitor_recorded(
    provisioned_nats: EmbeddedNats, nc: nats.NATS, tmp_path: Path
) -> None:
    policy_path = policy_file(tmp_path)
    writer = Writer(policy_path)
    made = histories(writer, datetime.now(UTC))
    late = [k for k in made if k != "answered_day_7"]
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    monitor = ServiceProcess(
        "sla_monitor", sla_env(sla_settings(provisioned_nats.url, policy_path)), tmp_path,
        name="sla", stop_wait=10,
    )  # fmt: skip
    try:
        for c in made.values():
            await asyncio.to_thread(app.save, c)
        monitor.start()
        for kind in late:
            await wait_until(
                lambda k=kind: [e for e in escalations(app, made[k].id) if e.breach_id],
                timeout=60,
                message=kind,
            )
        await wait_until(lambda: consumers_idle(nc, *BOTH), timeout=60, message="idle")
        recorded = {
            k: [e for e in escalations(app, c.id) if e.reason == "deadline_missed"]
            for k, c in made.items()
        }
    finally:
        monitor.stop()
        app.close()

    env = {"KLACHTEN_NATS_URL": provisioned_nats.url, "KLACHTEN_POLICY_FILE": str(policy_path)}
    candidate = policy_file(tmp_path, respond_business_days=5, version="candidate")
    args = ["simulate", "--policy", str(candidate), "--format", "json"]
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, [*args, "--as-of", datetime.now(UTC).isoformat()], env=env
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    rows = {row["complaint_id"]: row for row in out["complaints"]}
    for kind, c in made.items():
        row = rows[str(c.id)]
        expected = [
            {"level": e.level, "clock": e.clock, "at": _z(e.occurred_at),
             "deadline": _z(e.deadline_missed), "respond_by": _z(e.terms.respond_by)}
            for e in recorded[kind]
        ]  # fmt: skip
        assert row["recorded"] == expected, kind
        assert row["current"] == row["recorded"], (kind, row)
        assert row["reproduced"] and row["not_reproduced_because"] is None, kind
    assert out["not_reproduced"] == 0
    assert out["summary"]["current"]["breached"] == out["summary"]["recorded"]["breached"] == 6
    # The late acknowledgement of a late letter does not undo the missed acknowledgement.
    assert [e.clock for e in recorded["late_letter_acked"]] == ["acknowledge"]
    assert [e.level for e in recorded["requested"]] == [2]
    # Candidate, by hand: 5 business days counted from Tuesday 3 March end on Monday 9 March;
    # the deadline is the first instant late, Tuesday 10 March 00:00 in Amsterdam (23:00 UTC).
    [step] = rows[str(made["answered_day_7"].id)]["candidate"]
    assert (step["level"], step["clock"]) == (1, "respond")
    assert step["deadline"] == step["at"] == "2026-03-09T23:00:00Z"
    # A candidate equal to the policy in force changes nothing.
    same = await asyncio.to_thread(
        CliRunner().invoke, cli, ["simulate", "--policy", str(policy_path), "--format", "json"],
        env=env,
    )  # fmt: skip
    assert json.loads(same.output)["changed"] == 0, same.output


def _z(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
