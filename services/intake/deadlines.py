"""The deadlines `GET /api/complaints/{id}` shows, computed by the SLA policy
(shared/deadlines.py with KLACHTEN_POLICY_FILE, else config/policy.toml), so staff see the
deadlines the SLA monitor enforces and the acknowledgement states.

The fold of events into the policy's input is shared/clocks.py, the same one the SLA monitor
and the notifier use.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared import events as ev
from shared.config.policy import policy_in_force
from shared.rules.clocks import clock_state
from shared.rules.deadlines import Deadlines, SlaInputError, deadlines


def policy_deadlines(facts: Iterable[ev.Event]) -> Deadlines | None:
    """The complaint's deadlines now, or None when its history cannot be read as one."""
    policy, calendar = policy_in_force()
    try:
        return deadlines(clock_state(facts), policy, calendar)
    except SlaInputError:
        return None
