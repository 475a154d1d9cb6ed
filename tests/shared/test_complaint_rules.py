"""Random command sequences never break the Complaint's invariants (hypothesis state machine)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from shared.contract import events as ev
from shared.rules.complaint import Cause, Complaint, ComplaintError
from tests.support.domain import NOW, letter, submitted

STAFF = Cause(actor="staff:handler")


class ComplaintLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.c = submitted()
        self.now = NOW
        self.deadline = NOW + timedelta(weeks=6)
        self.events = list(self.c.collect_events())
        self.closed_in: str | None = None  # the status the complaint was closed in

    def attempt(self, command) -> None:  # type: ignore[no-untyped-def]
        before = self.c.status
        try:
            command()
        except ComplaintError:
            pass
        new = self.c.collect_events()
        self.events.extend(new)
        for event in new:
            if isinstance(event.fact, ev.Closed):
                self.closed_in = before
            elif before == "closed":
                # After closing only messages, their handling or a reopening happen.
                assert isinstance(
                    event.fact, ev.ReactionReceived | ev.ReactionHandled | ev.Reopened
                )
            if isinstance(event.fact, ev.Reopened):
                assert event.fact.status == self.closed_in

    @rule(days=st.integers(0, 30))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days)

    @rule()
    def acknowledge(self) -> None:
        self.attempt(
            lambda: self.c.acknowledge(
                letter=letter(),
                respond_by=self.deadline,
                statutory_by=self.deadline,
                now=self.now,
                cause=STAFF,
            )
        )

    @rule(resolution=st.sampled_from(["well_founded", "unfounded"]))
    def respond(self, resolution: str) -> None:
        self.attempt(
            lambda: self.c.respond(
                text="answer",
                resolution=resolution,  # type: ignore[arg-type]
                now=self.now,
                cause=STAFF,
            )
        )

    @rule(level=st.integers(0, 5))
    def escalate(self, level: int) -> None:
        self.attempt(
            lambda: self.c.escalate(
                level=level, target="t", reason="complainant_request", now=self.now, cause=STAFF
            )
        )

    @rule(weeks=st.integers(0, 6), consent=st.booleans())
    def extend(self, weeks: int, consent: bool) -> None:
        self.attempt(
            lambda: self.c.extend(
                weeks=weeks,
                reason="r",
                statutory_by=self.deadline,
                now=self.now,
                cause=STAFF,
                with_consent=consent,
            )
        )

    @rule()
    def pause(self) -> None:
        self.attempt(lambda: self.c.pause(reason="waiting", now=self.now, cause=STAFF))

    @rule()
    def resume(self) -> None:
        self.attempt(lambda: self.c.resume(now=self.now, cause=STAFF))

    @rule(
        outcome=st.sampled_from(["resolved", "withdrawn", "not_handled", "referred"]),
        note=st.sampled_from([None, "", "reason"]),
    )
    def close(self, outcome: str, note: str | None) -> None:
        self.attempt(
            lambda: self.c.close(
                outcome=outcome,
                note=note,
                now=self.now,  # type: ignore[arg-type]
                cause=STAFF,
            )
        )

    @rule(verified=st.booleans(), auto=st.booleans(), disagrees=st.booleans())
    def message_arrives(self, verified: bool, auto: bool, disagrees: bool) -> None:
        self.attempt(
            lambda: self.c.record_reaction(
                text="bericht",
                disagrees=disagrees,
                channel="email",
                now=self.now,
                cause=STAFF,
                message_id=f"<{len(self.events)}@x>",
                verified=verified,
                auto_reply=auto,
            )
        )

    @rule()
    def handle_a_message(self) -> None:
        pending = sorted(self.c.new_reactions, key=str)
        if pending:
            self.attempt(
                lambda: self.c.handle_reaction(
                    reaction_event_id=pending[0], now=self.now, cause=STAFF
                )
            )

    @rule()
    def reopen(self) -> None:
        self.attempt(lambda: self.c.reopen(reason="new facts", now=self.now, cause=STAFF))

    @invariant()
    def only_the_complainants_own_message_asks_for_review(self) -> None:
        for e in self.events:
            if isinstance(e.fact, ev.ReactionReceived) and e.fact.disagrees:
                assert e.fact.verified and not e.fact.auto_reply

    @invariant()
    def versions_are_contiguous(self) -> None:
        assert [e.fact.version for e in self.events] == list(range(1, len(self.events) + 1))

    @invariant()
    def level_stays_on_the_ladder(self) -> None:
        assert 0 <= self.c.level <= 3

    @invariant()
    def at_most_one_extension_without_consent(self) -> None:
        assert self.c.extensions <= 1

    @invariant()
    def replay_gives_the_same_state(self) -> None:
        copy: Complaint | None = None
        for e in self.events:
            copy = e.mutate(copy)
        assert copy == self.c


ComplaintLifecycle.TestCase.settings = settings(
    max_examples=150, stateful_step_count=25, deadline=None
)
TestComplaintLifecycle = ComplaintLifecycle.TestCase
