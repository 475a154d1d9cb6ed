"""The SLA monitor's application logic on the in-memory store (tests/support/memory.py): which
complaint escalates, under which policy version, and only once. The same decisions through the
running service, its consumers and timers on a real nats-server: test_sla_service.py and
test_sla_policy.py."""

from __future__ import annotations

from pathlib import Path

from services.sla_monitor.application import SlaApplication
from shared.config.policy import PolicyHolder
from shared.config.policy_file import load_policy
from shared.runtime.clock import utcnow
from tests.support.memory import in_memory
from tests.support.sla import answered_in_time, backdated, escalations, policy_file


def test_a_late_complaint_escalates_once_under_the_policy_in_force(tmp_path: Path) -> None:
    app = in_memory(SlaApplication)
    path = policy_file(tmp_path)
    late = backdated(app, 30)

    esc, _ = app.escalate_if_due(late, PolicyHolder(path), utcnow)
    again, _ = app.escalate_if_due(late, PolicyHolder(path), utcnow)

    assert esc is not None and again is None
    [recorded] = escalations(app, late)
    assert recorded.policy_version == load_policy(path).version_id


def test_a_complaint_answered_in_time_does_not_escalate(tmp_path: Path) -> None:
    app = in_memory(SlaApplication)
    in_time = answered_in_time(app, 60)

    esc, facts = app.escalate_if_due(in_time, PolicyHolder(policy_file(tmp_path)), utcnow)

    assert esc is None and facts and escalations(app, in_time) == []
