"""Every complaint counted once (issue #21): for generated histories, every bucket family of the
summary and of the yearly report sums to the number of complaints in its scope, whatever the
path (closed before its acknowledgement, erased, not handled, withdrawn, referred, escalated,
extended, paused, reopened, answered or not).

Histories are real contract events made by the aggregate with the deciders intake and the SLA
monitor use, folded by the reporting fold. Size: KLACHTEN_COUNTED_EXAMPLES (default 40).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.reporting import domain, fold, handling
from shared.rules import terms as rules
from shared.rules.complaint import Cause, Complaint, ComplaintError
from shared.rules.deadlines import ClockState
from tests.shared.rules.test_terms import CAL, POLICY
from tests.support.domain import letter, personal

STAFF = Cause(actor="staff:anna")
EXAMPLES = int(os.environ.get("KLACHTEN_COUNTED_EXAMPLES", "40"))
NOW = datetime(2028, 1, 20, 12, tzinfo=UTC)

step = st.tuples(
    st.sampled_from(
        ["acknowledge", "respond", "escalate", "extend", "pause", "resume", "reopen", "erase",
         "assign", "invite", "hear", "waive", "informal", "decline",  # the procedure (issue 16)
         "resolved", "not_handled", "withdrawn", "referred"]  # the last four close
    ),
    st.integers(0, 40),
)  # fmt: skip
complaint = st.fixed_dictionaries(
    {
        "received": st.dates(date(2026, 1, 1), date(2027, 12, 20)),
        "hour": st.integers(0, 23),
        "channel": st.sampled_from(["web", "email", "phone", "letter", "api"]),
        "category": st.sampled_from([None, "service", "conduct"]),
        "late_days": st.sampled_from([0, 0, 3, 30]),
        "steps": st.lists(step, max_size=7),
    }
)


def _build(h: dict) -> Complaint:
    received = datetime.combine(h["received"], datetime.min.time(), UTC)
    received = received.replace(hour=h["hour"])
    now = received + timedelta(days=h["late_days"])
    state = ClockState(complaint_id="-", received_at=received, channel=h["channel"])
    terms = rules.registration_terms(state, POLICY, CAL, now)
    c = Complaint.submit(complaint_id=uuid4(), reference="KL-2026-000001", channel=h["channel"],
                         language="nl", personal=personal(), received_at=received, now=now,
                         cause=STAFF, category=h["category"], terms=terms)  # fmt: skip
    for kind, gap in h["steps"]:
        now += timedelta(days=gap, minutes=7)
        try:
            _act(c, kind, now)
        except ComplaintError:
            continue  # refused by the rules (closed, second extension, top level, ...)
    return c


def _act(c: Complaint, kind: str, now: datetime) -> None:
    facts = list(c.facts)  # type: ignore[attr-defined]
    if kind == "acknowledge":
        t = rules.current_terms(facts[:1], POLICY, CAL)
        sent = msgspec.structs.replace(letter(), sent_at=now)
        c.acknowledge(letter=sent, respond_by=t.respond_by, statutory_by=t.statutory_by,  # type: ignore[arg-type]
                      now=now, cause=Cause(actor="notifier"), terms=t)  # fmt: skip
    elif kind == "respond":
        c.respond(text="Antwoord.", resolution="unfounded", now=now, cause=STAFF)
    elif kind == "escalate":
        level = c.level + 1
        if level > POLICY.top_level or not c.is_open:
            return  # the writers ask nothing above the top of the ladder or after closing
        terms = rules.escalation_terms(facts, level, now, POLICY, CAL)
        c.escalate(level=level, target="supervisor", reason="staff_decision", now=now,
                   cause=STAFF, top_level=POLICY.top_level, terms=terms)  # fmt: skip
    elif kind == "extend":
        before = rules.current_terms(facts, POLICY, CAL)
        c.extend(weeks=4, reason="Advies nodig.", statutory_by=before.statutory_by, now=now,  # type: ignore[arg-type]
                 cause=STAFF, terms=rules.extension_terms(facts, 4, POLICY, CAL))  # fmt: skip
        sent = msgspec.structs.replace(letter("extension_notice"), sent_at=now)
        decided = list(c.facts)[-1]  # type: ignore[attr-defined]
        c.record_letter(letter=sent, cause_event_id=decided.event_id, now=now, cause=STAFF)
    elif kind == "pause":
        c.pause(reason="Wacht op stukken.", now=now, cause=STAFF,
                terms=rules.pause_terms(facts, now, POLICY, CAL),
                clocks=POLICY.pausing.clocks)  # fmt: skip
    elif kind == "resume":
        c.resume(now=now, cause=STAFF, terms=rules.resume_terms(facts, now, POLICY, CAL))
    elif kind == "reopen":
        c.reopen(reason="Nieuwe feiten.", now=now, cause=STAFF)
    elif kind == "erase":
        c.erase(key_id="k1", legal_basis="avg-17", now=now, cause=STAFF)
    elif kind in PROCEDURE:
        PROCEDURE[kind](c, now)
    else:
        c.close(outcome=kind, now=now, cause=STAFF, note="Reden.", calendar=CAL)  # type: ignore[arg-type]


PROCEDURE = {
    "assign": lambda c, now: c.assign(
        handler=None, team="team-a" if c.team != "team-a" else "team-b", now=now, cause=STAFF,
        department="dept-x" if now.day % 2 else "dept-y", reason="Andere kennis nodig.",
    ),
    "invite": lambda c, now: c.invite_to_hearing(
        at=now + timedelta(days=3), mode="phone", now=now, cause=STAFF
    ),
    "hear": lambda c, now: c.record_hearing(
        held_at=now, mode="video", report="Verslag.", now=now, cause=STAFF
    ),
    "waive": lambda c, now: c.waive_hearing(
        ground="complainant_waived", now=now, cause=STAFF
    ),
    "informal": lambda c, now: c.resolve_informally(
        means="apology", confirmed_by="phone", confirmed_at=now, text="Excuses.", now=now,
        cause=STAFF,
    ),
    "decline": lambda c, now: c.decline(
        grounds=["older_than_a_year", "insufficient_interest"], explanation="Te oud.", now=now,
        cause=STAFF, calendar=CAL,
    ),
}  # fmt: skip


def _tables(histories: list[dict]) -> dict[str, list[fold.Row]]:
    events = [f for h in histories for f in _build(h).facts]  # type: ignore[attr-defined]
    events.sort(key=lambda f: f.occurred_at)  # one log, in time order (per complaint: versions)
    model = fold.ReadModel(rules=(POLICY, CAL))
    for seq, fact in enumerate(events, start=1):
        assert fold.apply(model, seq, fact) is None
    return fold.tables_of(model)


def _sum(counts: dict[str, int]) -> int:
    return sum(counts.values())


def _check_compliance(norms: dict, n: int) -> None:
    for name, c in norms.items():
        assert _sum({k: v for k, v in c.items() if k != "rate"}) == n, (name, c)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
@given(st.lists(complaint, min_size=1, max_size=8))
def test_every_bucket_family_sums_to_the_complaints_in_scope(histories: list[dict]) -> None:
    tables = _tables(histories)
    rows = tables[fold.COMPLAINTS]
    n = len(histories)
    s = domain.summary(tables, NOW, position=0)
    assert s["complaints"] == n == len(rows)
    assert _sum(s["by_status"]) == n
    assert sum(_sum(channels) for channels in s["inflow"].values()) == n
    _check_compliance(s["compliance"], n)
    open_ = sum(r["status"] in domain.OPEN for r in rows)
    backlog = s["backlog"]
    assert backlog["open"] == _sum(backlog["by_status"]) == _sum(backlog["ageing"]) == open_
    per_channel = {ch: sum(r["channel"] == ch for r in rows) for ch in {r["channel"] for r in rows}}
    assert set(s["response_times"]["channel"]) == set(per_channel)
    for ch, kinds in s["response_times"]["channel"].items():
        for kind in kinds.values():
            assert kind["count"] + kind["without"] == per_channel[ch], (ch, kind)
            assert _sum(kind["distribution"]) == kind["count"]
    esc = s["escalations"]
    assert _sum(esc["by_level"]) == _sum(esc["by_reason"]) == esc["total"]
    assert _sum(s["handling"]) == n
    assert s["handling"]["open"] == sum(r["closed_at"] is None for r in rows)
    assert sum(d["received"] for d in s["by_department"].values()) == n
    for counts in s["by_department"].values():
        assert counts["received"] >= sum(counts[e] for e in handling.ENDINGS)
    hearings = s["hearings"]
    assert _sum(hearings["waived_by_ground"]) == hearings["waived"]
    assert _sum(hearings["held_by_mode"]) == hearings["held"]
    assert backlog["awaiting_hearing"] <= open_

    for year in (2026, 2027):
        y = domain.annual(tables, year, tz=UTC)
        received, closed = y["received"], y["closed"]
        assert _sum(y["received_by_channel"]) == received
        assert received == sum(domain.year_of(r["received_at"], UTC) == year for r in rows)
        assert _sum(y["closed_by_outcome"]) == _sum(y["judgement"]) == closed
        assert _sum(y["awb_buckets"]) == y["time_to_close"]["count"] == closed
        cats = y["per_category"].values()
        assert sum(c.get("received", 0) for c in cats) == received
        assert sum(c.get("closed", 0) for c in cats) == closed
        _check_compliance({"statutory": y["statutory_compliance_of_closed"]}, closed)
        assert _sum(y["handling"]) == closed
        departments = y["per_department"].values()
        assert sum(d["received"] for d in departments) == received
        assert sum(sum(d[e] for e in handling.ENDINGS) for d in departments) == closed
        ended = [r for r in rows if domain.year_of(r["closed_at"], UTC) == year]
        declined = [r for r in ended if handling.ending(r) == "declined"]
        assert len(declined) == y["handling"]["declined"]
        grounds = sum(len(handling.grounds_of(r)) for r in declined)
        assert _sum(y["declined_by_ground"]) == grounds >= len(declined)


def test_a_complaint_closed_before_its_acknowledgement_is_counted_in_every_clock() -> None:
    h = {"received": date(2026, 3, 2), "hour": 9, "channel": "web", "category": None,
         "late_days": 0, "steps": [("withdrawn", 1)]}  # fmt: skip
    tables = _tables([h])
    norms = domain.summary(tables, NOW, position=0)["compliance"]
    assert all(c["not_applicable"] == 1 for c in norms.values()), norms
    y = domain.annual(tables, 2026, tz=UTC)
    assert y["statutory_compliance_of_closed"]["not_applicable"] == 1
